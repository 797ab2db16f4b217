"""The 2-D game as a picture's data: D(x) on the game grid and the real points beside it."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from studio.data.game_grid import GAME_EXTENT, GAME_GRID, GAME_REAL_POINTS, grid_coordinates


@torch.no_grad()
def game_arrays(trainer: Any, dataset: Any = None,
                size: int = GAME_GRID) -> tuple[Tensor | None, Tensor | None]:
    """(heat [size, size] on the CPU, None for a trainer without a critic; the first real
    points of `dataset` [M, 2], None without one): what a 2-D snapshot keeps for the replay."""
    grid = torch.as_tensor(grid_coordinates(size, GAME_EXTENT), dtype=torch.float32)
    verdict = trainer.judge(grid.to(trainer.device))
    heat = None if verdict is None else verdict.reshape(size, size).float().cpu()
    samples = getattr(dataset, "samples", None)
    real = None if samples is None else samples[:GAME_REAL_POINTS].float().cpu()
    return heat, real
