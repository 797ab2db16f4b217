"""`gan-studio --self-test` from the source tree: every check passes, prints its line, and the
scratch folder in the data folder is gone afterwards. A subprocess (its own QApplication,
offscreen), about 15–30 s on one core."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_self_test(home: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GAN_STUDIO_HOME": str(home), "OMP_NUM_THREADS": "1"}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test itself must choose offscreen
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "studio.cli", "--self-test", *extra], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_self_test_passes_every_check_and_cleans_up(tmp_path):
    done = run_self_test(tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("SELF-TEST OK")
    checks = [line.split()[1:3] for line in lines if line.lstrip().startswith("ok ")]
    assert len(checks) == 9, done.stdout
    assert "onnxruntime" in done.stdout
    assert "Export… wrote pictures, walk.mp4, walk.gif, onnx" in done.stdout
    leftovers = [p for p in (tmp_path / "home").rglob("*") if p.is_file()]
    assert leftovers == []


def test_a_failing_check_prints_failed_and_returns_1(tmp_path, monkeypatch, capsys):
    from studio import self_test

    def broken(work: Path) -> str:
        assert work.is_dir()
        raise RuntimeError("on purpose")

    monkeypatch.setattr(self_test, "CHECKS", [("engine", self_test.check_engine),
                                              ("broken", broken)])
    assert self_test.run_self_test() == 1
    out = capsys.readouterr().out
    assert "ok  engine" in out
    assert out.strip().splitlines()[-1] == "SELF-TEST FAILED: broken: RuntimeError: on purpose"
    home = Path(os.environ["GAN_STUDIO_HOME"])
    assert not list(home.glob("self-test-*"))  # removed even after a failure
