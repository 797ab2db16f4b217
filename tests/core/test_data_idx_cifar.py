"""MNIST-style IDX files and CIFAR-10 batches (binary and pickled), including unsafe pickles."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.data.cifar import CIFAR_CLASSES, is_cifar_root, load_cifar
from studio.data.idx import (
    FASHION_CLASSES,
    FASHION_MNIST_SYSTEM_PATH,
    find_idx_files,
    is_idx_root,
    load_idx,
    read_idx,
)
from studio.errors import DatasetError

# ---------------------------------------------------------------- IDX helpers


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file: two zero bytes, type code, ndim, big-endian dims, big-endian data."""
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    data = idx_bytes(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def make_mnist(folder: Path, n: int = 6, split: str = "train", gz: bool = False,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    prefix = "train" if split == "train" else "t10k"
    suffix = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, gz)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, gz)
    return images, labels


# ---------------------------------------------------------------- IDX tests


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip_at_native_resolution(tmp_path: Path, gz: bool) -> None:
    images, labels = make_mnist(tmp_path / "mnist", gz=gz)
    ds = load_idx(tmp_path / "mnist", resolution=28)
    assert ds.name == "mnist"
    assert ds.samples.shape == (6, 1, 28, 28)
    assert ds.samples.dtype == torch.uint8
    assert np.array_equal(ds.samples[:, 0].numpy(), images)
    assert ds.labels is not None and ds.labels.dtype == torch.int64
    assert ds.labels.tolist() == labels.tolist()
    assert ds.classes == tuple("0123456789")
    assert ds.source == str(tmp_path / "mnist")


def test_idx_resize_channels_and_test_split(tmp_path: Path) -> None:
    make_mnist(tmp_path, n=4, split="test", seed=1)
    ds = load_idx(tmp_path, resolution=32, channels="rgb", split="test")
    assert ds.samples.shape == (4, 3, 32, 32)
    assert torch.equal(ds.samples[:, 0], ds.samples[:, 1])
    assert torch.equal(ds.samples[:, 1], ds.samples[:, 2])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte"):
        load_idx(tmp_path, resolution=28, split="train")


def test_idx_found_in_subfolder_with_dot_variant_and_fashion_names(tmp_path: Path) -> None:
    root = tmp_path / "Fashion_MNIST"
    images = np.full((3, 28, 28), 7, np.uint8)
    write_idx(root / "raw" / "train-images.idx3-ubyte", images)
    write_idx(root / "raw" / "train-labels.idx1-ubyte.gz", np.array([0, 5, 9], np.uint8), True)
    assert is_idx_root(root)
    assert find_idx_files(root, "train") is not None
    assert find_idx_files(root, "test") is None
    ds = load_idx(root, resolution=28)
    assert ds.name == "fashion-mnist"
    assert ds.classes == FASHION_CLASSES
    assert ds.labels is not None and ds.labels.tolist() == [0, 5, 9]


def test_gzip_detected_by_magic_not_name(tmp_path: Path) -> None:
    path = tmp_path / "plain-name"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(5, dtype=np.uint8))))
    assert read_idx(path).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("code", [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E])
def test_read_idx_all_types(tmp_path: Path, code: int) -> None:
    values = np.array([[0, 1, 2], [3, 4, 100]])
    if code in (0x09, 0x0B, 0x0C, 0x0D, 0x0E):
        values[0, 0] = -5
    path = tmp_path / "x"
    path.write_bytes(idx_bytes(values, code))
    out = read_idx(path)
    assert out.shape == (2, 3)
    assert out.tolist() == values.tolist()


def test_read_idx_errors(tmp_path: Path) -> None:
    good = idx_bytes(np.arange(10, dtype=np.uint8))
    bad_magic = tmp_path / "bad_magic"
    bad_magic.write_bytes(b"\x01" + good[1:])
    with pytest.raises(DatasetError, match=r"bad_magic.*two zero bytes"):
        read_idx(bad_magic)
    truncated = tmp_path / "truncated"
    truncated.write_bytes(good[:-3])
    with pytest.raises(DatasetError, match=r"truncated.*needs 10 data bytes.*only 7"):
        read_idx(truncated)
    trailing = tmp_path / "trailing"
    trailing.write_bytes(good + b"xyz")
    with pytest.raises(DatasetError, match=r"trailing.*3 bytes of trailing garbage"):
        read_idx(trailing)
    short_header = tmp_path / "short_header"
    short_header.write_bytes(good[:6])
    with pytest.raises(DatasetError, match="short_header is truncated"):
        read_idx(short_header)
    bad_gz = tmp_path / "bad_gz"
    bad_gz.write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(DatasetError, match=r"bad_gz.*gzip"):
        read_idx(bad_gz)


