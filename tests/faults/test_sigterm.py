"""SIGTERM (what `timeout`, `docker stop` and cluster schedulers send) ends a run like Ctrl+C:
the step finishes, a checkpoint is written, `stopped` is logged and the process exits 0."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.runs.layout import CHECKPOINTS, EVENTS, METRICS, checkpoint_name


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32",
                    reason="POSIX signals")
def test_sigterm_checkpoints_logs_stopped_and_exits(tmp_path) -> None:
    """A long gan/ring8 run gets SIGTERM once it has logged metrics (about 3 s in all)."""
    run = tmp_path / "run"
    env = {**os.environ, "GAN_STUDIO_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio.cli", "train", "--variant", "gan", "--dataset", "ring8",
         "--steps", "200000", "--set", "data.size=512", "--set", "train.log_every=10",
         "--set", "train.checkpoint_every=100000", "--set", "train.snapshot_every=100000",
         "--out", str(run), "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _rows(run / METRICS):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no metrics within 60 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, (proc.returncode, err)
    assert waited < 15, f"took {waited:.1f} s to stop"
    assert "Traceback" not in err, err
    stopped = [e for e in _rows(run / EVENTS) if e["kind"] == "stopped"]
    assert len(stopped) == 1, _rows(run / EVENTS)
    step = stopped[0]["step"]
    assert 10 <= step < 200000
    assert f"stopped at step {step}" in out
    assert (run / CHECKPOINTS / checkpoint_name(step)).is_dir()
    assert "SIGTERM: stopping after this step" in err
