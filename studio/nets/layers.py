"""Small building blocks shared by the networks."""

from __future__ import annotations

import math

from torch import nn


def dcgan_init(module: nn.Module) -> None:
    """DCGAN initialisation: conv and linear weights ~ N(0, 0.02); BatchNorm γ ~ N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def conv_stages(resolution: int) -> int:
    """Number of 2× up/down-sampling stages between 4×4 and `resolution` (a power of two ≥ 8)."""
    stages = int(math.log2(resolution)) - 2
    if resolution < 8 or 4 * 2**stages != resolution:
        raise ValueError(f"resolution must be a power of two of at least 8, not {resolution}")
    return stages


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
