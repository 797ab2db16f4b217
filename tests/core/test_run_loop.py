"""The run loop and run folder: exact resume, controls, live changes, NaN stop, atomic files,
the doctor's warnings."""

from __future__ import annotations

import json
import threading
import time

import pytest
import torch
from PIL import Image

from studio.data import open_dataset
from studio.errors import RunFolderError, TrainingDiverged
from studio.health import Diagnosis, Doctor
from studio.runs import checkpoints
from studio.runs.reader import read_events, read_metrics, run_status
from studio.session import resume_run, start_run
from studio.train.base import DataInfo
from studio.train.controls import RunControls
from studio.train.loop import RunLoop
from studio.train.registry import make_trainer
from tests.core.helpers import tiny_config


def final_weights(folder):
    path = checkpoints.latest_checkpoint(folder / "checkpoints")
    return checkpoints.load_checkpoint(path)


def without_time(rows):
    return [{k: v for k, v in r.items() if k != "time"} for r in rows]


@pytest.mark.parametrize(("variant", "dataset", "recover"), [
    ("gan", "ring8", False), ("dcgan", "shapes", False), ("cgan", "shapes", False),
    ("gan", "ring8", True)])  # keeping copies for a NaN rollback must not change a thing
def test_resume_continues_exactly(tmp_path, variant, dataset, recover):
    n = 10
    config = tiny_config(variant, dataset, steps=2 * n, checkpoint_every=n, log_every=3,
                         ema_decay=0.5 if variant == "dcgan" else 0.0, recover_nan=recover)
    straight = tmp_path / "straight"
    assert start_run(config, straight).run() == "finished"

    halves = tmp_path / "halves"
    start_run(config.replace(train=config.train.replace(steps=n)), halves).run()
    resumed = resume_run(halves, steps=2 * n)
    assert resumed.loop.step == n
    assert resumed.run() == "finished"

    # every row at the logging cadence is identical; the first segment adds one partial row
    # at its last step (10), which the straight run has no reason to log
    cadence = [r for r in without_time(read_metrics(halves)) if r["step"] != n]
    assert cadence == without_time(read_metrics(straight))
    assert [r["step"] for r in read_metrics(straight)] == [3, 6, 9, 12, 15, 18, 20]
    a, b = final_weights(straight), final_weights(halves)
    assert a.step == b.step == 2 * n
    assert a.weights.keys() == b.weights.keys()
    for key in a.weights:
        assert torch.equal(a.weights[key], b.weights[key]), key
    assert [e["kind"] for e in read_events(halves)] == [
        "started", "finished", "resumed", "finished"]


def test_run_folder_layout_and_cadence(tmp_path):
    config = tiny_config("dcgan", "shapes", steps=20, snapshot_every=10, checkpoint_every=5,
                         keep_checkpoints=2, log_every=4)
    start_run(config, tmp_path / "run").run()
    run = tmp_path / "run"
    assert (run / "config.toml").exists()
    assert [r["step"] for r in read_metrics(run)] == [4, 8, 12, 16, 20]
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == ["step_0000015", "step_0000020"]  # only the newest two kept
    snaps = sorted(p.name for p in (run / "snapshots").iterdir())
    assert snaps == ["step_0000010.png", "step_0000020.png"]
    with Image.open(run / "snapshots" / "step_0000020.png") as img:
        # 16 samples of 32 px in a 4×4 grid with 2 px gaps
        assert img.size == (4 * 34 + 2, 4 * 34 + 2) and img.mode == "RGB"
    assert run_status(read_events(run)) == "finished"


def test_out_folder_that_holds_a_run_is_refused(tmp_path):
    config = tiny_config(steps=2)
    start_run(config, tmp_path / "run").run()
    with pytest.raises(RunFolderError, match="not empty"):
        start_run(config, tmp_path / "run")


def run_in_thread(session):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("status", session.run()))
    thread.start()
    return thread, result


