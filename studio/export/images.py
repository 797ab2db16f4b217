"""Sample grids and 2-D scatter pictures as uint8 arrays, and PNG writing (numpy, Pillow)."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from studio.export.files import replace_file


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float images in [-1, 1] [N, C, H, W] → uint8 [N, H, W, C]."""
    pixels = np.clip((images + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return pixels.transpose(0, 2, 3, 1)


def image_grid(images: np.ndarray, columns: int = 0, pad: int = 2,
               background: int = 24) -> np.ndarray:
    """Float images [N, C, H, W] in [-1, 1] → one uint8 RGB picture [H', W', 3] of a grid.

    `columns` = 0 picks a near-square layout. Grayscale images are repeated to RGB.
    """
    tiles = to_uint8(images)  # [N, H, W, C]
    if tiles.shape[-1] == 1:
        tiles = np.repeat(tiles, 3, axis=-1)
    n, h, w, _ = tiles.shape
    cols = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), background, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top:top + h, left:left + w] = tiles[i]
    return grid


def scatter_image(points: np.ndarray, size: int = 256, reference: np.ndarray | None = None,
                  extent: float = 1.1) -> np.ndarray:
    """2-D points in [-extent, extent]² drawn as dots on a light plane: uint8 [size, size, 3].

    Generated points are drawn orange over optional grey reference (real) points.
    """
    img = np.full((size, size, 3), 250, np.uint8)
    for v in np.linspace(-1.0, 1.0, 5):  # faint axes grid at -1, -0.5, 0, 0.5, 1
        k = int((v + extent) / (2 * extent) * (size - 1))
        img[k, :] = img[:, k] = 226
    if reference is not None:
        _dots(img, reference, extent, (150, 150, 150))
    _dots(img, points, extent, (230, 110, 20))
    return img


def _dots(img: np.ndarray, points: np.ndarray, extent: float, colour: tuple[int, ...]) -> None:
    size = img.shape[0]
    xy = (np.asarray(points, np.float64) + extent) / (2 * extent) * (size - 1)
    cols, rows = np.round(xy[:, 0]).astype(int), np.round((size - 1) - xy[:, 1]).astype(int)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = rows + dr, cols + dc
            ok = (r >= 0) & (r < size) & (c >= 0) & (c < size)
            img[r[ok], c[ok]] = colour


def samples_picture(samples: np.ndarray, columns: int = 0) -> np.ndarray:
    """A grid for images [N, C, H, W] or a scatter for points [N, 2]; uint8 [H, W, 3]."""
    if samples.ndim == 2:
        return scatter_image(samples)
    return image_grid(samples, columns)


_last_snapshot: tuple[Any, np.ndarray] | None = None
_last_lock = threading.Lock()


def snapshot_picture(snapshot: Any) -> np.ndarray:
    """The picture of a run-loop snapshot (`.samples`, `.columns`), made once per snapshot.

    Several sinks receive the same snapshot (the run writer, the studio's bridge); the last
    one's picture is kept so the grid is built once, not once per sink.
    """
    global _last_snapshot
    with _last_lock:
        if _last_snapshot is not None and _last_snapshot[0] is snapshot:
            return _last_snapshot[1]
    picture = samples_picture(snapshot.samples.numpy(), snapshot.columns)
    with _last_lock:
        _last_snapshot = (snapshot, picture)
    return picture


def save_png(picture: np.ndarray, path: str | Path) -> Path:
    """Write a uint8 [H, W, 3|1] picture as PNG through a temp name, so no half file remains.

    Replaces only a regular file or a link (the link itself); a device, FIFO, socket or folder
    at `path` raises OutputPathError (an OSError) and is left untouched.
    """
    image = Image.fromarray(picture.squeeze(-1) if picture.shape[-1] == 1 else picture)
    return replace_file(path, lambda tmp: image.save(tmp, format="PNG"))
