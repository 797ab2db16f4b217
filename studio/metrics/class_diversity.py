"""Within-class diversity of a conditional generator, as a ratio to the data's own.

For each class, `n` samples drawn with different z and the same label are compared among
themselves (mean pairwise Euclidean distance, in pixels or in a feature net's space) and the
same figure is taken on `n` real images of that class. The ratio fake ÷ real is ≈ 1 when G
varies within a class as much as the data does and → 0 when z is ignored (every row of a
class column alike).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

import torch
from torch import Tensor

from studio.data.base import Dataset
from studio.metrics.features import FeatureNet

Embed = Callable[[Tensor], Tensor] | FeatureNet  # images [N, C, H, W] → vectors [N, D]
REAL_SEED = 4321  # which real images of each class are compared


def spread(x: Tensor, embed: Embed | None = None) -> float:
    """Mean pairwise Euclidean distance of `x` [N, …] (embedded first when `embed` is given)."""
    vectors = _vectors(x, embed)  # [N, D]
    if len(vectors) < 2:
        raise ValueError("the spread of fewer than two samples is undefined")
    return float(torch.pdist(vectors).mean())


def class_diversity(generate: Callable[[int, int], Tensor], real_by_class: dict[int, Tensor],
                    n: int, embed: Embed | None = None) -> dict[int, float]:
    """{class: spread of `generate(class, n)` ÷ spread of `n` real images of that class}.

    `generate(label, count)` returns `count` samples of one class with different z; `embed`
    maps images to features (a FeatureNet or a callable); None compares pixels. A class whose
    real images do not vary gets NaN.
    """
    ratios: dict[int, float] = {}
    for label, real in sorted(real_by_class.items()):
        count = min(n, len(real))
        real_spread = spread(real[:count], embed)
        fake_spread = spread(generate(label, count), embed)
        ratios[label] = fake_spread / real_spread if real_spread > 0 else math.nan
    return ratios


def real_by_class(dataset: Dataset, n: int, seed: int = REAL_SEED) -> dict[int, Tensor]:
    """Up to `n` randomly chosen real images of each class, in [-1, 1] on the CPU."""
    if dataset.labels is None:
        raise ValueError(f"{dataset.name} has no class labels")
    gen = torch.Generator().manual_seed(seed)
    labels = dataset.labels.cpu()
    out: dict[int, Tensor] = {}
    for k in range(dataset.num_classes):
        index = torch.nonzero(labels == k).flatten()
        index = index[torch.randperm(len(index), generator=gen)[:n]]
        if len(index) >= 2:
            out[k] = dataset.batch(index)[0].cpu()  # [n, C, H, W]
    return out


def summary(ratios: dict[int, float]) -> dict[str, float]:
    """Median, lowest and mean of the per-class ratios (NaNs left out)."""
    values = [v for v in ratios.values() if not math.isnan(v)]
    if not values:
        return {"median": math.nan, "min": math.nan, "mean": math.nan}
    return {"median": statistics.median(values), "min": min(values),
            "mean": statistics.fmean(values)}


def _vectors(x: Tensor, embed: Embed | None) -> Tensor:
    if embed is None:
        return x.detach().flatten(1).double().cpu()  # [N, C·H·W]
    if isinstance(embed, FeatureNet):
        return embed.embed(x.detach())[0].double()  # [N, D]
    with torch.no_grad():
        return embed(x.detach()).flatten(1).double().cpu()
