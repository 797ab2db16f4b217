"""The built-in "shapes" dataset: labelled, procedurally drawn shapes for conditional GANs.

Every image holds one shape (the class) with a random colour, size, position and rotation on
a solid, gradient, striped or soft-noise background. It is generated, never downloaded, so it
is available offline and small enough to regenerate every time a run opens it.

Why it looks the way it does:
- The classes are chosen to stay distinct under any rotation even at 16 px (no square vs.
  diamond, no pentagon vs. hexagon).
- The background is always a blend of two colours whose luma both differ from the shape's
  by at least `_MIN_LUMA_GAP`, so the shape stays visible in colour *and* in grey.
- Sample i depends only on (seed, i): all random numbers come from one generator as an
  [N, K] table filled row by row, so a smaller dataset is a prefix of a larger one.
- Edges are antialiased by drawing the shape mask at 4× and box-filtering it down.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image, ImageDraw

from studio.data.base import (
    IMAGES,
    Dataset,
    check_builtin_request,
    convert_channels,
    to_uint8_images,
)
from studio.errors import DatasetError

SHAPE_CLASSES: tuple[str, ...] = (
    "circle", "square", "triangle", "star", "cross",
    "heart", "crescent", "ring", "arrow", "semicircle",
)
RESOLUTIONS = (16, 32, 64, 128)

_SUPERSAMPLE = 4  # masks are drawn at 4× and box-filtered down for smooth edges
_MIN_LUMA_GAP = 64.0  # minimum luma distance (of 255) between the shape and any background pixel
_SIZE_RANGE = (0.35, 0.8)  # shape diameter as a fraction of the image side
_NOISE_GRID = 4  # soft-noise backgrounds are a 4×4 grid of random values, smoothly upsampled
_CHUNK_PIXELS = 2**20  # pixels composited at a time, to bound memory and stay cache-friendly

# Columns of the per-sample table of uniform random numbers, in a fixed order.
_SIZE, _CX, _CY, _ROT = 0, 1, 2, 3
_FILL_HSV = slice(4, 7)
_BG1_HSV, _BG2_HSV = slice(7, 10), slice(10, 13)
_SIDE, _BG_KIND, _BG_ANGLE, _BG_FREQ, _BG_PHASE = 13, 14, 15, 16, 17
_NOISE = slice(18, 18 + _NOISE_GRID * _NOISE_GRID)
_NUM_UNIFORMS = 18 + _NOISE_GRID * _NOISE_GRID

Polygon = np.ndarray  # float [V, 2], unit coordinates, y pointing down
ShapeOps = tuple[tuple[Polygon, int], ...]  # polygons painted in order with fill 255 or 0


def _circle(radius: float = 1.0, cx: float = 0.0, cy: float = 0.0, n: int = 48) -> Polygon:
    """A circle as an n-gon (a polygon, so it rotates with the shape like everything else)."""
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    return np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], axis=1)


def _regular(n: int, radius: float = 1.0, phase: float = -math.pi / 2) -> Polygon:
    """A regular n-gon with one vertex pointing up."""
    t = phase + np.arange(n) * 2.0 * math.pi / n
    return np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)


def _star() -> Polygon:
    """A five-pointed star with deep notches, so it does not read as a pentagon when small."""
    outer, inner = _regular(5, 1.0), _regular(5, 0.42, -math.pi / 2 + math.pi / 5)
    return np.stack([outer, inner], axis=1).reshape(-1, 2)


def _heart() -> Polygon:
    """The classic parametric heart, point down, centred and scaled into the unit circle."""
    t = np.linspace(0.0, 2.0 * math.pi, 64, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return np.stack([x, y - 2.5], axis=1) / 17.5


def _build_shapes() -> dict[str, ShapeOps]:
    """Each class as polygons painted in order (255 adds, 0 cuts out); all fit a unit circle."""
    arm = 0.34  # half-width of the cross arms
    cross = np.array([(-arm, -1), (arm, -1), (arm, -arm), (1, -arm), (1, arm), (arm, arm),
                      (arm, 1), (-arm, 1), (-arm, arm), (-1, arm), (-1, -arm), (-arm, -arm)],
                     dtype=np.float64) * 0.92
    arrow = np.array([(0, -1), (0.75, -0.15), (0.28, -0.15), (0.28, 0.95), (-0.28, 0.95),
                      (-0.28, -0.15), (-0.75, -0.15)], dtype=np.float64)
    t = np.linspace(0.0, math.pi, 25)
    semicircle = np.stack([np.cos(t), 0.35 - np.sin(t)], axis=1)  # flat side down, centred
    return {
        "circle": ((_circle(0.9), 255),),
        "square": ((_regular(4, 1.0, math.pi / 4), 255),),
        "triangle": ((_regular(3, 1.0) + np.array([0.0, 0.12]), 255),),
        "star": ((_star(), 255),),
        "cross": ((cross, 255),),
        "heart": ((_heart(), 255),),
        "crescent": ((_circle(0.95, -0.05), 255), (_circle(0.8, 0.5), 0)),
        "ring": ((_circle(0.95), 255), (_circle(0.5), 0)),
        "arrow": ((arrow, 255),),
        "semicircle": ((semicircle, 255),),
    }


_SHAPES = _build_shapes()


def render_mask(shape: int, resolution: int, center: tuple[float, float], radius: float,
                angle: float) -> np.ndarray:
    """Antialiased coverage of one shape as uint8 [R, R] (255 = fully inside).

    `shape` indexes SHAPE_CLASSES; `center` (x, y) and `radius` are in pixels, `angle` in
    radians. Drawn at 4× with Pillow and box-filtered down, so edge pixels get partial coverage.
    """
    s = _SUPERSAMPLE
    canvas = Image.new("L", (resolution * s, resolution * s), 0)
    draw = ImageDraw.Draw(canvas)
    cos, sin = math.cos(angle), math.sin(angle)
    rot = np.array([[cos, sin], [-sin, cos]]) * (radius * s)
    offset = np.array(center) * s
    for poly, value in _SHAPES[SHAPE_CLASSES[shape]]:
        pts = poly @ rot + offset  # [V, 2] in canvas pixels
        draw.polygon(pts.ravel().tolist(), fill=value)
    return np.asarray(canvas.reduce(s))  # [R, R]


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Vectorised HSV → RGB; hsv float [N, 3] in [0, 1] → rgb float [N, 3] in [0, 255]."""
    h, s, v = hsv[:, 0:1], hsv[:, 1:2], hsv[:, 2:3]
    k = (np.array([5.0, 3.0, 1.0]) + h * 6.0) % 6.0  # [N, 3]
    return 255.0 * (v - v * s * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0))


