"""Named bands of style layers (torch-free, so the studio's panels can use them).

A StyleGAN generator styles its layers through ws indices; `layer_resolutions[i]` is the
resolution index i styles. StyleGAN §3.1 groups them: coarse (4²–8²) sets pose and shape,
middle (16²–32²) features, fine (64² and up) colour and texture. A band is returned as a
half-open ws-index range (lo, hi); a band the generator does not reach (fine at 32 px) is empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.errors import ConfigError

# name → (lowest, highest) resolution styled, inclusive; None = no upper bound
LAYER_GROUPS: dict[str, tuple[int, int | None]] = {
    "coarse": (4, 8),
    "middle": (16, 32),
    "fine": (64, None),
}


def layer_range(layer_resolutions: Sequence[int], group: str) -> tuple[int, int]:
    """The half-open ws-index range (lo, hi) of band `group` for these layer resolutions."""
    if group not in LAYER_GROUPS:
        raise ConfigError(f"layer group {group!r} is unknown; choose one of "
                          f"{', '.join(LAYER_GROUPS)} or give (lo, hi)")
    low, high = LAYER_GROUPS[group]
    n = len(layer_resolutions)
    lo = next((i for i, r in enumerate(layer_resolutions) if r >= low), n)
    hi = next((i for i, r in enumerate(layer_resolutions)
               if high is not None and r > high), n)
    return lo, max(lo, hi)


def check_layers(num_ws: int, lo: int, hi: int) -> tuple[int, int]:
    """(lo, hi) if it is a half-open range inside 0…num_ws, else a ConfigError."""
    if not 0 <= lo <= hi <= num_ws:
        raise ConfigError(f"layer range [{lo}, {hi}) is outside this generator's style "
                          f"layers; allowed: 0 <= lo <= hi <= {num_ws}")
    return lo, hi
