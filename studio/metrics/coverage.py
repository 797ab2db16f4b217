"""Mode coverage of 2-D mixtures: how many modes a generator reaches, and how precisely."""

from __future__ import annotations

from dataclasses import dataclass

import torch

KL_EPS = 1e-12  # floor on a mode's share inside the log, so an empty mode adds 0, not NaN


@dataclass(frozen=True)
class Coverage:
    """Modes reached, the share of sharp samples, and how evenly samples spread over modes."""

    modes_covered: int  # modes holding at least `min_share` of the samples within 3σ
    modes_total: int
    high_quality: float  # share of samples within 3σ of some mode
    mode_kl: float = 0.0  # KL(p ‖ uniform) of the nearest-mode histogram, in nats; 0 = even


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, sigma: float,
                  min_share: float = 0.01) -> Coverage:
    """A mode is covered when ≥ `min_share` of the samples lie within 3σ of its centre.

    `mode_kl` assigns every sample (near or not) to its nearest centre and gives
    Σₖ pₖ log(pₖ K) over the K modes: 0 when all modes are equally used, log K when one takes all.
    """
    dist = torch.cdist(samples.double(), centres.double())  # [N, K]
    nearest, which = dist.min(dim=1)  # [N], [N]
    close = nearest <= 3 * sigma
    counts = torch.bincount(which[close], minlength=len(centres))  # [K]
    covered = int((counts >= min_share * len(samples)).sum())
    return Coverage(covered, len(centres), float(close.double().mean()),
                    mode_kl(which, len(centres)))


def mixture_coverage(points: torch.Tensor, dataset: str) -> Coverage | None:
    """The coverage of `points` [N, 2] on the built-in mixture `dataset` (ring8, grid25),
    None for data without known modes or no points."""
    from studio.data.toy2d import mixture_modes

    modes = mixture_modes(dataset)
    if modes is None or len(points) == 0:
        return None
    return mode_coverage(points, *modes)


def mode_kl(which: torch.Tensor, modes: int) -> float:
    """KL divergence (nats) of the histogram of mode indices `which` [N] from uniform over K.

    pₖ is the share of samples at mode k; an empty mode contributes 0 (0·log 0 = 0, kept finite
    by flooring pₖ at KL_EPS inside the log).
    """
    if len(which) == 0:
        raise ValueError("mode_kl needs at least one sample")
    p = torch.bincount(which, minlength=modes).double() / len(which)  # [K]
    return float((p * torch.log(p.clamp_min(KL_EPS) * modes)).sum().clamp_min(0.0))