def _luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of float rgb [N, 3] → [N], matching convert_channels("gray")."""
    return rgb @ np.array([0.299, 0.587, 0.114])


def _push_luma(rgb: np.ndarray, target: np.ndarray, brighter: np.ndarray) -> np.ndarray:
    """Blend colours [N, 3] towards white (or black) until luma is ≥ (or ≤) `target` [N]."""
    lum = _luma(rgb)
    up = np.clip((target - lum) / np.maximum(255.0 - lum, 1e-6), 0.0, 1.0)[:, None]
    down = np.clip(1.0 - target / np.maximum(lum, 1e-6), 0.0, 1.0)[:, None]
    return np.where(brighter[:, None], rgb + up * (255.0 - rgb), rgb * (1.0 - down))


def _colours(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shape colour and the two background colours, each float [N, 3] in [0, 255].

    Both background colours sit on the same side of the shape's luma, at least _MIN_LUMA_GAP
    away, so every blend of them (gradient, stripes, noise) contrasts with the shape too.
    """
    fill_hsv = u[:, _FILL_HSV] * np.array([1.0, 0.8, 0.8]) + np.array([0.0, 0.2, 0.2])
    fill = _hsv_to_rgb(fill_hsv)
    lum = _luma(fill)
    can_up, can_down = lum + _MIN_LUMA_GAP <= 255.0, lum - _MIN_LUMA_GAP >= 0.0
    brighter = np.where(can_up & can_down, u[:, _SIDE] < 0.5, can_up)
    target = np.where(brighter, lum + _MIN_LUMA_GAP, lum - _MIN_LUMA_GAP)
    bgs = [_push_luma(_hsv_to_rgb(u[:, cols]), target, brighter) for cols in (_BG1_HSV, _BG2_HSV)]
    return fill, bgs[0], bgs[1]


