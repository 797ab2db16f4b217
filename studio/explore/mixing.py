"""Style mixing (StyleGAN §3.1): one image's styles on some layers, another's on the rest.

Layers are ws indices: ws[:, i] styles the layers of resolution G.layer_resolutions[i]. A layer
choice is any collection of indices; `layer_range` turns the paper's named bands (see
studio.explore.layers) or a custom half-open (lo, hi) into a range.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import torch
from torch import Tensor

from studio.errors import ConfigError
from studio.explore.layers import LAYER_GROUPS, check_layers
from studio.explore.layers import layer_range as group_range

LAYER_RANGES = LAYER_GROUPS  # name → (lowest, highest) resolution, inclusive


def layer_mask(num_ws: int, layers: Collection[int], device: Any = None) -> Tensor:
    """A [num_ws] bool mask of `layers`, refusing indices outside 0…num_ws-1."""
    bad = [i for i in layers if not 0 <= i < num_ws]
    if bad:
        raise ConfigError(f"style layer {bad[0]} does not exist; this generator has layers "
                          f"0 to {num_ws - 1}")
    mask = torch.zeros(num_ws, dtype=torch.bool, device=device)
    mask[list(layers)] = True
    return mask


def mix(ws_a: Tensor, ws_b: Tensor, layers: Collection[int]) -> Tensor:
    """ws [..., num_ws, w_dim] with A's styles at `layers` and B's elsewhere.

    All layers give A, none give B. A and B broadcast against each other, so ws_a[:, None] and
    ws_b[None] give the whole grid of mixes at once.
    """
    mask = layer_mask(ws_a.shape[-2], layers, ws_a.device)
    return torch.where(mask[:, None], ws_a, ws_b)  # mask [num_ws, 1] broadcasts over w_dim


def layer_range(G: Any, name: str | tuple[int, int]) -> range:
    """The ws indices of a named band ("coarse", "middle", "fine") of G, or a custom (lo, hi).

    A band this generator does not reach (e.g. "fine" at 32 px) is an empty range.
    """
    if isinstance(name, str):
        return range(*group_range(G.layer_resolutions, name))
    lo, hi = (int(v) for v in name)
    return range(*check_layers(int(G.num_ws), lo, hi))
