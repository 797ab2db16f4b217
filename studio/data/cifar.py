"""CIFAR-10 in its binary and its Python (pickle) versions; pickles are loaded safely."""

from __future__ import annotations

import _codecs
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from studio.data.base import IMAGES, Dataset, fit_images
from studio.errors import DatasetError

CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck")
BIN_FOLDER = "cifar-10-batches-bin"
PY_FOLDER = "cifar-10-batches-py"
RECORD_BYTES = 1 + 3 * 32 * 32

_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_TEST = ("test_batch",)

_core = np._core if hasattr(np, "_core") else np.core  # numpy 2 renamed numpy.core
_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _core.multiarray._reconstruct,
    ("numpy.core.multiarray", "scalar"): _core.multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): _core.multiarray.scalar,
    ("numpy.core.numeric", "_frombuffer"): _core.numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _core.numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _codecs.encode,
}


class _SafeUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and nothing else, so it never runs code."""

    def __init__(self, file: Any, path: Path) -> None:
        super().__init__(file, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise DatasetError(
                f"Refused to load {self.path}: the pickle asks for {module}.{name}, which a "
                f"CIFAR batch never needs; it may be malicious. Use the binary version of "
                f"CIFAR-10 or a trusted copy.")
        return allowed


def _load_pickle(path: Path) -> Any:
    """Unpickle `path` with the restricted unpickler; any failure becomes a DatasetError."""
    try:
        with path.open("rb") as file:
            return _SafeUnpickler(file, path).load()
    except DatasetError:
        raise
    except OSError as exc:
        raise DatasetError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except Exception as exc:  # a damaged pickle can raise almost anything
        raise DatasetError(f"{path} is not a readable CIFAR-10 pickle ({exc}); "
                           f"download it again.") from exc


def _get(mapping: dict[Any, Any], key: str) -> Any:
    """A pickle value stored under a bytes key (Python 2) or a str key (Python 3)."""
    return mapping.get(key.encode(), mapping.get(key))


def _read_py_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, 3, 32, 32] and labels int64 [N] from one Python-version batch."""
    batch = _load_pickle(path)
    if not isinstance(batch, dict):
        raise DatasetError(f"{path} should hold a dict, not {type(batch).__name__}.")
    data, labels = _get(batch, "data"), _get(batch, "labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != RECORD_BYTES - 1:
        shape = getattr(data, "shape", type(data).__name__)
        raise DatasetError(f"{path}: 'data' should be a uint8 array [N, 3072], not {shape}.")
    if not isinstance(labels, list | tuple | np.ndarray):
        raise DatasetError(f"{path}: 'labels' should be a list of class indices.")
    label_array = np.asarray(labels)
    if label_array.shape != (len(data),) or \
            (len(data) and not np.issubdtype(label_array.dtype, np.integer)):
        raise DatasetError(f"{path}: 'labels' should hold {len(data)} integer class indices.")
    return data.reshape(-1, 3, 32, 32), label_array.astype(np.int64)


def _read_bin_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, 3, 32, 32] and labels int64 [N] from one binary-version batch."""
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise DatasetError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if raw.size == 0 or raw.size % RECORD_BYTES:
        raise DatasetError(f"{path} is {raw.size} bytes, not a positive multiple of the "
                           f"{RECORD_BYTES}-byte CIFAR-10 record; it is damaged or not CIFAR-10.")
    records = raw.reshape(-1, RECORD_BYTES)
    images = np.ascontiguousarray(records[:, 1:]).reshape(-1, 3, 32, 32)
    return images, records[:, 0].astype(np.int64)


def _bin_classes(folder: Path) -> tuple[str, ...]:
    meta = folder / "batches.meta.txt"
    if not meta.is_file():
        return CIFAR_CLASSES
    names = [line.strip() for line in meta.read_text(errors="replace").splitlines()]
    return tuple(name for name in names if name) or CIFAR_CLASSES


def _py_classes(folder: Path) -> tuple[str, ...]:
    meta_path = folder / "batches.meta"
    if not meta_path.is_file():
        return CIFAR_CLASSES
    meta = _load_pickle(meta_path)
    names = _get(meta, "label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, bytes | str) for n in names):
        raise DatasetError(f"{meta_path} should hold a dict with a list of 'label_names'.")
    return tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else n for n in names)


def _version(folder: Path) -> str | None:
    """'bin' or 'py' when `folder` holds batches of that version (binary preferred)."""
    names = _TRAIN + _TEST
    if any((folder / f"{name}.bin").is_file() for name in names):
        return "bin"
    if any((folder / name).is_file() for name in names):
        return "py"
    return None


def _batch_folder(root: Path) -> tuple[Path, str] | None:
    """The folder holding the batches (root itself or its cifar-10-batches-* child)."""
    for folder in (root, root / BIN_FOLDER, root / PY_FOLDER):
        version = _version(folder) if folder.is_dir() else None
        if version is not None:
            return folder, version
    return None


def is_cifar_root(path: Path) -> bool:
    """Whether `path` holds CIFAR-10 batches or a cifar-10-batches-bin/-py folder."""
    return _batch_folder(Path(path)) is not None


def _expected(split: str) -> str:
    if split == "train":
        return "data_batch_1 … data_batch_5"
    return "test_batch"


def _split_files(folder: Path, version: str, split: str) -> list[Path]:
    """The batch files of `split` that exist in `folder`, in order."""
    suffix = ".bin" if version == "bin" else ""
    names = _TRAIN if split == "train" else _TEST
    return [folder / (name + suffix) for name in names if (folder / (name + suffix)).is_file()]


def load_cifar(root: Path, resolution: int, channels: str = "auto",
               split: str = "train") -> Dataset:
    """Load the CIFAR-10 train (data batches 1–5) or test split as uint8 images with labels."""
    root = Path(root)
    if split not in ("train", "test"):
        raise DatasetError(f"Unknown split {split!r}: use 'train' or 'test'.")
    found = _batch_folder(root)
    files = [] if found is None else _split_files(*found, split)
    if found is None or not files:
        raise DatasetError(
            f"No CIFAR-10 {split} batches in {root}: expected {_expected(split)} (.bin files "
            f"in {BIN_FOLDER}, or pickles in {PY_FOLDER}), in that folder or a subfolder "
            f"named {BIN_FOLDER} or {PY_FOLDER}.")
    folder, version = found
    reader = _read_bin_batch if version == "bin" else _read_py_batch
    parts = [reader(path) for path in files]
    classes = _bin_classes(folder) if version == "bin" else _py_classes(folder)
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if len(labels) and (labels.min() < 0 or labels.max() >= len(classes)):
        raise DatasetError(f"CIFAR-10 batches in {folder} have labels outside "
                           f"0..{len(classes) - 1} (the {len(classes)} class names known).")
    samples = fit_images(torch.from_numpy(images), resolution, channels)
    return Dataset(name="cifar-10", kind=IMAGES, samples=samples,
                   labels=torch.from_numpy(labels), classes=classes, source=str(root))
