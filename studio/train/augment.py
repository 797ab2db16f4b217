"""Differentiable augmentation (DiffAugment; Zhao et al. 2020, "Differentiable Augmentation for
Data-Efficient GAN Training").

The same random transformations are applied to real *and* generated images before the
discriminator sees them, in both the D and the G step. Because every transformation is
differentiable with respect to the image, G's gradient flows back through it; D never sees an
un-augmented image, so it cannot memorise a small dataset, and G is not taught to produce the
augmentations. Policies (comma-separated, applied in the order given):

- color: per sample, brightness + U(-0.5, 0.5), saturation × U(0, 2), contrast × U(0.5, 1.5);
- translation: per sample, an integer shift of up to 1/8 of the size in x and y, zero fill;
- cutout: per sample, one square of half the size, fully inside the image, set to 0.

Images are [N, C, H, W] in [-1, 1] on any device; random numbers come from the `generator` the
caller passes (it lives on the images' device and is part of the training state, so a resumed
run draws the same augmentations). No Python loop runs over the samples.
"""

from __future__ import annotations

import torch
from torch import Tensor

from studio.errors import ConfigError

POLICIES: tuple[str, ...] = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125  # largest shift, as a fraction of the image size
CUTOUT_RATIO = 0.5  # side of the cut-out square, as a fraction of the image size


def parse_policy(policy: str) -> tuple[str, ...]:
    """The operations a policy string names, in order; () for "" or "none".

    Raises ConfigError naming the allowed operations for anything else.
    """
    names = tuple(part.strip().lower() for part in policy.split(",") if part.strip())
    if names in ((), ("none",)):
        return ()
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ConfigError(f"unknown augmentation {unknown[0]!r} in policy {policy!r}: use "
                          f"'none' or a comma-separated list of {', '.join(POLICIES)}")
    return names


def augment(x: Tensor, policy: str, generator: torch.Generator) -> Tensor:
    """`x` [N, C, H, W] transformed by each operation of `policy`, with fresh random
    parameters per sample drawn from `generator` (on x's device)."""
    for name in parse_policy(policy):
        x = _OPS[name](x, generator)
    return x


def _uniform(x: Tensor, generator: torch.Generator) -> Tensor:
    """One U(0, 1) per sample, shaped [N, 1, 1, 1] to broadcast over an image batch."""
    return torch.rand((x.shape[0], 1, 1, 1), generator=generator, device=x.device,
                      dtype=x.dtype)


def color(x: Tensor, generator: torch.Generator) -> Tensor:
    """Random brightness, saturation and contrast per sample (saturation is a no-op on gray)."""
    x = x + (_uniform(x, generator) - 0.5)  # brightness
    mean = x.mean(dim=1, keepdim=True)  # [N, 1, H, W] gray level of each pixel
    x = (x - mean) * (_uniform(x, generator) * 2.0) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)  # [N, 1, 1, 1]
    return (x - mean) * (_uniform(x, generator) + 0.5) + mean  # contrast


def translate(x: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """Shift each image by whole pixels: content moves dx[i] right and dy[i] down ([N] ints);
    pixels shifted in from outside are 0. Differentiable with respect to x (a gather)."""
    n, _, h, w = x.shape
    rows = torch.arange(h, device=x.device)[None, :] - dy[:, None]  # [N, H] source rows
    cols = torch.arange(w, device=x.device)[None, :] - dx[:, None]  # [N, W] source columns
    inside = (((rows >= 0) & (rows < h))[:, :, None] &
              ((cols >= 0) & (cols < w))[:, None, :])  # [N, H, W]
    batch = torch.arange(n, device=x.device)[:, None, None]  # [N, 1, 1]
    picked = x[batch, :, rows.clamp(0, h - 1)[:, :, None], cols.clamp(0, w - 1)[:, None, :]]
    return picked.permute(0, 3, 1, 2) * inside[:, None].to(x.dtype)  # [N, C, H, W]


def translation(x: Tensor, generator: torch.Generator) -> Tensor:
    """Shift each sample by up to 1/8 of its size in x and y (integer pixels, zero fill)."""
    n, _, h, w = x.shape
    sy, sx = int(h * TRANSLATION_RATIO + 0.5), int(w * TRANSLATION_RATIO + 0.5)
    dy = torch.randint(-sy, sy + 1, (n,), generator=generator, device=x.device)
    dx = torch.randint(-sx, sx + 1, (n,), generator=generator, device=x.device)
    return translate(x, dx, dy)


def cut(x: Tensor, top: Tensor, left: Tensor, size: tuple[int, int]) -> Tensor:
    """Zero a size = (height, width) rectangle at (top[i], left[i]) in each image ([N] ints)."""
    _, _, h, w = x.shape
    rows = torch.arange(h, device=x.device)[None, :] - top[:, None]  # [N, H]
    cols = torch.arange(w, device=x.device)[None, :] - left[:, None]  # [N, W]
    hole = (((rows >= 0) & (rows < size[0]))[:, :, None] &
            ((cols >= 0) & (cols < size[1]))[:, None, :])  # [N, H, W]
    return x * (~hole)[:, None].to(x.dtype)


def cutout(x: Tensor, generator: torch.Generator) -> Tensor:
    """Zero one half-size square per sample, at a random place fully inside the image."""
    n, _, h, w = x.shape
    size = (max(1, int(h * CUTOUT_RATIO + 0.5)), max(1, int(w * CUTOUT_RATIO + 0.5)))
    top = torch.randint(0, h - size[0] + 1, (n,), generator=generator, device=x.device)
    left = torch.randint(0, w - size[1] + 1, (n,), generator=generator, device=x.device)
    return cut(x, top, left, size)


_OPS = {"color": color, "translation": translation, "cutout": cutout}
