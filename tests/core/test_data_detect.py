"""`--dataset PATH`: the layout of a local folder is detected and the right reader used."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.config import DataConfig
from studio.data import describe, detect_layout, open_dataset
from studio.errors import DatasetError
from studio.runs.reader import read_events, read_metrics
from tests.core.test_data_idx_cifar import cifar_records, make_mnist, write_bin_batch


def image_folder(root, n=4):
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            pixels = np.full((40, 40, 3), 60 * i, np.uint8)
            Image.fromarray(pixels).save(root / cls / f"{i}.png")
    (root / "a" / "notes.txt").write_text("not an image")
    return root


def test_layouts_are_detected(tmp_path):
    make_mnist(tmp_path / "mnist", n=12, gz=True)
    data, labels = cifar_records(10, 0)
    write_bin_batch(tmp_path / "cifar" / "data_batch_1.bin", data, labels)
    image_folder(tmp_path / "pics")
    assert detect_layout(tmp_path / "mnist") == "idx"
    assert detect_layout(tmp_path / "cifar") == "cifar"
    assert detect_layout(tmp_path / "pics") == "images"
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="holds no dataset"):
        detect_layout(tmp_path / "empty")


def test_open_and_describe_each_layout(tmp_path):
    make_mnist(tmp_path / "mnist", n=12)
    mnist = open_dataset(DataConfig(dataset=str(tmp_path / "mnist"), resolution=32))
    assert (mnist.name, mnist.shape, mnist.num_classes) == ("mnist", (1, 32, 32), 10)
    data, labels = cifar_records(10, 0)
    write_bin_batch(tmp_path / "cifar" / "data_batch_1.bin", data, labels)
    cifar = open_dataset(DataConfig(dataset=str(tmp_path / "cifar"), resolution=32))
    assert (cifar.name, cifar.shape, len(cifar)) == ("cifar-10", (3, 32, 32), 10)
    d = describe(DataConfig(dataset=str(image_folder(tmp_path / "pics")), resolution=16))
    assert (d.count, d.classes, d.class_counts, d.resolution) == (8, ("a", "b"), (4, 4), 16)
    assert [s.path.endswith("notes.txt") for s in d.skipped] == [True]


def test_cli_trains_on_a_folder_and_reports_skipped_files(tmp_path):
    out = tmp_path / "run"
    code = main(["train", "--variant", "cgan", "--dataset", str(image_folder(tmp_path / "p")),
                 "--steps", "2", "--batch-size", "4", "--out", str(out), "--quiet",
                 "--set", "model.channels=8", "--set", "train.log_every=1", "--device", "cpu"])
    assert code == 0 and [r["step"] for r in read_metrics(out)] == [1, 2]
    warnings = [e for e in read_events(out) if e["kind"] == "warning"]
    assert len(warnings) == 1 and "1 file skipped, e.g." in warnings[0]["message"]


def test_system_fashion_mnist_by_name():
    from studio.data import system_datasets

    if "fashion-mnist" not in system_datasets():
        pytest.skip("Debian's dataset-fashion-mnist is not installed here")
    ds = open_dataset(DataConfig(dataset="fashion-mnist", split="test", resolution=28))
    assert len(ds) == 10000 and ds.classes[0] == "T-shirt/top"
