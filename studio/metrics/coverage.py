"""Mode coverage of 2-D mixtures: how many modes a generator reaches, and how precisely."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Coverage:
    modes_covered: int  # modes holding at least `min_share` of the samples within 3σ
    modes_total: int
    high_quality: float  # share of samples within 3σ of some mode


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, sigma: float,
                  min_share: float = 0.01) -> Coverage:
    """A mode is covered when ≥ `min_share` of the samples lie within 3σ of its centre."""
    dist = torch.cdist(samples.double(), centres.double())  # [N, K]
    nearest, which = dist.min(dim=1)
    close = nearest <= 3 * sigma
    counts = torch.bincount(which[close], minlength=len(centres))
    covered = int((counts >= min_share * len(samples)).sum())
    return Coverage(covered, len(centres), float(close.double().mean()))
