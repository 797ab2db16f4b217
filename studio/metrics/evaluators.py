"""Choosing a run's evaluator: the feature net (studio net or Inception) and the kind of data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from studio.config import RunConfig
from studio.data.base import POINTS, Dataset
from studio.data.toy2d import mixture_modes
from studio.errors import StudioError
from studio.metrics.evaluate import ImageEvaluator, PointsEvaluator
from studio.metrics.features import FeatureNet
from studio.metrics.names import INCEPTION


class InceptionNet(FeatureNet):
    """The FID Inception-v3 (pool3, 2048 features) from a local weights file: standard FID."""

    name = INCEPTION

    def __init__(self, path: str | Path, device: torch.device | str = "cpu") -> None:
        try:
            from studio.metrics.inception import load_inception
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] != "torchvision":
                raise
            raise StudioError("standard FID needs torchvision (its Inception-v3 blocks), which "
                              "this installation leaves out; clear the Inception weights file "
                              "to measure with the studio feature net, or run from a checkout "
                              "(`make run`), which has torchvision") from None

        self.device = torch.device(device)
        self.net = load_inception(path).to(self.device).eval()

    @torch.no_grad()
    def embed_batch(self, x: Tensor) -> Tensor:
        return self.net(x.to(self.device).float()).double().cpu()


def feature_net(config: RunConfig, dataset: Dataset, device: torch.device | str,
                cache: Path | None, log: Callable[[str], None] | None = None,
                inception: str | Path | None = None) -> FeatureNet:
    """Inception when weights are given (here or in the config), else the studio feature net."""
    weights = inception or config.train.inception
    if weights:
        return InceptionNet(weights, device)
    from studio.metrics.studio_net import studio_features

    return studio_features(dataset, cache, device, log=log)


def make_evaluator(config: RunConfig, dataset: Dataset, device: torch.device | str,
                   cache: Path | None, log: Callable[[str], None] | None = None,
                   samples: int | None = None,
                   inception: str | Path | None = None) -> Callable[[Any], dict[str, Any]]:
    """The evaluator for a run on `dataset`, comparing `samples` (default: the config's)."""
    n = samples or config.train.eval_samples
    cpu_data = dataset.to("cpu")
    if dataset.kind == POINTS:
        return PointsEvaluator(cpu_data, n, mixture_modes(dataset.name))
    net = feature_net(config, cpu_data, device, cache, log, inception)
    return ImageEvaluator(cpu_data, net, n)
