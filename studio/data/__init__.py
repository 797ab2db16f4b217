"""Datasets: built-in procedural sets and local folders, opened by name or path. Never downloads.

`open_dataset(cfg)` returns a `Dataset`; `describe(cfg)` what a person sees before training:
counts, classes, resolution, previews and the files that were skipped, with reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.config import DataConfig
from studio.errors import DatasetError

if TYPE_CHECKING:  # torch loads only when a dataset is opened, not when the studio starts
    from studio.data.base import Dataset

POINTS, IMAGES = "points", "images"


@dataclass(frozen=True)
class BuiltinDataset:
    name: str
    kind: str
    summary: str
    make: Callable[[DataConfig], Dataset]


def _shapes(cfg: DataConfig) -> Dataset:
    from studio.data.shapes import make_shapes

    return make_shapes(cfg.size, cfg.resolution, cfg.seed, cfg.channels)


def _landscapes(cfg: DataConfig) -> Dataset:
    from studio.data.landscapes import make_landscapes

    return make_landscapes(cfg.size, cfg.resolution, cfg.seed, cfg.channels)


def _emoji(cfg: DataConfig) -> Dataset:
    from studio.data.emoji import make_emoji

    return make_emoji(cfg.size, cfg.resolution, cfg.seed, cfg.channels)


def _toy(name: str) -> Callable[[DataConfig], Dataset]:
    def make(cfg: DataConfig) -> Dataset:
        from studio.data import toy2d

        return getattr(toy2d, f"make_{name}")(cfg.size, cfg.seed)

    return make


# The colour emoji font the optional "emoji" set draws from (Debian: fonts-noto-color-emoji).
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
EMOJI_PACKAGE = "fonts-noto-color-emoji"


def emoji_font_missing(font: Path) -> str:
    """What to tell a person who asks for the emoji set on a machine without the font."""
    return (f"the emoji dataset needs a colour emoji font, and {font} is missing: install "
            f"the package {EMOJI_PACKAGE} (e.g. sudo apt-get install {EMOJI_PACKAGE})")


BUILTINS: dict[str, BuiltinDataset] = {
    b.name: b
    for b in (
        BuiltinDataset("ring8", POINTS, "8 Gaussians on a circle (2-D, labelled by mode)",
                       _toy("ring8")),
        BuiltinDataset("grid25", POINTS, "25 Gaussians on a 5×5 grid (2-D, labelled by mode)",
                       _toy("grid25")),
        BuiltinDataset("spiral", POINTS, "two interleaved spiral arms (2-D, labelled by arm)",
                       _toy("spiral")),
        BuiltinDataset("shapes", IMAGES, "10 classes of coloured shapes on varied backgrounds "
                       "(images, 16–128 px)", _shapes),
        BuiltinDataset("landscapes", IMAGES, "mountains, hills, clouds and sky at four times of "
                       "day, labelled by time of day (images, 16–512 px)", _landscapes),
    )
}
if EMOJI_FONT.is_file():  # a cheap check; the font is read only when the set is opened
    BUILTINS["emoji"] = BuiltinDataset("emoji", IMAGES, "32 colour emoji from the system's "
                                       "Noto Color Emoji font, labelled by name (images, "
                                       "16–256 px)", _emoji)

# Well-known datasets that system packages install (Debian: dataset-fashion-mnist).
SYSTEM_DATASETS = {"fashion-mnist": Path("/usr/share/datasets/fashion-mnist")}


def system_datasets() -> dict[str, Path]:
    """The system-installed datasets present on this machine."""
    return {name: p for name, p in SYSTEM_DATASETS.items() if p.is_dir()}


def detect_layout(path: Path) -> str:
    """"idx", "cifar" or "images" for a local folder, or DatasetError saying what was found."""
    from studio.data.cifar import is_cifar_root
    from studio.data.folder import looks_like_image_folder
    from studio.data.idx import is_idx_root

    if not path.exists():
        raise DatasetError(f"{path} does not exist. Give a built-in dataset "
                           f"({', '.join(BUILTINS)}) or the path of a local folder.")
    if not path.is_dir():
        raise DatasetError(f"{path} is a file; give the folder that holds the dataset")
    if is_idx_root(path):
        return "idx"
    if is_cifar_root(path):
        return "cifar"
    if looks_like_image_folder(path):
        return "images"
    raise DatasetError(f"{path} holds no dataset GAN Studio recognises: expected image files "
                       "(optionally one subfolder per class), MNIST/Fashion-MNIST idx files "
                       "(train-images-idx3-ubyte[.gz] …), or CIFAR-10 batches "
                       "(data_batch_1[.bin] …)")


def open_dataset(cfg: DataConfig) -> Dataset:
    """The dataset `cfg.dataset` names: a built-in set, a system dataset, or a local folder."""
    if cfg.dataset in BUILTINS:
        return BUILTINS[cfg.dataset].make(cfg)
    if cfg.dataset == "emoji" and not Path("emoji").exists():  # not a local folder "emoji"
        raise DatasetError(emoji_font_missing(EMOJI_FONT))
    try:
        path = system_datasets().get(cfg.dataset) or Path(cfg.dataset).expanduser()
    except RuntimeError:  # `~someone/…` naming no user of this machine
        user = cfg.dataset.split("/", 1)[0]
        raise DatasetError(f"dataset {cfg.dataset!r}: {user} names no user on this machine; "
                           "give the folder's full path") from None
    if cfg.dataset in SYSTEM_DATASETS and not path.exists():
        raise DatasetError(f"{cfg.dataset} is not installed: expected its files in "
                           f"{SYSTEM_DATASETS[cfg.dataset]} (Debian package "
                           f"dataset-{cfg.dataset}), or give the path of a local copy")
    layout = detect_layout(path)
    if layout == "idx":
        from studio.data.idx import load_idx

        return load_idx(path, cfg.resolution, cfg.channels, cfg.split)
    if layout == "cifar":
        from studio.data.cifar import load_cifar

        return load_cifar(path, cfg.resolution, cfg.channels, cfg.split)
    from studio.data.folder import load_folder

    return load_folder(path, cfg.resolution, cfg.channels)


@dataclass(frozen=True)
class DatasetDescription:
    """What the studio's data panel shows: plain values and uint8 pictures, no tensors."""

    name: str
    kind: str
    count: int
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    resolution: int  # 0 for points
    channels: int  # 0 for points
    previews: np.ndarray  # uint8 [K, H, W, 3]
    skipped: tuple[Any, ...]  # SkippedFile(path, reason)
    source: str


def describe(cfg: DataConfig, previews: int = 16) -> DatasetDescription:
    return describe_dataset(open_dataset(cfg), previews)


def describe_dataset(ds: Dataset, previews: int = 16) -> DatasetDescription:
    import torch

    from studio.export.images import scatter_image, to_uint8

    counts: tuple[int, ...] = ()
    if ds.labels is not None:
        counts = tuple(np.bincount(ds.labels.cpu().numpy(), minlength=len(ds.classes)).tolist())
    if ds.kind == POINTS:
        pictures = scatter_image(ds.samples[:2000].cpu().numpy())[None]
        resolution = channels = 0
    else:
        pick = ds.batch(torch.linspace(0, len(ds) - 1, min(previews, len(ds))).long())[0]
        pictures = to_uint8(pick.cpu().numpy())
        if pictures.shape[-1] == 1:
            pictures = np.repeat(pictures, 3, axis=-1)
        channels, resolution = ds.shape[0], ds.shape[1]
    return DatasetDescription(ds.name, ds.kind, len(ds), ds.classes, counts, resolution,
                              channels, pictures, ds.skipped, ds.source)
