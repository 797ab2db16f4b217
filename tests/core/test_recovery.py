"""NaN rollback: a run that blows up goes back to its last good state with halved learning
rates, logs why, and finishes; after three rollbacks it fails as before. About 3 s in all."""

from __future__ import annotations

import pytest
import torch

from studio.errors import TrainingDiverged
from studio.runs import checkpoints
from studio.runs.reader import read_events, read_metrics
from studio.session import start_run
from studio.train.controls import RunControls
from studio.train.loop import Checkpoint
from studio.train.recovery import MAX_ROLLBACKS, Recovery, clone_state, copied
from tests.core.helpers import tiny_config


def poison(session, from_step: int, while_lr_above: float = 0.0, where: str = "loss"):
    """Make the trainer blow up from step `from_step` on while its lr_d exceeds the bound."""
    trainer = session.loop.trainer
    real_step = trainer.train_step

    def poisoned(batch):
        metrics = real_step(batch)
        if trainer.steps >= from_step and trainer.opt_d.param_groups[0]["lr"] > while_lr_above:
            if where == "loss":
                metrics["loss_d"] = torch.tensor(float("nan"))
            else:
                with torch.no_grad():
                    next(trainer.G.parameters()).fill_(float("inf"))
        return metrics

    trainer.train_step = poisoned


def rollback_warnings(folder):
    return [e for e in read_events(folder) if e["kind"] == "warning"
            and e.get("data", {}).get("detector") == "nan_rollback"]


def latest_weights(folder):
    return checkpoints.load_checkpoint(checkpoints.latest_checkpoint(folder / "checkpoints"))


def without_time(rows):
    return [{k: v for k, v in r.items() if k != "time"} for r in rows]


def test_a_nan_rolls_back_halves_the_rates_and_the_run_finishes(tmp_path):
    config = tiny_config(steps=40, checkpoint_every=10, log_every=5, recover_nan=True)
    session = start_run(config, tmp_path / "run")
    poison(session, from_step=13, while_lr_above=1.5e-4)  # gone once the rates are halved
    assert session.run() == "finished"
    trainer = session.loop.trainer
    assert trainer.opt_g.param_groups[0]["lr"] == trainer.opt_d.param_groups[0]["lr"] == 1e-4

    events = read_events(tmp_path / "run")
    (warning,) = rollback_warnings(tmp_path / "run")
    assert warning["step"] == 10
    data = warning["data"]
    assert set(data) == {"detector", "title", "explanation", "suggestion", "fix", "evidence"}
    assert data["fix"] == {}
    assert data["evidence"] == {"failed_at": 15, "restored_step": 10, "rollback": 1,
                                "max_rollbacks": 3, "lr_g_before": 2e-4, "lr_d_before": 2e-4,
                                "lr_g": 1e-4, "lr_d": 1e-4}
    assert "loss_d became nan" in data["explanation"]
    changes = [(e["step"], e["data"]) for e in events if e["kind"] == "change"]
    assert changes == [(10, {"key": "lr_g", "old": 2e-4, "new": 1e-4}),
                       (10, {"key": "lr_d", "old": 2e-4, "new": 1e-4})]
    assert events[-1]["kind"] == "finished"
    rows = read_metrics(tmp_path / "run")  # the reader keeps the re-done rows, not the NaN ones
    assert [r["step"] for r in rows] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert all(r["loss_d"] == r["loss_d"] for r in rows)  # no NaN left


def test_the_rollback_returns_exactly_to_the_checkpoint(tmp_path):
    """Rolled back at step 15 to 10 with halved rates ≡ a run whose rates were halved at 10."""
    config = tiny_config(steps=30, checkpoint_every=10, log_every=5, recover_nan=True)
    rolled = start_run(config, tmp_path / "rolled")
    poison(rolled, from_step=13, while_lr_above=1.5e-4)
    assert rolled.run() == "finished"

    controls = RunControls()
    straight = start_run(config, tmp_path / "straight", controls=controls)
    trainer = straight.loop.trainer
    real_step = trainer.train_step

    def halve_at_ten(batch):
        metrics = real_step(batch)
        if trainer.steps == 10:  # applied before step 11, as the rollback's changes are
            controls.change("lr_g", 1e-4)
            controls.change("lr_d", 1e-4)
        return metrics

    trainer.train_step = halve_at_ten
    assert straight.run() == "finished"
    a, b = latest_weights(tmp_path / "rolled"), latest_weights(tmp_path / "straight")
    assert a.step == b.step == 30
    for key in a.weights:
        assert torch.equal(a.weights[key], b.weights[key]), key
    assert without_time(read_metrics(tmp_path / "rolled")) == \
        without_time(read_metrics(tmp_path / "straight"))