def _blend_weights(u: np.ndarray, resolution: int) -> np.ndarray:
    """Per-pixel weight of background colour 2, float32 [N, R, R] in [0, 1].

    A quarter each: solid (0), linear gradient at a random angle, soft sinusoidal stripes,
    and smooth value noise (a 4×4 random grid upsampled bicubically). Each kind is computed
    only for its own rows.
    """
    n = len(u)
    kind = np.minimum((u[:, _BG_KIND] * 4).astype(np.int64), 3)  # [N]
    out = np.zeros((n, resolution, resolution), dtype=np.float32)
    coords = ((np.arange(resolution) + 0.5) / resolution - 0.5).astype(np.float32)
    linear = (kind == 1) | (kind == 2)
    angle = (u[linear, _BG_ANGLE] * 2.0 * math.pi).astype(np.float32)[:, None, None]
    cos, sin = np.cos(angle), np.sin(angle)
    proj = cos * coords[None, None, :] + sin * coords[None, :, None]  # [M, R, R]
    gradient = proj / (np.abs(cos) + np.abs(sin)) + 0.5
    freq = (1.5 + 3.0 * u[linear, _BG_FREQ]).astype(np.float32)[:, None, None]
    phase = (u[linear, _BG_PHASE] * 2.0 * math.pi).astype(np.float32)[:, None, None]
    stripes = 0.5 + 0.5 * np.sin((2.0 * math.pi) * freq * proj + phase)
    out[linear] = np.where((kind[linear] == 1)[:, None, None], gradient, stripes)
    noisy = kind == 3
    grid = torch.from_numpy(u[noisy, _NOISE].astype(np.float32))
    grid = grid.reshape(-1, 1, _NOISE_GRID, _NOISE_GRID)
    noise = torch.nn.functional.interpolate(grid, size=(resolution, resolution), mode="bicubic",
                                            align_corners=True)[:, 0]  # [M, R, R]
    lo = noise.amin(dim=(1, 2), keepdim=True)
    hi = noise.amax(dim=(1, 2), keepdim=True)
    out[noisy] = ((noise - lo) / (hi - lo).clamp_min(1e-6)).numpy()
    return out


def _masks(u: np.ndarray, labels: np.ndarray, resolution: int) -> np.ndarray:
    """Coverage masks uint8 [N, R, R] for the shapes described by rows of `u`."""
    lo, hi = _SIZE_RANGE
    radius = (lo + (hi - lo) * u[:, _SIZE]) * resolution / 2.0  # [N] pixels
    margin = 0.85 * radius  # centres keep the shape mostly inside the frame
    cx = margin + u[:, _CX] * (resolution - 2.0 * margin)
    cy = margin + u[:, _CY] * (resolution - 2.0 * margin)
    angle = u[:, _ROT] * 2.0 * math.pi
    out = np.empty((len(u), resolution, resolution), dtype=np.uint8)
    for i in range(len(u)):
        out[i] = render_mask(int(labels[i]), resolution, (cx[i], cy[i]), radius[i], angle[i])
    return out


def _compose(u: np.ndarray, masks: np.ndarray, resolution: int) -> np.ndarray:
    """Paint shapes over their backgrounds: uint8 RGB [N, R, R, 3] (float32, in place)."""
    fill, bg1, bg2 = (c.astype(np.float32)[:, None, None, :] for c in _colours(u))  # [N,1,1,3]
    image = _blend_weights(u, resolution)[..., None] * (bg2 - bg1)  # [N, R, R, 3]
    image += bg1  # background
    alpha = masks[..., None].astype(np.float32) * np.float32(1.0 / 255.0)  # [N, R, R, 1]
    image += alpha * (fill - image)  # shape over background
    image += 0.5  # round on the cast below; values stay within [0.5, 255.5)
    return image.astype(np.uint8)


def _uniforms(seed: int, size: int) -> np.ndarray:
    """The [N, K] table of uniforms; row i depends only on (seed, i), hence the prefix property."""
    return np.random.default_rng(seed).random((size, _NUM_UNIFORMS))


def make_shapes(size: int, resolution: int, seed: int = 0, channels: str = "auto") -> Dataset:
    """Generate `size` labelled shape images at `resolution` px (16, 32, 64 or 128).

    Labels cycle through SHAPE_CLASSES (label i = i mod 10), so classes are balanced.
    `channels` is "auto" or "rgb" for colour, "gray" for one channel. Same arguments, same
    tensors; a smaller `size` gives a prefix of a larger one.
    """
    if resolution not in RESOLUTIONS:
        raise DatasetError(f"shapes renders at 16, 32, 64 or 128 px; got {resolution}")
    check_builtin_request("shapes", size, channels)
    u = _uniforms(seed, size)  # [N, K]
    labels = np.arange(size, dtype=np.int64) % len(SHAPE_CLASSES)  # [N]
    masks = _masks(u, labels, resolution)  # [N, R, R]
    pixels = np.empty((size, resolution, resolution, 3), dtype=np.uint8)  # [N, R, R, 3]
    chunk = max(1, _CHUNK_PIXELS // (resolution * resolution))
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        pixels[start:stop] = _compose(u[start:stop], masks[start:stop], resolution)
    samples = convert_channels(to_uint8_images(pixels), "gray" if channels == "gray" else "rgb")
    return Dataset(name="shapes", kind=IMAGES, samples=samples, labels=torch.from_numpy(labels),
                   classes=SHAPE_CLASSES, source="built-in")
