"""Reading and following run folders, including one another process is still writing."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from studio.runs.reader import (
    JsonlTail,
    RunFollower,
    list_runs,
    merge_metrics,
    read_metrics,
    summarize,
)
from studio.session import start_run
from tests.core.helpers import tiny_config


def test_tail_waits_for_a_partial_line(tmp_path):
    path = tmp_path / "m.jsonl"
    tail = JsonlTail(path)
    assert tail.read_new() == []
    path.write_text('{"step": 1}\n{"step": 2')
    assert tail.read_new() == [{"step": 1}]
    with open(path, "a") as f:
        f.write(', "x": 5}\n')
    assert tail.read_new() == [{"step": 2, "x": 5}]
    assert tail.read_new() == []


def test_a_torn_line_is_skipped_and_later_rows_still_read(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"step": 1}\n{"step": 2, "lo\n{"step": 3}\n')
    assert [r["step"] for r in JsonlTail(path).read_new()] == [1, 3]


def test_rows_after_a_resume_replace_the_rows_it_redoes():
    rows = merge_metrics([], [{"step": s} for s in (10, 20, 30, 40)])
    rows = merge_metrics(rows, [{"step": 30, "again": True}, {"step": 50}])
    assert [r["step"] for r in rows] == [10, 20, 30, 50] and rows[2]["again"]


def test_list_and_summarize_runs(tmp_path):
    start_run(tiny_config(steps=4, log_every=2), tmp_path / "ws" / "a").run()
    (tmp_path / "ws" / "not-a-run").mkdir()
    runs = list_runs(tmp_path / "ws")
    assert len(runs) == 1
    s = runs[0]
    assert (s.variant, s.dataset, s.step, s.steps, s.status) == ("gan", "ring8", 4, 4,
                                                                 "finished")
    assert summarize(tmp_path / "ws" / "a").started is not None


def test_follow_a_run_that_a_cli_process_is_writing(tmp_path):
    out = tmp_path / "live"
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio.cli", "train", "--variant", "gan", "--dataset", "ring8",
         "--steps", "100000", "--out", str(out), "--device", "cpu", "--quiet",
         "--set", "train.log_every=5", "--set", "train.snapshot_every=50",
         "--set", "train.checkpoint_every=1000000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "metrics.jsonl").exists():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        follower = RunFollower(out)
        seen: list[int] = []
        snapshots: list[int] = []
        while len(seen) < 3 or not snapshots:
            assert time.monotonic() < deadline
            rows, _, snaps = follower.poll()
            seen += [r["step"] for r in rows]
            snapshots += [s for s, _ in snaps]
            time.sleep(0.05)
        assert seen == sorted(seen) and seen[0] == 5
        assert follower.status == "running"
    finally:
        proc.terminate()
        proc.wait(30)
    rows = read_metrics(out)
    assert len(rows) >= len(seen)
    assert all(json.dumps(r) for r in rows)


def test_a_running_run_that_went_silent_is_interrupted(tmp_path):
    import os

    from studio.runs.reader import STALE_AFTER_S

    folder = tmp_path / "ws" / "killed"
    start_run(tiny_config(steps=4, log_every=2), folder).run()
    events = folder / "events.jsonl"
    lines = events.read_text().splitlines()
    events.write_text("\n".join(lines[:-1]) + "\n")  # as if killed before "finished"
    assert summarize(folder).status == "running"
    old = os.path.getmtime(events) - STALE_AFTER_S - 10
    for name in ("events.jsonl", "metrics.jsonl"):
        os.utime(folder / name, (old, old))
    assert summarize(folder).status == "interrupted"
