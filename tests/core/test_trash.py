"""The workspace trash, run names and notes: files moved, restored and removed (no torch, no
training: the run folders are written by hand, ~0.1 s in all)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.config import save_toml
from studio.errors import StudioError
from studio.runs.notes import NOTES, RunNotes, read_notes, set_name, set_note, write_notes
from studio.runs.reader import latest_snapshot, list_runs, summarize
from studio.runs.trash import (
    RECORD,
    TRASH,
    count_trash,
    empty_trash,
    is_live,
    list_trash,
    restore,
    trash_run,
)
from tests.core.helpers import tiny_config


def make_run(folder: Path, status: str = "finished", snapshots: tuple[int, ...] = (10, 20),
             steps: int = 20, name: str = "") -> Path:
    """A complete-looking run folder: config, metrics, events, snapshot pictures and a
    checkpoint of random bytes (what matters here is that every file survives)."""
    folder.mkdir(parents=True)
    save_toml(tiny_config(steps=steps).replace(name=name), folder / "config.toml")
    rows = [{"step": s, "time": 0.0, "loss_d": 1.0} for s in range(0, steps + 1, 10)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = [{"step": 0, "time": time.time(), "kind": "started"}]
    if status != "running":
        events.append({"step": steps, "time": time.time(), "kind": status})
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (folder / "snapshots").mkdir()
    rng = np.random.default_rng(len(folder.name))
    for step in snapshots:
        pixels = rng.integers(0, 256, (24, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / "snapshots" / f"step_{step:07d}.png")
    ckpt = folder / "checkpoints" / "step_0000020"
    ckpt.mkdir(parents=True)
    (ckpt / "weights.safetensors").write_bytes(rng.bytes(4096))
    (ckpt / "state.pt").write_bytes(rng.bytes(1024))
    return folder


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path → content hash)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_trash_and_restore_keep_every_file(tmp_path):
    run = make_run(tmp_path / "ws" / "alpha")
    before = tree(run)
    trashed = trash_run(run, now=1_800_000_000.0)
    assert not run.exists() and trashed.entry.parent == tmp_path / "ws" / TRASH
    assert trashed.entry.name.startswith("alpha-") and trashed.original == run
    assert list_runs(tmp_path / "ws") == []  # the trash is not a run
    assert [t.entry for t in list_trash(tmp_path / "ws")] == [trashed.entry]
    assert count_trash(tmp_path / "ws") == 1
    assert trashed.size >= 4096 + 1024
    back = restore(trashed.entry)
    assert back == run and tree(run) == before  # trashed.json removed, the rest identical
    assert list_trash(tmp_path / "ws") == [] and len(list_runs(tmp_path / "ws")) == 1


def test_restore_next_to_a_run_that_took_the_name(tmp_path):
    run = make_run(tmp_path / "ws" / "alpha")
    first = trash_run(run)
    make_run(tmp_path / "ws" / "alpha", snapshots=(10,))
    second = trash_run(tmp_path / "ws" / "alpha")
    assert first.entry != second.entry  # same second, still two entries
    make_run(tmp_path / "ws" / "alpha", snapshots=())
    assert restore(first.entry) == tmp_path / "ws" / "alpha-restored"
    assert restore(second.entry) == tmp_path / "ws" / "alpha-restored-2"
    assert (tmp_path / "ws" / "alpha" / "config.toml").is_file()
    assert len(list_runs(tmp_path / "ws")) == 3


def test_a_running_or_paused_run_stays(tmp_path):
    running = make_run(tmp_path / "ws" / "live", status="running")
    with pytest.raises(StudioError, match="still running"):
        trash_run(running)
    assert (running / "config.toml").is_file() and not (running / RECORD).exists()
    assert not is_live(running, now=time.time() + 3600)  # silent for an hour: lost its process
    paused = make_run(tmp_path / "ws" / "paused", status="paused")
    assert is_live(paused)
    with pytest.raises(StudioError, match="not a run folder"):
        trash_run(tmp_path / "ws")


def test_empty_trash_removes_the_files(tmp_path):
    for name in ("a", "b"):
        trash_run(make_run(tmp_path / "ws" / name))
    keep = make_run(tmp_path / "ws" / "keep")
    assert len(list_trash(tmp_path / "ws")) == 2
    assert empty_trash(tmp_path / "ws") == 2
    assert list(Path(tmp_path / "ws" / TRASH).iterdir()) == []
    assert list_trash(tmp_path / "ws") == [] and (keep / "config.toml").is_file()
    assert empty_trash(tmp_path / "nowhere") == 0


def test_a_trash_entry_whose_record_is_lost_restores_to_its_workspace(tmp_path):
    trashed = trash_run(make_run(tmp_path / "ws" / "alpha"))
    (trashed.entry / RECORD).unlink()
    found = list_trash(tmp_path / "ws")[0]
    assert found.original == tmp_path / "ws" / "alpha" and found.trashed_at is None
    assert restore(found.entry) == tmp_path / "ws" / "alpha"


def test_names_and_notes_live_in_the_run_folder(tmp_path):
    run = make_run(tmp_path / "ws" / "20261201-dcgan", name="from-config")
    assert summarize(run).name == "from-config" and summarize(run).note == ""
    set_name(run, "  my   best\nfaces ")
    set_note(run, "lr 2e-4 worked;\nmode collapse after 5k\n\n")
    assert read_notes(run) == RunNotes("my best faces", "lr 2e-4 worked;\nmode collapse after 5k")
    s = summarize(run)
    assert (s.name, s.note, s.folder.name) == ("my best faces", read_notes(run).note,
                                               "20261201-dcgan")
    set_name(run, "")
    assert summarize(run).name == "from-config" and summarize(run).note.startswith("lr 2e-4")
    assert [p.name for p in run.iterdir() if p.name.startswith(".notes-")] == []  # no temp left
    with pytest.raises(StudioError, match="at most"):
        set_name(run, "x" * 500)
    (run / NOTES).write_text("{torn")
    assert read_notes(run) == RunNotes() and summarize(run).name == "from-config"


def test_notes_survive_a_failed_write(tmp_path, monkeypatch):
    run = make_run(tmp_path / "ws" / "a")
    write_notes(run, RunNotes("kept", "old"))

    def broken_replace(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(StudioError, match="No space left"):
        write_notes(run, RunNotes("lost", "new"))
    assert read_notes(run) == RunNotes("kept", "old")
    assert sorted(p.name for p in run.iterdir() if p.suffix == ".tmp") == []


def test_latest_snapshot_is_the_highest_step(tmp_path):
    run = make_run(tmp_path / "a", snapshots=(900, 10_000_000, 20))
    path, mtime = latest_snapshot(run)
    assert path.name == "step_10000000.png" and mtime == path.stat().st_mtime
    assert summarize(run).thumbnail == path
    assert latest_snapshot(make_run(tmp_path / "b", snapshots=())) is None
    assert latest_snapshot(tmp_path / "missing") is None


def test_the_cli_trashes_lists_and_restores(tmp_path, capsys):
    from studio.cli import EXIT_USER_ERROR, main

    run = make_run(tmp_path / "ws" / "alpha", name="my alpha")
    before = tree(run)
    assert main(["runs", "trash", str(run)]) == 0 and not run.exists()
    assert main(["runs", "restore", "--workspace", str(tmp_path / "ws")]) == 0
    listed = capsys.readouterr().out
    assert "my alpha" in listed and "1 run in the trash" in listed
    assert main(["runs", "restore", "nothing-like-it", "--workspace", str(tmp_path / "ws")]
                ) == EXIT_USER_ERROR
    assert "no run 'nothing-like-it'" in capsys.readouterr().err
    assert main(["runs", "restore", "my alpha", "--workspace", str(tmp_path / "ws")]) == 0
    assert tree(run) == before
    make_run(tmp_path / "ws" / "live", status="running")
    assert main(["runs", "trash", str(tmp_path / "ws" / "live")]) == EXIT_USER_ERROR
    assert "still running" in capsys.readouterr().err
