"""The studio feature net: a small CNN trained on a dataset's own labels, for offline metrics.

Standard FID needs Inception-v3 weights that nothing here may download. Without them, image
metrics use this net instead: trained once per dataset (about a minute on a CPU) to tell the
dataset's classes apart — or, for unlabelled data, to tell how an image was rotated, a
self-supervised task that needs no labels — and cached by the dataset's fingerprint. Its
embeddings are the global-average-pooled last convolutional features. A metric on them is named
for the net and the data (`FD_studio[shapes-32]`), never "FID".
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from studio.data.base import IMAGES, Dataset
from studio.metrics.features import FeatureNet

VERSION = 1  # bump when the architecture or recipe changes: old caches are then ignored
MAX_SIDE = 32  # images larger than this are resized down: a minute of CPU training at most
HOLD_OUT = 0.1  # share of the data kept aside to report the net's accuracy


class _Block(nn.Sequential):
    """Two 3×3 convolutions with batch norm and ReLU, the first halving the resolution."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class StudioCNN(nn.Module):
    """Images in [-1, 1] → `width`·8 pooled features, and class logits from them.

    Args:
        channels: input channels (1 or 3).
        classes: outputs of the classification head (the dataset's classes, or 4 rotations).
        side: the input side the net works at (images are resized to it); default 32.
        width: channels of the stem; each of the three blocks doubles it (default 32).
    """

    def __init__(self, channels: int, classes: int, side: int = 32, width: int = 32) -> None:
        super().__init__()
        self.side = side
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(inplace=True), _Block(width, 2 * width), _Block(2 * width, 4 * width),
            _Block(4 * width, 8 * width))
        self.head = nn.Linear(8 * width, classes)
        self.feature_dim = 8 * width

    def features(self, x: Tensor) -> Tensor:  # x: [N, C, H, W] in [-1, 1]
        if x.shape[-1] != self.side:
            x = F.interpolate(x, size=(self.side, self.side), mode="bilinear",
                              antialias=True, align_corners=False)
        return self.body(x).mean((2, 3))  # [N, feature_dim]

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))  # [N, classes]


@dataclass(frozen=True)
class Recipe:
    """How the net is trained; part of the cache key, so a change retrains."""

    steps: int = 500
    batch_size: int = 64
    lr: float = 2e-3
    width: int = 16
    seed: int = 0


DEFAULT_RECIPE = Recipe()