def test_idx_count_mismatch_and_missing(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((5, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match=r"5 images but .* 4 labels"):
        load_idx(tmp_path, resolution=28)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not is_idx_root(empty)
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.*train-labels-idx1-ubyte"):
        load_idx(empty, resolution=28)
    with pytest.raises(DatasetError, match="split"):
        load_idx(tmp_path, resolution=28, split="valid")


@pytest.mark.skipif(not FASHION_MNIST_SYSTEM_PATH.is_dir(),
                    reason=f"{FASHION_MNIST_SYSTEM_PATH} is absent (Debian package "
                           f"dataset-fashion-mnist not installed)")
def test_real_fashion_mnist_test_split() -> None:
    ds = load_idx(FASHION_MNIST_SYSTEM_PATH, resolution=28, split="test")
    assert ds.name == "fashion-mnist"
    assert ds.samples.shape == (10000, 1, 28, 28)
    assert ds.num_classes == 10
    assert ds.classes == FASHION_CLASSES
    assert ds.labels is not None
    assert torch.bincount(ds.labels, minlength=10).tolist() == [1000] * 10


# ---------------------------------------------------------------- CIFAR helpers


def cifar_records(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return data, labels


def write_bin_batch(path: Path, data: np.ndarray, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.concatenate([labels[:, None], data], axis=1).tobytes())


def write_py_batch(path: Path, data: np.ndarray, labels: np.ndarray, protocol: int = 4,
                   bytes_keys: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    batch = {"data": data, "labels": [int(x) for x in labels], "batch_label": "test"}
    if bytes_keys:
        batch = {k.encode(): v for k, v in batch.items()}
    with path.open("wb") as f:
        pickle.dump(batch, f, protocol=protocol)


# ---------------------------------------------------------------- CIFAR tests


def test_cifar_binary_train_and_test(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-bin"
    parts = [cifar_records(3, seed) for seed in range(2)]
    for i, (data, labels) in enumerate(parts, start=1):
        write_bin_batch(folder / f"data_batch_{i}.bin", data, labels)
    test_data, test_labels = cifar_records(2, 9)
    write_bin_batch(folder / "test_batch.bin", test_data, test_labels)
    for root in (folder, tmp_path):
        assert is_cifar_root(root)
        ds = load_cifar(root, resolution=32)
        assert ds.name == "cifar-10"
        assert ds.samples.shape == (6, 3, 32, 32)
        expected = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
        assert np.array_equal(ds.samples.numpy(), expected)
        assert ds.labels is not None
        assert ds.labels.tolist() == np.concatenate([p[1] for p in parts]).tolist()
        assert ds.classes == CIFAR_CLASSES
    ds = load_cifar(folder, resolution=16, channels="gray", split="test")
    assert ds.samples.shape == (2, 1, 16, 16)
    assert ds.labels is not None and ds.labels.tolist() == test_labels.tolist()


def test_cifar_binary_pixel_layout_and_meta(tmp_path: Path) -> None:
    data = np.zeros((1, 3072), np.uint8)
    data[0, 0] = 11  # R at (0, 0)
    data[0, 1024 + 33] = 22  # G at (1, 1)
    data[0, 2048 + 1023] = 33  # B at (31, 31)
    write_bin_batch(tmp_path / "test_batch.bin", data, np.array([2], np.uint8))
    (tmp_path / "batches.meta.txt").write_text("a\nb\nc\n\n\n")
    ds = load_cifar(tmp_path, resolution=32, split="test")
    assert ds.samples[0, 0, 0, 0] == 11
    assert ds.samples[0, 1, 1, 1] == 22
    assert ds.samples[0, 2, 31, 31] == 33
    assert ds.classes == ("a", "b", "c")
    with pytest.raises(DatasetError, match="data_batch_1"):
        load_cifar(tmp_path, resolution=32, split="train")


def test_cifar_binary_bad_size(tmp_path: Path) -> None:
    (tmp_path / "data_batch_1.bin").write_bytes(b"\x00" * 3074)
    with pytest.raises(DatasetError, match="3073"):
        load_cifar(tmp_path, resolution=32)


@pytest.mark.parametrize(("protocol", "bytes_keys"), [(4, False), (5, False), (2, True)])
def test_cifar_python_batches(tmp_path: Path, protocol: int, bytes_keys: bool) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    data, labels = cifar_records(4, 3)
    write_py_batch(folder / "data_batch_1", data, labels, protocol, bytes_keys)
    meta = {"label_names": [f"c{i}" for i in range(10)]}
    if bytes_keys:
        meta = {b"label_names": [f"c{i}".encode() for i in range(10)]}
    with (folder / "batches.meta").open("wb") as f:
        pickle.dump(meta, f, protocol=protocol)
    assert is_cifar_root(tmp_path)
    ds = load_cifar(tmp_path, resolution=32)
    assert np.array_equal(ds.samples.numpy(), data.reshape(-1, 3, 32, 32))
    assert ds.labels is not None and ds.labels.tolist() == labels.tolist()
    assert ds.classes == tuple(f"c{i}" for i in range(10))


def test_cifar_python_bad_structure(tmp_path: Path) -> None:
    with (tmp_path / "data_batch_1").open("wb") as f:
        pickle.dump({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, f)
    with pytest.raises(DatasetError, match=r"uint8 array \[N, 3072\]"):
        load_cifar(tmp_path, resolution=32)
    with (tmp_path / "data_batch_1").open("wb") as f:
        pickle.dump({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}, f)
    with pytest.raises(DatasetError, match="2 integer class indices"):
        load_cifar(tmp_path, resolution=32)
    with (tmp_path / "data_batch_1").open("wb") as f:
        pickle.dump([1, 2, 3], f)
    with pytest.raises(DatasetError, match="dict"):
        load_cifar(tmp_path, resolution=32)
    (tmp_path / "data_batch_1").write_bytes(b"not a pickle at all")
    with pytest.raises(DatasetError, match="not a readable"):
        load_cifar(tmp_path, resolution=32)


class _Evil:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"echo pwned > {self.target}",)


def test_cifar_malicious_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with (folder / "data_batch_1").open("wb") as f:
        pickle.dump({"data": _Evil(marker), "labels": [0]}, f)
    with pytest.raises(DatasetError, match=r"Refused to load .*data_batch_1.*system"):
        load_cifar(tmp_path, resolution=32)
    assert not marker.exists()


def test_cifar_malicious_meta_and_eval_refused(tmp_path: Path) -> None:
    data, labels = cifar_records(1, 0)
    write_py_batch(tmp_path / "data_batch_1", data, labels)
    with (tmp_path / "batches.meta").open("wb") as f:
        f.write(b"cbuiltins\neval\n(V1+1\ntR.")  # protocol-0 call of builtins.eval
    with pytest.raises(DatasetError, match=r"batches.meta.*builtins\.eval"):
        load_cifar(tmp_path, resolution=32)


def test_cifar_missing(tmp_path: Path) -> None:
    assert not is_cifar_root(tmp_path)
    with pytest.raises(DatasetError, match=r"data_batch_1.*cifar-10-batches-bin"):
        load_cifar(tmp_path, resolution=32)


def test_cifar_python2_style_pickle_with_legacy_numpy_names(tmp_path: Path) -> None:
    """Real CIFAR pickles name numpy.core (numpy 1) and hold Python-2 byte strings."""
    data, labels = cifar_records(2, 5)
    raw = pickle.dumps({b"data": data, b"labels": [int(x) for x in labels]}, protocol=2)
    raw = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    # Python 2 wrote dtype arguments as byte strings (SHORT_BINSTRING), not unicode
    raw = raw.replace(b"X\x02\x00\x00\x00u1", b"U\x02u1").replace(b"X\x01\x00\x00\x00|", b"U\x01|")
    assert b"numpy.core.multiarray" in raw and b"U\x02u1" in raw
    (tmp_path / "data_batch_1").write_bytes(raw)
    ds = load_cifar(tmp_path, resolution=32)
    assert np.array_equal(ds.samples.numpy(), data.reshape(-1, 3, 32, 32))
    assert ds.labels is not None and ds.labels.tolist() == labels.tolist()
    assert ds.classes == CIFAR_CLASSES