def test_after_three_rollbacks_the_run_fails_as_before(tmp_path):
    config = tiny_config(steps=40, checkpoint_every=10, log_every=5, recover_nan=True)
    session = start_run(config, tmp_path / "run")
    poison(session, from_step=13)  # whatever the rate
    with pytest.raises(TrainingDiverged, match="after 3 automatic rollbacks"):
        session.run()
    events = read_events(tmp_path / "run")
    warnings = rollback_warnings(tmp_path / "run")
    assert [w["data"]["evidence"]["rollback"] for w in warnings] == [1, 2, 3]
    assert [w["data"]["evidence"]["lr_d"] for w in warnings] == [1e-4, 5e-5, 2.5e-5]
    assert sum(e["kind"] == "change" for e in events) == 2 * MAX_ROLLBACKS
    assert events[-1]["kind"] == "failed" and "diverged" in events[-1]["message"]
    assert latest_weights(tmp_path / "run").step == 10


def test_before_any_checkpoint_it_returns_to_the_start(tmp_path):
    config = tiny_config(steps=12, checkpoint_every=100, log_every=2, recover_nan=True)
    session = start_run(config, tmp_path / "run")
    poison(session, from_step=3, while_lr_above=1.5e-4)
    assert session.run() == "finished"
    (warning,) = rollback_warnings(tmp_path / "run")
    assert warning["data"]["evidence"]["restored_step"] == 0
    assert warning["data"]["evidence"]["failed_at"] == 4
    assert [r["step"] for r in read_metrics(tmp_path / "run")] == [2, 4, 6, 8, 10, 12]


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")  # the Inf snapshot
def test_a_nan_weight_found_at_a_checkpoint_rolls_back_too(tmp_path):
    config = tiny_config(steps=30, checkpoint_every=10, log_every=100, recover_nan=True)
    session = start_run(config, tmp_path / "run")
    poison(session, from_step=13, while_lr_above=1.5e-4, where="weights")
    assert session.run() == "finished"
    (warning,) = rollback_warnings(tmp_path / "run")
    assert warning["data"]["evidence"]["failed_at"] == 20
    assert warning["data"]["evidence"]["restored_step"] == 10
    final = latest_weights(tmp_path / "run")
    assert all(torch.isfinite(w).all() for w in final.weights.values())


def test_without_recover_nan_the_run_still_stops(tmp_path):
    session = start_run(tiny_config(steps=40, checkpoint_every=10, log_every=5),
                        tmp_path / "run")
    poison(session, from_step=13, while_lr_above=1.5e-4)
    with pytest.raises(TrainingDiverged, match="loss_d became nan by step 15"):
        session.run()
    assert rollback_warnings(tmp_path / "run") == []


def test_the_kept_state_is_a_copy_not_a_view():
    param = torch.ones(3)
    moments = {"state": {0: {"exp_avg": torch.zeros(3), "step": torch.tensor(1.0)}},
               "param_groups": [{"lr": 1e-3, "params": [0]}]}
    recovery = Recovery(tiny_config(recover_nan=True).train)
    recovery.keep(Checkpoint(5, {"w": param}, {"opt": moments, "loop": {"step": 5}}))
    param.add_(1)  # training goes on in place …
    moments["state"][0]["exp_avg"].add_(1)
    kept = recovery.last
    assert torch.equal(kept.weights["w"], torch.ones(3))
    assert torch.equal(kept.state["opt"]["state"][0]["exp_avg"], torch.zeros(3))
    fresh = copied(kept)  # each restore gets its own copy, so the kept one stays pristine
    fresh.weights["w"].add_(5)
    assert torch.equal(kept.weights["w"], torch.ones(3))
    assert clone_state({"a": [1, (2, "x")]}) == {"a": [1, (2, "x")]}
