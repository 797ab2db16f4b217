"""FIFOs, sockets and device nodes in an image folder are skipped with a reason, never opened.

open() of a named pipe waits for a writer forever, so one FIFO used to hang the whole run. The
CLI runs in a subprocess with a timeout: a regression fails instead of stalling the suite.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.config import DataConfig
from studio.data import describe
from studio.runs.reader import read_events, read_metrics

TIMEOUT_S = 120


def _png(path: Path, seed: int) -> None:
    pixels = np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """Two class folders of small PNGs among special files; yields the folder and, for each
    special file, the kind its skip reason must name."""
    root = tmp_path / "pictures"
    for n in range(3):
        _png(root / "cats" / f"cat{n}.png", n)
        _png(root / "dogs" / f"dog{n}.png", 10 + n)
    expected = {"cats/pipe.png": "a named pipe (FIFO)", "stray.png": "a named pipe (FIFO)",
                "cats/to-pipe.png": "a link to a named pipe (FIFO)",
                "dogs/sock.png": "a socket", "dogs/zero.png": "a link to a character device"}
    os.mkfifo(root / "cats" / "pipe.png")
    os.mkfifo(root / "stray.png")  # at the top, beside the class folders
    (root / "cats" / "to-pipe.png").symlink_to(root / "cats" / "pipe.png")
    (root / "dogs" / "zero.png").symlink_to("/dev/zero")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(root / "dogs" / "sock.png"))
    null = os.stat("/dev/null").st_rdev
    try:  # a real device node needs root (and a file system that allows one)
        os.mknod(root / "dogs" / "null.png", stat.S_IFCHR | 0o600, null)
        expected["dogs/null.png"] = "a character device"
    except OSError:
        pass
    yield root, expected
    server.close()


@pytest.mark.slow
def test_special_files_are_skipped_with_a_reason_and_training_finishes(tmp_path,
                                                                       hostile_folder):
    root, expected = hostile_folder
    run = tmp_path / "run"
    env = {**os.environ, "GAN_STUDIO_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "studio.cli", "train", "--variant", "dcgan", "--dataset",
         str(root), "--steps", "4", "--batch-size", "4", "--device", "cpu", "--quiet",
         "--set", "data.resolution=32", "--set", "model.g_channels=8", "--set",
         "model.d_channels=8", "--set", "train.log_every=2", "--out", str(run)],
        env=env, capture_output=True, text=True, timeout=TIMEOUT_S)

    assert done.returncode == 0, done.stderr
    assert [r["step"] for r in read_metrics(run)] == [2, 4]
    warnings = [e["message"] for e in read_events(run) if e["kind"] == "warning"]
    assert any(f"{len(expected)} files skipped" in m and "not a regular file" in m
               for m in warnings), warnings
    # Safe in-process now: the same load just finished in the subprocess without blocking.
    described = describe(DataConfig(dataset=str(root), resolution=32))
    assert described.count == 6 and described.classes == ("cats", "dogs")
    reasons = {Path(s.path).relative_to(root).as_posix(): s.reason for s in described.skipped}
    assert sorted(reasons) == sorted(expected)
    for name, kind in expected.items():
        assert reasons[name].startswith(f"not a regular file: {kind};"), (name, reasons[name])


def test_a_linked_folder_inside_a_class_folder_is_reported_not_passed_over(tmp_path):
    root = tmp_path / "pictures"
    _png(root / "cats" / "cat.png", 1)
    _png(tmp_path / "elsewhere" / "kitten.png", 2)
    (root / "cats" / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    skipped = describe(DataConfig(dataset=str(root), resolution=32)).skipped
    assert [(Path(s.path).name, s.reason.split(";")[0]) for s in skipped] == [
        ("more", "a link to a folder")]


def test_the_studios_image_size_probe_skips_a_fifo_named_like_an_image(tmp_path):
    """The New run tab reads the typical image size of a chosen folder on a worker; a FIFO
    called x.png there blocked that worker forever. It is skipped like any non-image."""
    from PIL import Image

    Image.new("RGB", (40, 30)).save(tmp_path / "a.png")
    os.mkfifo(tmp_path / "b.png")
    code = ("import sys; from studio.app.estimate_worker import folder_image_side; "
            "print(folder_image_side(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=30, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "30"
