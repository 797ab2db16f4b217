"""The grid the 2-D game view draws D(x) on — shared by the engine (which judges it) and the
view (which paints it); numpy only."""

from __future__ import annotations

import numpy as np

GAME_GRID = 48  # D(x) is evaluated on a GAME_GRID² grid
GAME_EXTENT = 1.1  # the grid spans [-extent, extent]² (2-D sets lie in [-1, 1]²)
GAME_REAL_POINTS = 1024  # real points kept with each game state


def grid_coordinates(size: int, extent: float) -> np.ndarray:
    """The ``[size*size, 2]`` (x, y) points D must be evaluated on, in heat-map order.

    Row-major over y then x, so ``D(points).reshape(size, size)`` is the heat map the game
    view expects (row 0 = bottom).
    """
    if size < 1:
        raise ValueError(f"grid size must be positive, got {size}")
    step = 2.0 * extent / size
    centres = -extent + (np.arange(size, dtype=np.float64) + 0.5) * step
    xx, yy = np.meshgrid(centres, centres, indexing="xy")  # xx[i, j] = xs[j], yy[i, j] = ys[i]
    return np.stack([xx.ravel(), yy.ravel()], axis=1)