def wait_for(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_pause_resume_stop_from_another_thread(tmp_path):
    controls = RunControls()
    session = start_run(tiny_config(steps=100_000, checkpoint_every=10**6), tmp_path / "run",
                        controls=controls)
    thread, result = run_in_thread(session)
    wait_for(lambda: session.loop.step > 5)
    controls.pause()
    wait_for(lambda: any(e["kind"] == "paused" for e in read_events(tmp_path / "run")))
    paused_at = session.loop.step
    time.sleep(0.2)
    assert session.loop.step == paused_at  # no steps while paused
    controls.resume()
    wait_for(lambda: session.loop.step > paused_at + 5)
    controls.stop(save=True)
    thread.join(10)
    assert result["status"] == "stopped"
    stopped_at = session.loop.step
    assert final_weights(tmp_path / "run").step == stopped_at
    kinds = [e["kind"] for e in read_events(tmp_path / "run")]
    assert kinds == ["started", "paused", "continued", "stopped"]


def test_live_loss_and_learning_rate_changes_are_applied_and_logged(tmp_path):
    controls = RunControls()
    controls.change("loss", "minimax")
    controls.change("lr_d", 5e-4)
    controls.change("loss", "no-such-loss")
    session = start_run(tiny_config(steps=4), tmp_path / "run", controls=controls)
    session.run()
    trainer = session.loop.trainer
    assert trainer.loss == "minimax"
    assert trainer.opt_d.param_groups[0]["lr"] == 5e-4
    events = read_events(tmp_path / "run")
    changes = [e["data"] for e in events if e["kind"] == "change"]
    assert changes == [{"key": "loss", "old": "non-saturating", "new": "minimax"},
                       {"key": "lr_d", "old": 2e-4, "new": 5e-4}]
    refused = [e for e in events if e["kind"] == "warning"]
    assert len(refused) == 1 and "no-such-loss" in refused[0]["message"]
    # the changed loss survives a resume because it is part of the trainer state
    assert resume_run(tmp_path / "run", steps=6).loop.trainer.loss == "minimax"


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    session = start_run(tiny_config(steps=40, checkpoint_every=10, log_every=5),
                        tmp_path / "run")
    trainer = session.loop.trainer
    real_step = trainer.train_step

    def poisoned(batch):
        metrics = real_step(batch)
        if trainer.steps >= 13:
            metrics["loss_d"] = torch.tensor(float("nan"))
        return metrics

    trainer.train_step = poisoned
    with pytest.raises(TrainingDiverged, match="loss_d became nan by step 15") as info:
        session.run()
    assert "step 10" in str(info.value)
    assert final_weights(tmp_path / "run").step == 10
    last = read_events(tmp_path / "run")[-1]
    assert last["kind"] == "failed" and "diverged" in last["message"]
    assert (tmp_path / "run" / "failure.txt").read_text().count("TrainingDiverged") >= 1
    assert max(r["step"] for r in read_metrics(tmp_path / "run")) == 10


def test_a_crash_while_saving_leaves_no_half_checkpoint(tmp_path, monkeypatch):
    folder = tmp_path / "ckpt"
    w = {"a": torch.ones(3)}
    checkpoints.save_checkpoint(folder, 1, w, {"x": 1}, {}, keep=3)

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints.torch, "save", broken_save)
    with pytest.raises(OSError):
        checkpoints.save_checkpoint(folder, 2, w, {"x": 2}, {}, keep=3)
    assert [p.name for p in checkpoints.list_checkpoints(folder)] == ["step_0000001"]
    assert checkpoints.load_checkpoint(checkpoints.latest_checkpoint(folder)).state == {"x": 1}


def test_checkpoint_state_is_loaded_without_executing_code(tmp_path):
    folder = tmp_path / "ckpt"
    path = checkpoints.save_checkpoint(folder, 1, {"a": torch.ones(1)}, {"x": 1}, {}, keep=1)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    import pickle
    (path / "state.pt").write_bytes(pickle.dumps(Evil(), protocol=2))
    with pytest.raises(RunFolderError, match=r"state\.pt is damaged"):  # its hash no longer fits
        checkpoints.load_checkpoint(path)
    meta = json.loads((path / "meta.json").read_text())
    del meta["files"]  # a checkpoint from before hashes: the pickle reaches the safe loader
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(RunFolderError, match="not a readable training-state file"):
        checkpoints.load_checkpoint(path)


def test_metrics_rows_are_flushed_json_lines(tmp_path):
    session = start_run(tiny_config(steps=5, log_every=1), tmp_path / "run")
    session.run()
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3, 4, 5]


