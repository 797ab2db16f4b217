"""The built-in "emoji" dataset: colour emoji from the system's Noto Color Emoji font.

Available only where the font is installed (Debian/Ubuntu package fonts-noto-color-emoji); it is
never downloaded. Each class is one emoji, drawn once with Pillow from the font's embedded
bitmaps (CBDT, which only exist at size 109), cropped to its content and resized with
antialiasing to a few sizes. Every sample places its class's emoji at one of those sizes, with a
small integer shift, over a plain background of a random colour. All random numbers of sample i
come from row i of one [N, K] table, so sample i depends only on (seed, i) and a smaller set is
a prefix of a larger one.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

import studio.data
from studio.data import EMOJI_PACKAGE, emoji_font_missing
from studio.data.base import IMAGES, Dataset, check_builtin_request, convert_channels
from studio.errors import DatasetError

EMOJI: tuple[tuple[str, str], ...] = (  # (character, name); single code points only
    ("\U0001F600", "grinning face"), ("\U0001F602", "face with tears of joy"),
    ("\U0001F60D", "heart-eyes face"), ("\U0001F60E", "face with sunglasses"),
    ("\U0001F621", "pouting face"), ("\U0001F631", "screaming face"),
    ("\U0001F47B", "ghost"), ("\U0001F431", "cat face"), ("\U0001F436", "dog face"),
    ("\U0001F98A", "fox"), ("\U0001F438", "frog"), ("\U0001F43C", "panda"),
    ("\U0001F437", "pig face"), ("\U0001F984", "unicorn"), ("\U0001F419", "octopus"),
    ("\U0001F34E", "red apple"), ("\U0001F34C", "banana"), ("\U0001F355", "pizza"),
    ("\U0001F369", "doughnut"), ("\U0001F335", "cactus"), ("\U0001F33B", "sunflower"),
    ("\U0001F344", "mushroom"), ("\U0001F680", "rocket"), ("\U0001F697", "car"),
    ("\U0001F388", "balloon"), ("\u26BD", "soccer ball"), ("\U0001F3B8", "guitar"),
    ("\U0001F48E", "gem"), ("\U0001F525", "fire"), ("\u2B50", "star"),
    ("\U0001F308", "rainbow"), ("\U0001F496", "sparkling heart"),
)
EMOJI_CLASSES: tuple[str, ...] = tuple(name for _, name in EMOJI)
MIN_RESOLUTION, MAX_RESOLUTION = 16, 256

_BITMAP_SIZE = 109  # the only size at which the CBDT font has glyphs
_SCALES = np.linspace(0.62, 0.86, 5)  # emoji's longer side as a fraction of the image side
_SHIFT = 0.08  # largest shift, as a fraction of the image side
_SCALE, _DX, _DY, _BG_H, _BG_S, _BG_V = range(6)
_NUM_UNIFORMS = 6


@functools.cache
def _glyphs(font_path: str) -> tuple[Image.Image, ...]:
    """Every emoji drawn once at the font's bitmap size, cropped to its content (RGBA)."""
    try:
        font = ImageFont.truetype(font_path, _BITMAP_SIZE)
    except OSError as exc:
        raise DatasetError(f"{font_path} could not be read as a colour emoji font ({exc}); "
                           f"reinstall {EMOJI_PACKAGE}") from exc
    out = []
    for char, name in EMOJI:
        canvas = Image.new("RGBA", (2 * _BITMAP_SIZE, 2 * _BITMAP_SIZE), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((_BITMAP_SIZE // 4, _BITMAP_SIZE // 4), char, font=font,
                                    embedded_color=True)
        box = canvas.getchannel("A").getbbox()
        if box is None:
            raise DatasetError(f"the font {font_path} has no picture for {name!r}; install "
                               f"a current {EMOJI_PACKAGE}")
        out.append(canvas.crop(box))
    return tuple(out)


@functools.lru_cache(maxsize=2)
def _sprites(font_path: str, resolution: int) -> np.ndarray:
    """Premultiplied RGBA of each emoji at each scale, centred on an R×R canvas.

    uint8 [K, S, 4, R, R]: K emoji, S = len(_SCALES) sizes (42 MB at 256 px).
    """
    glyphs = _glyphs(font_path)
    out = np.zeros((len(glyphs), len(_SCALES), 4, resolution, resolution), dtype=np.float32)
    for k, glyph in enumerate(glyphs):
        for s, scale in enumerate(_SCALES):
            factor = scale * resolution / max(glyph.size)
            w, h = (max(1, round(side * factor)) for side in glyph.size)
            small = np.asarray(glyph.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=2.0),
                               dtype=np.float32) / 255.0  # [h, w, 4]
            small[..., :3] *= small[..., 3:]  # premultiply, so edges blend without fringes
            top, left = (resolution - h) // 2, (resolution - w) // 2
            out[k, s, :, top:top + h, left:left + w] = small.transpose(2, 0, 1)
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Vectorised HSV → RGB; float [N, 3] in [0, 1] → float [N, 3] in [0, 1]."""
    h, s, v = hsv[:, 0:1], hsv[:, 1:2], hsv[:, 2:3]
    k = (np.array([5.0, 3.0, 1.0]) + h * 6.0) % 6.0
    return v - v * s * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def _compose(u: np.ndarray, labels: np.ndarray, sprites: np.ndarray) -> np.ndarray:
    """Shifted sprites over their backgrounds: uint8 [n, 3, R, R]."""
    resolution = sprites.shape[-1]
    level = np.minimum((u[:, _SCALE] * len(_SCALES)).astype(np.int64), len(_SCALES) - 1)
    reach = max(1, round(_SHIFT * resolution))
    dx, dy = (np.floor(u[:, col] * (2 * reach + 1)).astype(np.int64) - reach
              for col in (_DX, _DY))  # [n] each, in -reach..reach
    rows = np.arange(resolution)[None, :] - dy[:, None]  # [n, R] source rows
    cols = np.arange(resolution)[None, :] - dx[:, None]  # [n, R] source columns
    inside = (((rows >= 0) & (rows < resolution))[:, :, None] &
              ((cols >= 0) & (cols < resolution))[:, None, :])  # [n, R, R]
    picked = sprites[labels[:, None, None], level[:, None, None], :,
                     np.clip(rows, 0, resolution - 1)[:, :, None],
                     np.clip(cols, 0, resolution - 1)[:, None, :]]  # [n, R, R, 4]
    picked = picked * (inside[..., None] / np.float32(255.0))  # float32 in [0, 1]
    hsv = u[:, [_BG_H, _BG_S, _BG_V]] * np.array([1.0, 0.55, 0.6]) + np.array([0.0, 0.0, 0.4])
    background = _hsv_to_rgb(hsv).astype(np.float32)[:, None, None, :]  # [n, 1, 1, 3]
    rgb = picked[..., :3] + (1.0 - picked[..., 3:]) * background  # [n, R, R, 3]
    return (rgb * 255.0 + 0.5).astype(np.uint8).transpose(0, 3, 1, 2)


def make_emoji(size: int, resolution: int, seed: int = 0, channels: str = "auto",
               font: Path | None = None) -> Dataset:
    """Generate `size` emoji images at `resolution` px (16–256), labelled by emoji name.

    Labels cycle through EMOJI_CLASSES (label i = i mod K), so classes are balanced. `font` is
    the Noto Color Emoji file (default: studio.data.EMOJI_FONT). Same arguments, same tensors;
    a smaller `size` gives a prefix of a larger one.
    """
    font = studio.data.EMOJI_FONT if font is None else font
    if not font.is_file():
        raise DatasetError(emoji_font_missing(font))
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise DatasetError(f"emoji renders at {MIN_RESOLUTION} to {MAX_RESOLUTION} px (the "
                           f"font's pictures are about 128 px); got {resolution}")
    check_builtin_request("emoji", size, channels)
    sprites = _sprites(str(font), resolution)  # [K, S, 4, R, R]
    u = np.random.default_rng(seed).random((size, _NUM_UNIFORMS))  # row i: sample i
    labels = np.arange(size, dtype=np.int64) % len(EMOJI)
    pixels = np.empty((size, 3, resolution, resolution), dtype=np.uint8)
    chunk = max(1, 2**18 // (resolution * resolution))
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        pixels[start:stop] = _compose(u[start:stop], labels[start:stop], sprites)
    samples = convert_channels(torch.from_numpy(pixels), "gray" if channels == "gray" else "rgb")
    return Dataset(name="emoji", kind=IMAGES, samples=samples, labels=torch.from_numpy(labels),
                   classes=EMOJI_CLASSES, source="built-in")
