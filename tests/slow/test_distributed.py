"""Two ranks under torchrun (gloo on the CPU): identical weights, one run folder from rank 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.runs.reader import read_events, read_metrics

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_ranks_stay_in_step_and_rank_zero_writes(tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    result = subprocess.run(
        [str(torchrun), "--nproc_per_node", "2", "--master_port", "29517",
         str(ROOT / "tests" / "slow" / "ddp_worker.py"), str(tmp_path)],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads((tmp_path / "result.json").read_text())
    assert outcome["world"] == 2
    assert outcome["checksums"][0] == outcome["checksums"][1]
    assert [r["step"] for r in read_metrics(tmp_path / "run")] == [2, 4, 6]
    assert [e["kind"] for e in read_events(tmp_path / "run")] == ["started", "finished"]