class StudioFeatures(FeatureNet):
    """A trained StudioCNN as a feature extractor (and, when trained on labels, a classifier)."""

    def __init__(self, net: StudioCNN, name: str, task: str, classes: tuple[str, ...],
                 accuracy: float) -> None:
        self.net = net.eval().requires_grad_(False)
        self.name = name
        self.task = task  # "labels" or "rotation"
        self.classes = classes if task == "labels" else ()
        self.accuracy = accuracy  # on the held-out share of the data
        self.device = next(net.parameters()).device

    def describe(self) -> dict[str, float | str]:
        return {"feature_task": self.task, "feature_accuracy": round(self.accuracy, 4)}

    @torch.no_grad()
    def embed_batch(self, x: Tensor) -> Tensor:
        return self.net.features(x.to(self.device).float()).double().cpu()

    @torch.no_grad()
    def classify_batch(self, x: Tensor) -> Tensor | None:
        return self.embed_and_classify_batch(x)[1]

    @torch.no_grad()
    def embed_and_classify_batch(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        features = self.net.features(x.to(self.device).float())  # [B, feature_dim]
        predicted = self.net.head(features).argmax(1).cpu() if self.task == "labels" else None
        return features.double().cpu(), predicted


def fingerprint(dataset: Dataset, recipe: Recipe) -> str:
    """SHA-256 of the pixels, labels, class names, the net's version and its training recipe."""
    h = hashlib.sha256(f"v{VERSION} {recipe} {dataset.classes}".encode())
    h.update(np.ascontiguousarray(dataset.samples.cpu().numpy()).data)
    if dataset.labels is not None:
        h.update(np.ascontiguousarray(dataset.labels.cpu().numpy()).data)
    return h.hexdigest()


def net_name(dataset: Dataset) -> str:
    """`studio[shapes-32]`: the net and the data it was trained on."""
    return f"studio[{dataset.name}-{dataset.shape[-1]}]"


def studio_features(dataset: Dataset, cache: Path | None, device: torch.device | str = "cpu",
                    recipe: Recipe | None = None, log: Any = None) -> StudioFeatures:
    """The studio feature net for `dataset`: from `cache` when there, else trained (and saved)."""
    if dataset.kind != IMAGES:
        raise ValueError("the studio feature net is for image datasets")
    recipe = recipe or DEFAULT_RECIPE
    key = fingerprint(dataset, recipe)
    labelled = dataset.labels is not None and dataset.num_classes >= 2
    task = "labels" if labelled else "rotation"
    classes = dataset.classes if labelled else ("0°", "90°", "180°", "270°")
    side = min(dataset.shape[-1], MAX_SIDE)
    with torch.random.fork_rng(devices=[]):  # training's random state is left untouched
        torch.manual_seed(recipe.seed)
        net = StudioCNN(dataset.shape[0], len(classes), side, recipe.width)
    folder = cache / f"studio-net-{key[:24]}" if cache else None
    meta = _load(folder, net)
    if meta is None:
        started = time.monotonic()
        accuracy = _train(net, dataset, task, recipe)
        meta = {"task": task, "accuracy": accuracy, "fingerprint": key,
                "seconds": round(time.monotonic() - started, 1), "version": VERSION}
        if folder:
            _save(folder, net, meta)
        if log:
            log(f"trained the studio feature net for {dataset.name} in {meta['seconds']} s "
                f"({task}, held-out accuracy {accuracy:.1%})")
    return StudioFeatures(net.to(device), net_name(dataset), task, classes, meta["accuracy"])


def _train(net: StudioCNN, dataset: Dataset, task: str, recipe: Recipe) -> float:
    """Train `net` on the task; returns held-out accuracy. The global RNG is left untouched."""
    gen = torch.Generator().manual_seed(recipe.seed)
    order = torch.randperm(len(dataset), generator=gen)
    held = max(1, int(HOLD_OUT * len(dataset)))
    test_idx, train_idx = order[:held], order[held:]
    with torch.random.fork_rng(devices=[]):
        opt = torch.optim.Adam(net.parameters(), lr=recipe.lr)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, recipe.lr, total_steps=recipe.steps)
        net.train()
        for _ in range(recipe.steps):
            pick = train_idx[torch.randint(len(train_idx), (recipe.batch_size,), generator=gen)]
            x, y = _task_batch(dataset, pick, task, gen)
            loss = F.cross_entropy(net(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        return _accuracy(net, dataset, test_idx, task, gen)


def _task_batch(dataset: Dataset, index: Tensor, task: str,
                gen: torch.Generator) -> tuple[Tensor, Tensor]:
    x, labels = dataset.batch(index)  # [B, C, H, W] in [-1, 1]
    x = x.cpu()
    if task == "labels":
        return x, labels.cpu()
    turns = torch.randint(4, (len(x),), generator=gen)  # rotate by k·90°, predict k
    rotated = torch.stack([torch.rot90(img, int(k), (1, 2)) for img, k in zip(x, turns,
                                                                                strict=True)])
    return rotated, turns


@torch.no_grad()
def _accuracy(net: StudioCNN, dataset: Dataset, index: Tensor, task: str,
              gen: torch.Generator) -> float:
    right = 0
    for start in range(0, len(index), 512):
        x, y = _task_batch(dataset, index[start:start + 512], task, gen)
        right += int((net(x).argmax(1) == y).sum())
    return right / len(index)


def _load(folder: Path | None, net: StudioCNN) -> dict[str, Any] | None:
    """The cached meta after loading the cached weights into `net`, or None when not cached."""
    if folder is None or not (folder / "meta.json").is_file():
        return None
    from safetensors.torch import load_file

    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        net.load_state_dict(load_file(folder / "weights.safetensors"))
    except Exception:  # unreadable in any way (safetensors raises its own errors)
        return None  # a damaged cache entry is retrained and rewritten
    return meta if meta.get("version") == VERSION else None


def _save(folder: Path, net: StudioCNN, meta: dict[str, Any]) -> None:
    """Write weights and meta into a temp folder and rename it, so a cache is never half."""
    from safetensors.torch import save_file

    tmp = folder.with_name(f".tmp-{folder.name}-{time.time_ns()}")
    try:
        tmp.mkdir(parents=True)
        save_file({k: v.contiguous() for k, v in net.state_dict().items()},
                  tmp / "weights.safetensors")
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if folder.exists():  # a damaged entry being replaced
            shutil.rmtree(folder, ignore_errors=True)
        tmp.replace(folder)
    except OSError:
        pass  # a cache that cannot be written only costs a retraining next time
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