class Recorder:
    """A sink that keeps the events and evaluation steps it is given."""

    def __init__(self):
        self.events, self.evals = [], []

    def on_event(self, event):
        self.events.append(event)

    def on_eval(self, step, row):
        self.evals.append(step)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class StubDoctor:
    """Records what the loop tells it; diagnoses D winning at step 10."""

    def __init__(self):
        self.rows, self.evals, self.changes = [], [], []

    def observe(self, step, row):
        self.rows.append((step, sorted(row)))
        if step != 10:
            return []
        return [Diagnosis("d_wins", "D wins", "D is too sure.", "Switch the loss.",
                          {"loss": "non-saturating"}, {"d_real": 0.97})]

    def observe_eval(self, step, row):
        self.evals.append((step, row))
        return []

    def note_change(self, key, value):
        self.changes.append((key, value))

    def rewind(self, step):
        pass


def test_the_doctor_hears_every_row_and_its_diagnoses_become_warnings():
    config = tiny_config(steps=12, log_every=5, eval_every=6)
    data = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
    controls, sink = RunControls(), Recorder()
    controls.change("lr_d", 1e-4)
    loop = RunLoop(trainer, data, config.train, sink, controls,
                   evaluator=lambda t: {"recall": 0.5})
    assert isinstance(loop.doctor, Doctor)  # on by default
    loop.doctor = doctor = StubDoctor()
    assert loop.run() == "finished"
    assert [s for s, _ in doctor.rows] == [5, 10, 12]
    assert "loss_d" in doctor.rows[0][1] and "d_real" in doctor.rows[0][1]
    assert doctor.evals == [(6, {"recall": 0.5}), (12, {"recall": 0.5})]
    assert doctor.changes == [("lr_d", 1e-4)]
    (warning,) = [e for e in sink.events if e.kind == "warning"]
    assert warning.step == 10
    assert warning.message == "D wins. Switch the loss."
    assert warning.data == {"detector": "d_wins", "title": "D wins",
                            "explanation": "D is too sure.", "suggestion": "Switch the loss.",
                            "fix": {"loss": "non-saturating"}, "evidence": {"d_real": 0.97}}


def test_the_doctor_can_be_turned_off():
    config = tiny_config(steps=2, doctor=False)
    data = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
    assert RunLoop(trainer, data, config.train, Recorder()).doctor is None


def test_a_fault_in_the_doctor_turns_it_off_but_the_run_goes_on():
    config = tiny_config(steps=10, log_every=5)
    data = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
    sink = Recorder()
    loop = RunLoop(trainer, data, config.train, sink)
    broken = StubDoctor()
    broken.observe = lambda step, row: 1 / 0
    loop.doctor = broken
    assert loop.run() == "finished"
    assert loop.doctor is None
    (warning,) = [e for e in sink.events if e.kind == "warning"]
    assert warning.step == 5 and "ZeroDivisionError" in warning.message


def test_a_2d_run_keeps_its_game_beside_each_snapshot(tmp_path):
    """CLI and studio runs alike: the game view replays any 2-D run's timelapse."""
    from studio.data.game_grid import GAME_GRID
    from studio.runs.game_states import load_game_arrays

    config = tiny_config("gan", "ring8", steps=20, snapshot_every=10)
    start_run(config, tmp_path / "run").run()
    snaps = tmp_path / "run" / "snapshots"
    assert sorted(p.name for p in snaps.glob("*.game.npz")) == [
        "step_0000010.game.npz", "step_0000020.game.npz"]
    state = load_game_arrays(snaps / "step_0000020.game.npz")
    assert int(state["step"]) == 20 and state["fake"].shape[1] == 2
    assert state["heat"].shape == (GAME_GRID, GAME_GRID)
    assert 0.0 <= state["heat"].min() <= state["heat"].max() <= 1.0
    assert state["real"].shape[1] == 2 and len(state["real"]) > 100
    covered, total, share = state["coverage"]
    assert total == 8 and 0 <= covered <= 8 and 0.0 <= share <= 1.0
    assert not list(snaps.glob(".*tmp"))  # no temp file left behind
    image_run = tiny_config("dcgan", "shapes", steps=10, snapshot_every=10)
    start_run(image_run, tmp_path / "images").run()
    assert not list((tmp_path / "images" / "snapshots").glob("*.npz"))
