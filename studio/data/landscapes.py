"""The built-in "landscapes" dataset: procedural scenery whose factors live at different scales.

Made for StyleGAN, so style mixing has something visible to separate:
- coarse: the horizon height, one or two mountain ridges (fractal sums of plain and ridged sine
  octaves), the sun's or moon's position and size;
- middle: the rolling hills in front, the band of clouds;
- fine: the palette (time of day, which is the label: day, sunset, dusk, night), haze, the sky's
  gradient and glow, stars, snow caps and the grain of the ground.

How it is drawn: every layer is a height field over x (ridges, hills, cloud tops and bottoms) or
a disc (sun, moon), so its edge coverage is computed analytically per pixel from the signed
distance to the edge — antialiased like a supersampled drawing at a fraction of the cost. All
random numbers of sample i come from row i of one [N, K] table (plus a per-pixel hash keyed by
that row), so sample i depends only on (seed, i) and a smaller set is a prefix of a larger one.
The scene lives in continuous coordinates, so one (seed, i) shows the same place at any size
(small sizes drop detail finer than their pixels).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from studio.data.base import IMAGES, Dataset, check_builtin_request, convert_channels
from studio.errors import DatasetError

LANDSCAPE_CLASSES: tuple[str, ...] = ("day", "sunset", "dusk", "night")
MIN_RESOLUTION, MAX_RESOLUTION = 16, 512

_CHUNK_PIXELS = 2**16  # pixels rendered at a time, to bound memory and stay cache-friendly
_OCTAVES = 6  # sine octaves per mountain ridge (those finer than the pixel grid are dropped)
_TAU = np.float32(2.0 * math.pi)

# Columns of the per-sample table of uniforms, by name, in a fixed order (never reorder:
# that would change every image).
_FIELDS: tuple[tuple[str, int], ...] = (
    ("horizon", 1), ("layers", 1), ("haze", 1), ("snow", 2), ("tint", 3), ("ground", 1),
    ("far", 3 + 2 * _OCTAVES), ("near", 3 + 2 * _OCTAVES),
    ("hills", 7), ("front", 7), ("disc", 4), ("glow", 1),
    ("clouds", 10), ("stars", 1), ("noise", 1), ("sky", 1), ("lake", 2),
)
_NUM_UNIFORMS = sum(count for _, count in _FIELDS)
_COLUMNS: dict[str, slice] = {name: slice(end - count, end) for (name, count), end in zip(
    _FIELDS, itertools.accumulate(count for _, count in _FIELDS), strict=True)}

# Per time of day, the colours (RGB, 0–255) of each part of the scene. Rows of every table
# follow LANDSCAPE_CLASSES.
_PALETTE: dict[str, np.ndarray] = {k: np.array(v, dtype=np.float32) for k, v in {
    "zenith": [(38, 96, 188), (58, 52, 122), (22, 32, 86), (4, 7, 22)],
    "zenith_alt": [(84, 146, 214), (42, 36, 98), (34, 52, 112), (10, 16, 46)],
    "horizon": [(178, 210, 238), (252, 160, 88), (150, 118, 160), (24, 40, 78)],
    "horizon_alt": [(218, 228, 236), (242, 118, 124), (150, 146, 188), (44, 60, 104)],
    "disc": [(255, 251, 228), (255, 222, 140), (238, 236, 224), (242, 242, 226)],
    "glow": [(255, 246, 214), (255, 150, 70), (224, 150, 140), (110, 130, 185)],
    "glow_alt": [(255, 250, 236), (255, 122, 118), (210, 170, 200), (140, 160, 212)],
    "cloud_lit": [(255, 255, 255), (255, 178, 142), (196, 142, 170), (86, 96, 130)],
    "cloud_shade": [(176, 190, 212), (124, 72, 104), (72, 64, 106), (28, 33, 54)],
    "far": [(104, 130, 170), (150, 92, 122), (74, 70, 122), (32, 42, 74)],
    "near": [(66, 84, 108), (86, 52, 84), (44, 42, 80), (18, 24, 46)],
    "snow": [(246, 249, 255), (255, 206, 190), (170, 166, 206), (92, 102, 134)],
    "hills": [(104, 156, 72), (96, 64, 62), (42, 46, 70), (14, 22, 34)],
    "hills_alt": [(196, 170, 84), (120, 76, 52), (58, 50, 70), (22, 24, 36)],
    "front": [(58, 112, 48), (48, 32, 40), (22, 24, 42), (6, 10, 18)],
    "front_alt": [(150, 116, 50), (70, 40, 32), (34, 28, 44), (10, 12, 20)],
}.items()}
_GLOW_STRENGTH = np.array([0.45, 0.8, 0.45, 0.3], dtype=np.float32)
_STAR_STRENGTH = np.array([0.0, 0.0, 0.35, 1.0], dtype=np.float32)
_DISC_IS_MOON = np.array([False, False, True, True])


def _cols(u: np.ndarray, name: str) -> np.ndarray:
    """The float32 columns of the uniform table that belong to `name`: [n, k]."""
    return u[:, _COLUMNS[name]].astype(np.float32)


def _grid(resolution: int) -> np.ndarray:
    """Pixel-centre coordinates in [0, 1]: float32 [R]."""
    return ((np.arange(resolution) + 0.5) / resolution).astype(np.float32)


def _edge(ys: np.ndarray, top: np.ndarray, resolution: int, soft: float = 1.0) -> np.ndarray:
    """Coverage of the region below the height field `top` [n, R]: float32 [n, R, R].

    Uses the signed distance to the curve, (y - top(x)) / sqrt(1 + top'(x)²), so steep slopes
    are antialiased as well as flat ones; `soft` widens the edge to that many pixels.
    """
    slope = np.gradient(top, axis=1) * np.float32(resolution)  # [n, R], dtop/dx
    scale = np.float32(resolution / soft) / np.sqrt(1.0 + slope * slope)  # [n, R]
    d = ys[None, :, None] - top[:, None, :]  # [n, R, R]
    d *= scale[:, None, :]
    d += 0.5
    return np.clip(d, 0.0, 1.0, out=d)


def _disc(xs: np.ndarray, cx: np.ndarray, cy: np.ndarray, r: np.ndarray,
          resolution: int) -> np.ndarray:
    """Antialiased coverage of discs with centres (cx, cy) and radii r, each [n]: [n, R, R]."""
    dx2 = (xs[None, :] - cx[:, None]) ** 2  # [n, R]
    dy2 = (xs[None, :] - cy[:, None]) ** 2
    dist = np.sqrt(dy2[:, :, None] + dx2[:, None, :])  # [n, R, R]
    return np.clip((r[:, None, None] - dist) * np.float32(resolution) + 0.5, 0.0, 1.0)


def _ridge(xs: np.ndarray, p: np.ndarray, resolution: int) -> np.ndarray:
    """A mountain silhouette's shape in [0, ~1] per column, from its 2·_OCTAVES + 3 uniforms.

    The first octave is a plain sine (the broad shape); finer ones are "ridged" (1 - |sin|),
    which makes sharp peaks. Octaves shorter than about 12 px per cycle fade out, so small
    images get no aliased spikes.
    """
    base_freq = 0.6 + 1.2 * p[:, 0:1]  # [n, 1] cycles per image width
    rough = 0.35 + 0.2 * p[:, 1:2]  # amplitude ratio between octaves
    h = np.zeros((len(p), len(xs)), dtype=np.float32)
    total = np.zeros((len(p), 1), dtype=np.float32)
    for k in range(_OCTAVES):
        freq = base_freq * (2.1 ** k) * (0.85 + 0.3 * p[:, 3 + 2 * k:4 + 2 * k])  # [n, 1]
        amp = rough ** k * np.clip(2.0 - freq / (resolution / 12.0), 0.0, 1.0)
        phase = p[:, 4 + 2 * k:5 + 2 * k]
        wave = np.sin(_TAU * (freq * xs[None, :] + phase))  # [n, R]
        h += amp * (0.5 + 0.5 * wave if k == 0 else 1.0 - np.abs(wave))
        total += rough ** k
    return h / total


def _rolling(xs: np.ndarray, p: np.ndarray) -> np.ndarray:
    """A smooth hill line's height in [-1, 1] per column from 6 uniforms: [n, R]."""
    h = np.zeros((len(p), len(xs)), dtype=np.float32)
    for k, (lo, hi, amp) in enumerate(((0.4, 1.2, 0.6), (1.2, 2.5, 0.3), (2.5, 4.5, 0.1))):
        freq = lo + (hi - lo) * p[:, 2 * k:2 * k + 1]
        h += amp * np.sin(_TAU * (freq * xs[None, :] + p[:, 2 * k + 1:2 * k + 2]))
    return h


def _paint(image: np.ndarray, cover: np.ndarray, colour: np.ndarray) -> None:
    """Paint `colour` ([3, n, 1, 1] or [3, n, R, 1]) over `image` [3, n, R, R] with coverage
    [n, R, R]. Channels come first so every broadcast runs over long contiguous rows."""
    diff = colour - image
    diff *= cover
    image += diff


def _colours(u: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Each sample's palette as float32 [3, n, 1, 1] colours, with a small random tint.

    Sky and ground each blend between two variants (e.g. green ↔ golden fields, orange ↔ pink
    sunsets), and a per-channel tint of ±8 % warms or cools the whole scene.
    """
    tint = 0.92 + 0.16 * _cols(u, "tint")  # [n, 3]
    out = {k: v[labels] * tint for k, v in _PALETTE.items()}
    for part, key in (("hills", "ground"), ("front", "ground"), ("zenith", "sky"),
                      ("horizon", "sky"), ("glow", "sky")):
        # fields: 3/5 green, 1/5 golden, the rest between; skies: thirds
        mix = np.clip(_cols(u, key) * 2.5 - 1.5 if key == "ground" else
                      _cols(u, key) * 3.0 - 1.0, 0.0, 1.0)
        out[part] += mix * (out.pop(f"{part}_alt") - out[part])
    return {k: np.minimum(v, 255.0).T[:, :, None, None] for k, v in out.items()}


def _sky(u: np.ndarray, labels: np.ndarray, c: dict[str, np.ndarray], xs: np.ndarray,
         horizon: np.ndarray, disc_xy: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The sky down to the horizon and beyond: gradient, glow around the disc. [3, n, R, R]."""
    t = np.clip(xs[None, :] / (horizon[:, None] + 0.05), 0.0, 1.0) ** 1.6  # [n, R] rows
    rows = c["zenith"] + t[:, :, None] * (c["horizon"] - c["zenith"])  # [3, n, R, 1]
    image = np.repeat(rows, len(xs), axis=3)  # [3, n, R, R]
    cx, cy = disc_xy
    spread = 0.22 + 0.2 * _cols(u, "glow")[:, 0]  # [n]
    wide = np.where(labels == 1, 0.45, 1.0).astype(np.float32)  # sunsets glow along the horizon
    gx = ((xs[None, :] - cx[:, None]) * wide[:, None] / spread[:, None]) ** 2  # [n, R]
    gy = ((xs[None, :] - cy[:, None]) / spread[:, None]) ** 2
    glow = np.exp(-0.5 * (gy[:, :, None] + gx[:, None, :]))  # [n, R, R]
    glow *= _GLOW_STRENGTH[labels, None, None]
    _paint(image, glow, c["glow"])
    return image


def _stars(u: np.ndarray, labels: np.ndarray, noise: np.ndarray, xs: np.ndarray,
           horizon: np.ndarray) -> np.ndarray:
    """Star brightness to add to the sky, [n, R, R], from the high bits of the pixel hash.

    Stars are single pixels, dimmed on small images where a pixel is a big piece of sky."""
    density = 0.006 + 0.012 * _cols(u, "stars")  # [n, 1] fraction of pixels that hold a star
    v = (noise >> 16).astype(np.float32) * np.float32(1.0 / 65536.0)  # [n, R, R] in [0, 1)
    star = np.clip((v - (1.0 - density[:, :, None])) / density[:, :, None], 0.0, 1.0)
    fade = np.clip((horizon[:, None] - xs[None, :]) / (0.6 * horizon[:, None]), 0.0, 1.0)
    weight = (fade * _STAR_STRENGTH[labels, None])[:, :, None]  # [n, R, 1] dim near horizon
    weight *= min(1.0, math.sqrt(len(xs) / 64.0))
    return (star > 0) * (0.45 + 0.55 * star) * weight


def _sun_or_moon(u: np.ndarray, labels: np.ndarray,
                 horizon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Disc centre, radius, and the moon's shadow offset: [n] each (offset 0 for the sun)."""
    p = _cols(u, "disc")
    radius = (0.035 + 0.05 * p[:, 2]) * np.where(labels == 1, 1.35, 1.0)
    cx = 0.12 + 0.76 * p[:, 0]
    low = np.where(labels == 1, horizon - 0.2, 0.1)  # sunsets sit low, partly behind the ridge
    high = horizon - np.where(labels == 1, 0.02, 0.16)
    cy = low + (high - low) * p[:, 1]
    shadow = np.where(_DISC_IS_MOON[labels], (0.35 + 0.9 * p[:, 3]) * radius, 0.0)
    return (cx.astype(np.float32), cy.astype(np.float32), radius.astype(np.float32),
            shadow.astype(np.float32))


def _span(lo: float, hi: float, resolution: int) -> slice:
    """The rows a layer can touch between y = lo and y = hi, with a pixel of margin."""
    return slice(max(0, math.floor(lo * resolution) - 1),
                 min(resolution, math.ceil(hi * resolution) + 1))


def _clouds(image: np.ndarray, u: np.ndarray, c: dict[str, np.ndarray], xs: np.ndarray,
            horizon: np.ndarray, resolution: int) -> None:
    """A band of clouds with flat bottoms and domed, bumpy tops, shaded top to bottom."""
    p = _cols(u, "clouds")
    centre = (0.12 + (horizon - 0.3) * p[:, 0])[:, None]  # [n, 1]
    thick = np.maximum(0.025 + 0.1 * p[:, 1], 2.0 / resolution)[:, None]  # ≥ 2 px
    amount = (-0.55 + 1.1 * p[:, 2])[:, None]  # below about -0.4 the sky is clear
    s = amount + 0.12 * np.sin(_TAU * (0.3 * xs + p[:, 3:4]))  # [n, R]
    for k, (lo, hi, amp) in enumerate(((1.5, 3.0, 0.5), (4.0, 7.0, 0.28), (9.0, 15.0, 0.14))):
        freq = lo + (hi - lo) * p[:, 4 + 2 * k:5 + 2 * k]
        amp = amp * np.clip(2.0 - freq / (resolution / 6.0), 0.0, 1.0)  # no bumps finer than px
        s += amp * np.sin(_TAU * (freq * xs[None, :] + p[:, 5 + 2 * k:6 + 2 * k]))
    dome = np.sqrt(np.clip(s, 0.0, 1.0))  # [n, R]
    top = centre - thick * dome
    bottom = centre + 0.2 * thick * dome
    soft = max(1.0, resolution / 64.0)
    rows = _span(float(top.min()), float(bottom.max()) + soft / resolution, resolution)
    ys = xs[rows]
    cover = _edge(ys, top, resolution, soft) - _edge(ys, bottom, resolution, soft)  # [n, r, R]
    t = np.clip((ys[None, :, None] - top[:, None, :]) /
                (bottom - top + 1e-3)[:, None, :], 0.0, 1.0)  # [n, r, R] 0 at the top
    colour = c["cloud_lit"] + t ** 0.8 * (c["cloud_shade"] - c["cloud_lit"])  # [3, n, r, R]
    cover *= 0.92
    _paint(image[:, :, rows], cover, colour)


def _mountains(image: np.ndarray, u: np.ndarray, c: dict[str, np.ndarray], xs: np.ndarray,
               horizon: np.ndarray, floor: float,
               resolution: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """One or two ridges: the far one hazy and tall, the near one darker and lower, both
    painted down to `floor` (below it the hills cover them).

    Returns each ridge's top [n, R] and colour [3, n, 1, 1], for reflections.
    """
    haze = 0.15 + 0.5 * _cols(u, "haze")[:, 0, None, None]  # [n, 1, 1]
    two = _cols(u, "layers")[:, 0] < 0.6  # [n]
    snow = _cols(u, "snow")
    ridges = []
    for layer, name in enumerate(("far", "near")):
        p = _cols(u, name)
        height = (0.16 + 0.26 * p[:, 2:3]) * (1.0 if layer == 0 else 0.6)  # [n, 1]
        base = horizon[:, None] + 0.02 * layer
        top = base - height * (0.15 + 0.85 * _ridge(xs, p, resolution) ** 1.5)  # [n, R]
        if layer == 1:
            top = np.where(two[:, None], top, 2.0)  # no near ridge: its top lies off-image
        colour = c[name] + (haze if layer == 0 else haze * 0.4) * (c["horizon"] - c[name])
        ridges.append((top, colour))
        peak = top.min(1, keepdims=True)  # [n, 1]
        rows = _span(float(peak.min()), floor, resolution)
        ys = xs[rows]
        depth = np.clip((ys[None, :] - peak) / height, 0.0, 1.0)  # [n, r]
        fade = depth[:, :, None] ** 2 * (0.45 if layer == 0 else 0.25)
        cover = _edge(ys, top, resolution)  # [n, r, R]
        _paint(image[:, :, rows], cover, colour + fade * (c["horizon"] - colour))
        line = peak + height * (0.15 + 0.3 * snow[:, layer:layer + 1])  # [n, 1] snow line
        line = line + 0.02 * np.sin(_TAU * (7.0 * xs[None, :] + snow[:, 1 - layer:2 - layer]))
        rows = _span(float(peak.min()), float(line.max()), resolution)
        caps = _edge(xs[rows], top, resolution) - _edge(xs[rows], line, resolution)
        caps *= 0.85 * (snow[:, 0] < 0.55)[:, None, None]  # [n, r, R]
        _paint(image[:, :, rows], np.clip(caps, 0.0, 1.0, out=caps), c["snow"])
    return ridges


def _lake(image: np.ndarray, u: np.ndarray, c: dict[str, np.ndarray], xs: np.ndarray,
          horizon: np.ndarray, ridges: list[tuple[np.ndarray, np.ndarray]],
          disc_x: np.ndarray, floor: float, resolution: int) -> None:
    """Still water at the mountains' foot in some scenes, mirroring the ridges and the light."""
    p = _cols(u, "lake")
    lake = p[:, 0] < 0.4  # [n]
    if not lake.any():
        return
    level = horizon[:, None] + 0.015  # [n, 1]
    rows = _span(float(level.min()), floor, resolution)
    ys, view = xs[rows], image[:, :, rows]
    t = np.clip((ys[None, :] - level) * 5.0, 0.0, 1.0)[:, :, None]  # [n, r, 1] 0 at the shore
    water = 0.8 * (c["horizon"] + t * (c["zenith"] - c["horizon"]))  # [3, n, r, 1]
    water_cover = _edge(ys, np.repeat(level, len(xs), axis=1), resolution)  # [n, r, R]
    water_cover *= lake[:, None, None]
    _paint(view, water_cover, water)
    for top, colour in ridges:
        mirrored = np.minimum(2.0 * level - top, 1.5)  # [n, R] the ridge flipped at the shore
        cover = water_cover - _edge(ys, mirrored, resolution)
        _paint(view, np.clip(cover, 0.0, 1.0, out=cover), 0.75 * colour + 0.25 * water)
    streak = np.exp(-(((xs - disc_x[:, None]) / (0.03 + 0.05 * p[:, 1:2])) ** 2))  # [n, R]
    ripple = 0.5 + 0.5 * np.sin(_TAU * ys * (resolution / 3.0))  # [r]
    water_cover *= streak[:, None, :] * ripple[None, :, None] * 0.6
    _paint(view, water_cover, c["glow"])


def _hill_tops(u: np.ndarray, xs: np.ndarray, horizon: np.ndarray) -> list[np.ndarray]:
    """The rolling hills' top line, then the foreground hill's: [n, R] each."""
    lake = _cols(u, "lake")[:, 0:1] < 0.4  # [n, 1] the hills part to show a lake
    tops = []
    for name, level, amp in (("hills", 0.05, 0.05), ("front", 0.22, 0.07)):
        p = _cols(u, name)
        start = horizon[:, None] + level * (1.0 - horizon[:, None]) / 0.4
        if name == "hills":
            start = start + 0.08 * lake
        tops.append(start + (0.4 + p[:, 6:7]) * amp * _rolling(xs, p) - 0.01)
    return tops


def _ground(image: np.ndarray, c: dict[str, np.ndarray], xs: np.ndarray,
            tops: list[np.ndarray], resolution: int) -> None:
    """Paint the hills and the foreground hill: lit at the crest, darker further down."""
    for name, top in zip(("hills", "front"), tops, strict=True):
        rows = _span(float(top.min()), 1.0, resolution)
        ys, view = xs[rows], image[:, :, rows]
        cover = _edge(ys, top, resolution)  # [n, r, R]
        _paint(view, cover, c[name])
        shade = np.clip((ys[None, :, None] - top[:, None, :]) * 3.0, 0.0, 1.0)  # [n, r, R]
        shade *= -0.3
        shade += 0.06
        shade *= cover
        shade += 1.0
        view *= shade


def _hash(n: int, resolution: int, seeds: np.ndarray) -> np.ndarray:
    """A per-sample, per-pixel uint32 hash [n, R, R] (lowbias32 of pixel index and seed)."""
    h = np.arange(resolution * resolution, dtype=np.uint32).reshape(1, resolution, resolution)
    h = h * np.uint32(0x9E3779B1) + seeds[:, None, None]  # [n, R, R]
    for shift, mult in ((16, 0x7FEB352D), (15, 0x846CA68B)):
        h ^= h >> np.uint32(shift)
        h *= np.uint32(mult)
    h ^= h >> np.uint32(16)
    return h


def _render(u: np.ndarray, labels: np.ndarray, resolution: int) -> np.ndarray:
    """Draw the scenes described by rows of `u`: uint8 RGB [n, 3, R, R]."""
    xs = _grid(resolution)
    c = _colours(u, labels)
    horizon = (0.5 + 0.22 * _cols(u, "horizon")[:, 0])  # [n] y of the mountains' foot
    cx, cy, radius, shadow = _sun_or_moon(u, labels, horizon)
    image = _sky(u, labels, c, xs, horizon, (cx, cy))  # [3, n, R, R]
    noise = _hash(len(u), resolution, (_cols(u, "noise")[:, 0] * 2**32).astype(np.uint32))
    stars = _stars(u, labels, noise, xs, horizon)
    _paint(image, stars, np.float32(255.0))
    disc = _disc(xs, cx, cy, radius, resolution)
    moon = shadow > 0
    disc[moon] *= 1.0 - _disc(xs, (cx + shadow)[moon], (cy - 0.4 * shadow)[moon],
                              radius[moon], resolution)  # the moon's phase
    _paint(image, disc, c["disc"])
    _clouds(image, u, c, xs, horizon, resolution)
    tops = _hill_tops(u, xs, horizon)
    floor = float(tops[0].max())  # below this the hills cover everything behind them
    ridges = _mountains(image, u, c, xs, horizon, floor, resolution)
    _lake(image, u, c, xs, horizon, ridges, cx, floor, resolution)
    _ground(image, c, xs, tops, resolution)
    grain = (noise & np.uint32(0xFFFF)).astype(np.float32) * np.float32(1.0 / 65536.0) - 0.5
    amount = 2.0 + 10.0 * np.clip((xs[None, :] - horizon[:, None]) * 8.0, 0.0, 1.0)  # [n, R]
    grain *= image.mean(0) * np.float32(1.0 / 255.0) + 0.15  # subtler in the dark
    grain *= amount[:, :, None]
    image += grain
    image += 0.5  # round on the cast below
    return np.clip(image, 0.0, 255.0).astype(np.uint8).transpose(1, 0, 2, 3)


def _uniforms(seed: int, size: int) -> np.ndarray:
    """The [N, K] table of uniforms; row i depends only on (seed, i), hence the prefix property."""
    return np.random.default_rng(seed).random((size, _NUM_UNIFORMS))


def make_landscapes(size: int, resolution: int, seed: int = 0,
                    channels: str = "auto") -> Dataset:
    """Generate `size` landscapes at `resolution` px (16–512), labelled by time of day.

    Labels cycle through LANDSCAPE_CLASSES (label i = i mod 4), so classes are balanced.
    `channels` is "auto" or "rgb" for colour, "gray" for one channel. Same arguments, same
    tensors; a smaller `size` gives a prefix of a larger one.
    """
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise DatasetError(f"landscapes renders at {MIN_RESOLUTION} to {MAX_RESOLUTION} px; "
                           f"got {resolution}")
    check_builtin_request("landscapes", size, channels)
    u = _uniforms(seed, size)  # [N, K]
    labels = np.arange(size, dtype=np.int64) % len(LANDSCAPE_CLASSES)  # [N]
    pixels = np.empty((size, 3, resolution, resolution), dtype=np.uint8)  # [N, 3, R, R]
    chunk = max(1, _CHUNK_PIXELS // (resolution * resolution))
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        pixels[start:stop] = _render(u[start:stop], labels[start:stop], resolution)
    samples = convert_channels(torch.from_numpy(pixels), "gray" if channels == "gray" else "rgb")
    return Dataset(name="landscapes", kind=IMAGES, samples=samples,
                   labels=torch.from_numpy(labels), classes=LANDSCAPE_CLASSES, source="built-in")
