"""MNIST and Fashion-MNIST in their original IDX file format, plain or gzipped."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np
import torch

from studio.data.base import IMAGES, Dataset, fit_images, to_uint8_images
from studio.errors import DatasetError

FASHION_MNIST_SYSTEM_PATH = Path("/usr/share/datasets/fashion-mnist")

MNIST_CLASSES = tuple(str(digit) for digit in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")

_PREFIXES = {"train": "train", "test": "t10k"}
_GZIP_MAGIC = b"\x1f\x8b"
# IDX type code → big-endian numpy dtype of the data that follows the header
_IDX_TYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4",
                              0x0D: ">f4", 0x0E: ">f8"}


def _prefix(split: str) -> str:
    if split not in _PREFIXES:
        raise DatasetError(f"Unknown split {split!r}: use 'train' or 'test'.")
    return _PREFIXES[split]


def _candidates(prefix: str, kind: str) -> list[str]:
    """File names one IDX file may have: dash or dot before 'idx', plain or gzipped."""
    dims = "idx3" if kind == "images" else "idx1"
    bases = [f"{prefix}-{kind}-{dims}-ubyte", f"{prefix}-{kind}.{dims}-ubyte"]
    return [name for base in bases for name in (base, base + ".gz")]


def _find_in(folder: Path, names: list[str]) -> Path | None:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None


def find_idx_files(root: Path, split: str) -> tuple[Path, Path] | None:
    """The (images, labels) files for `split` in `root` or one of its direct subfolders."""
    root = Path(root)
    prefix = _prefix(split)
    if not root.is_dir():
        return None
    folders = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    for folder in folders:
        images = _find_in(folder, _candidates(prefix, "images"))
        labels = _find_in(folder, _candidates(prefix, "labels"))
        if images is not None and labels is not None:
            return images, labels
    return None


def is_idx_root(path: Path) -> bool:
    """Whether `path` holds MNIST-style IDX files for the train or the test split."""
    return any(find_idx_files(Path(path), split) is not None for split in _PREFIXES)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path} is a damaged gzip file ({exc}); download it again.") from exc


def read_idx(path: Path) -> np.ndarray:
    """Parse one IDX file (plain or gzipped) into a numpy array in native byte order."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DatasetError(f"{path} is not an IDX file: it does not start with two zero bytes.")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        raise DatasetError(f"{path} has unknown IDX data type code 0x{code:02X}.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{path} is truncated: its header promises {ndim} dimensions "
                           f"but the file ends first.")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[code])
    expected = math.prod(dims) * dtype.itemsize
    actual = len(data) - header
    if actual < expected:
        raise DatasetError(f"{path} is truncated: shape {dims} needs {expected} data bytes "
                           f"but only {actual} are present; download it again.")
    if actual > expected:
        raise DatasetError(f"{path} has {actual - expected} bytes of trailing garbage after "
                           f"the {expected} data bytes its shape {dims} needs.")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def _is_fashion(root: Path) -> bool:
    return "fashion" in str(root.absolute()).lower()


def _missing_message(root: Path, split: str) -> str:
    prefix = _prefix(split)
    return (f"No MNIST-style files for the {split} split in {root} (or its direct "
            f"subfolders): expected {prefix}-images-idx3-ubyte and "
            f"{prefix}-labels-idx1-ubyte, optionally gzipped (.gz), side by side in one folder.")


def load_idx(root: Path, resolution: int, channels: str = "auto",
             split: str = "train") -> Dataset:
    """Load MNIST or Fashion-MNIST from IDX files as uint8 images with labels."""
    root = Path(root)
    found = find_idx_files(root, split)
    if found is None:
        raise DatasetError(_missing_message(root, split))
    image_path, label_path = found
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f"{image_path} should hold uint8 images [N, H, W], "
                           f"but holds {images.dtype} of shape {images.shape}.")
    if labels.ndim != 1:
        raise DatasetError(f"{label_path} should hold one label per image, "
                           f"but has shape {labels.shape}.")
    if len(images) != len(labels):
        raise DatasetError(f"{image_path.name} holds {len(images)} images but "
                           f"{label_path.name} holds {len(labels)} labels; "
                           f"they must come from the same download.")
    fashion = _is_fashion(root)
    classes = FASHION_CLASSES if fashion else MNIST_CLASSES
    if len(labels) and (labels.min() < 0 or labels.max() >= len(classes)):
        raise DatasetError(f"{label_path} has labels outside 0..{len(classes) - 1}.")
    samples = fit_images(to_uint8_images(images), resolution, channels)
    return Dataset(name="fashion-mnist" if fashion else "mnist", kind=IMAGES, samples=samples,
                   labels=torch.from_numpy(labels.astype(np.int64)), classes=classes,
                   source=str(root))
