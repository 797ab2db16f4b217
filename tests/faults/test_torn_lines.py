"""Torn last lines in metrics.jsonl and events.jsonl (power loss, full disk) lose no new rows.

A writer must start on a fresh line, so the `resumed` event and the first new metrics row are
not glued onto the torn line and skipped with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main
from studio.runs.reader import read_evals, read_events, read_metrics
from studio.runs.writer import append_eval

TIMEOUT_S = 120  # a hang fails the test instead of stalling the suite


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`gan-studio ARGS` in a subprocess on one thread, with its own application folder."""
    env = {**os.environ, "GAN_STUDIO_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "studio.cli", *args], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)


def _tear(path: Path, half_row: str) -> None:
    """Append half a JSON object with no newline, as a crash in mid-write leaves it."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(half_row)


@pytest.mark.slow
def test_resume_after_torn_lines_keeps_the_resumed_event_and_every_new_row(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--variant", "gan", "--dataset", "ring8", "--steps", "20", "--set",
                 "data.size=512", "--set", "train.log_every=5", "--device", "cpu", "--quiet",
                 "--out", str(run)]) == 0  # in-process: one subprocess start is enough
    _tear(run / "metrics.jsonl", '{"step": 25, "time": 17.5, "loss_d": 0.6')
    _tear(run / "events.jsonl", '{"step": 20, "time": 17.5, "kind": "fin')

    again = _cli(tmp_path, "train", "--resume", str(run), "--steps", "40", "--quiet")

    assert again.returncode == 0, again.stderr
    assert [r["step"] for r in read_metrics(run)] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert [e["kind"] for e in read_events(run)][-2:] == ["resumed", "finished"]
    for name in ("metrics.jsonl", "events.jsonl"):  # only the torn line itself is unreadable
        lines = (run / name).read_text(encoding="utf-8").splitlines()
        unreadable = [line for line in lines if not _is_json(line)]
        assert len(unreadable) == 1 and unreadable[0].startswith('{"step": 2'), name


def test_a_row_missing_only_its_newline_is_kept_and_the_next_row_follows(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"step": 3, "loss_d": 0.7}', encoding="utf-8")
    append_eval(tmp_path, 3, {"features": "inception", "fd": 12.5})
    assert [r["step"] for r in read_metrics(tmp_path)] == [3]
    assert [(r["step"], r["fd"]) for r in read_evals(tmp_path)] == [(3, 12.5)]


def test_a_line_torn_inside_a_character_or_holding_no_object_is_skipped(tmp_path):
    good = json.dumps({"step": 1, "kind": "started", "time": 1.0}) + "\n"
    torn = '{"step": 2, "kind": "warning", "message": "12 × '.encode()[:-2]  # cut inside "×"
    (tmp_path / "events.jsonl").write_bytes(good.encode() + torn + b"\n" + b"7\n[1, 2]\n"
                                            + b"\x00\x00{}\n" + good.encode())
    assert [e["step"] for e in read_events(tmp_path)] == [1, 1]


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
