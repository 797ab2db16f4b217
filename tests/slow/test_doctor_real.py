"""The doctor on real runs of a vanilla GAN on ring8.

D overpowering G: the minimax loss with D's rate 10× G's earns a d_wins warning with the
non-saturating fix; the healthy non-saturating run, evaluated every 50 steps, earns none. Each
of these runs is 500 steps on one thread, about 4 s.

Mode collapse: a run that has spread over the ring is pushed at step 500 by live changes, D's
rate cut to 1e-6 (D all but frozen) and G's raised to 5e-3: G races to the one spot D rates most
real, and every sample lands on one mode. The doctor warns of mode collapse after the push, never
before, and offers to lower G's rate; the same run without the push earns no warning. Each run is
1000 steps with 20 evaluations of 500 samples, about 7–10 s.

Measured: D-wins (seeds 0–7, default and SSE4 instruction sets) — the warning came at step 330
with smoothed D(x) 0.86–0.89 and D(G(z)) 0.11–0.13 against thresholds of 0.8 and 0.2. Collapse
(seeds 0–11, both instruction sets, 24 runs) — the warning came in all 24, at step 600 (one at
700), with the ring's effective modes down from 5.1–7.9 to 1.0–3.1 of 8; the same 24 runs never
warned before the push, nor did 18 unpushed ones, nor 12 of the healthy 500-step run stretched to
2000 steps. Only the test's seed (0) runs here.

Divergence: a calm run (R1 0.1) has both rates raised 50× to 5e-2 at step 400; D's loss leaps
from 1.36 to 1e5–1e7 and stays above 20. 500 steps, about 2.5 s (5 s with SSE4 kernels).
Oscillation: at step 800 a calm run switches live to a Wasserstein critic whose gradient penalty
weight is 0, the textbook game that never settles: D's loss swings in sign and ever wider. 1200
steps, about 6 s (10 s with SSE4 kernels).

Measured over seeds 0–5, both instruction sets (12 runs each): divergence — the warning came at
step 430 in all 12 with the recent mean of |loss_d| 1.4e5–8e6 against a threshold of about 14,
nothing before the push. Oscillation — called in all 12, at 940–1050, with D's loss turning back
5–9 times in 20 rows (4 needed) and swinging 4.5–5500× the larger of its usual swing and 0.15;
the divergence warning came too in 7 of them (its magnitude explodes as well).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.model_configs import GanModelConfig
from studio.runs.reader import read_evals, read_events
from studio.session import start_run
from studio.train.controls import RunControls
from studio.train.loop import NullSink

PUSH_STEP = 500
PUSH = (("lr_d", 1e-6), ("lr_g", 5e-3))  # D all but frozen, G 5× faster: it collapses


def ring_run(tmp_path, loss: str, lr_g: float, lr_d: float, evaluate: bool = False) -> list[dict]:
    """Train 500 steps on ring8 and return the run's warning events."""
    config = RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=20000),
                       model=GanModelConfig(hidden=128),
                       train=TrainConfig(steps=500, batch_size=256, loss=loss, lr_g=lr_g,
                                         lr_d=lr_d, r1_gamma=0.0, device="cpu", log_every=10,
                                         eval_every=50 if evaluate else 0, eval_samples=500,
                                         snapshot_every=10**6, checkpoint_every=10**7))
    torch.set_num_threads(1)
    assert start_run(config, tmp_path / loss).run() == "finished"
    return [e for e in read_events(tmp_path / loss) if e["kind"] == "warning"]


@pytest.mark.slow
def test_d_overpowering_g_is_diagnosed_with_the_non_saturating_fix(tmp_path):
    warnings = ring_run(tmp_path, "minimax", lr_g=2e-5, lr_d=2e-4)
    d_wins = [w for w in warnings if w["data"]["detector"] == "d_wins"]
    assert len(d_wins) == 1, warnings  # once per episode
    data = d_wins[0]["data"]
    assert data["fix"] == {"loss": "non-saturating"}
    assert data["evidence"]["d_real"] > 0.8 and data["evidence"]["d_fake"] < 0.2
    assert "non-saturating" in data["suggestion"] and data["explanation"]
    assert 200 <= d_wins[0]["step"] <= 500


@pytest.mark.slow
def test_a_healthy_ring_run_raises_no_warning(tmp_path):
    # evaluated every 50 steps while G still searches for the ring: no mode collapse either
    warnings = ring_run(tmp_path, "non-saturating", lr_g=1e-3, lr_d=1e-3, evaluate=True)
    assert warnings == []


class PushAt(NullSink):
    """Asks for live changes once the metric row of step `step` arrives (as a person would)."""

    def __init__(self, controls: RunControls, step: int, changes: tuple[tuple[str, Any], ...]):
        self.controls, self.step, self.changes = controls, step, changes

    def on_metrics(self, step: int, metrics: dict[str, float]) -> None:
        if step == self.step:
            for key, value in self.changes:
                self.controls.change(key, value)


def spread_run(tmp_path, push: bool) -> tuple[list[dict], dict[int, float]]:
    """1000 steps on ring8 that spread over the modes by step 500 (R1 keeps D smooth), evaluated
    every 50 steps; with `push`, the collapsing live changes at step 500. Returns all events and
    the modes in use at each evaluation (the effective number K·e^(−KL) of the modes' histogram)."""
    config = RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=20000),
                       model=GanModelConfig(hidden=128),
                       train=TrainConfig(steps=1000, batch_size=128, loss="non-saturating",
                                         lr_g=1e-3, lr_d=1e-3, r1_gamma=0.1, device="cpu",
                                         log_every=10, eval_every=50, eval_samples=500,
                                         snapshot_every=10**6, checkpoint_every=10**7))
    torch.set_num_threads(1)
    controls = RunControls()
    sinks = (PushAt(controls, PUSH_STEP, PUSH),) if push else ()
    folder = tmp_path / ("pushed" if push else "left alone")
    assert start_run(config, folder, sinks=sinks, controls=controls).run() == "finished"
    modes = {r["step"]: r["modes_total"] * math.exp(-r["mode_kl"]) for r in read_evals(folder)}
    return read_events(folder), modes


@pytest.mark.slow
def test_a_run_pushed_into_mode_collapse_is_diagnosed_with_a_lower_g_rate(tmp_path):
    events, modes = spread_run(tmp_path, push=True)
    # the premise: spread over the ring before the push (measured ≥ 5.1 of 8), on about one
    # mode after it (measured: down to 1.0–2.0)
    assert min(modes[s] for s in (400, 450, 500)) > 4, modes
    assert min(m for s, m in modes.items() if s > PUSH_STEP) < 3, modes
    changes = [(e["step"], e["data"]["key"]) for e in events if e["kind"] == "change"]
    assert changes == [(PUSH_STEP, "lr_d"), (PUSH_STEP, "lr_g")]
    warnings = [e for e in events if e["kind"] == "warning"]
    assert all(w["step"] > PUSH_STEP for w in warnings), warnings  # nothing before the push
    collapse = [w for w in warnings if w["data"]["detector"] == "mode_collapse"]
    assert len(collapse) == 1, warnings  # once per episode
    assert collapse[0]["step"] <= PUSH_STEP + 300  # measured: 100–200 steps after the push
    data = collapse[0]["data"]
    assert data["fix"] == {"lr_g": 2.5e-3}  # half the rate that collapsed it
    evidence = data["evidence"]
    assert evidence["modes_effective_best"] > 4  # measured 5.1–7.9
    assert evidence["modes_effective"] <= evidence["modes_effective_best"] / 2
    assert "mode collapse" in data["explanation"] and "G's learning rate" in data["suggestion"]


@pytest.mark.slow
def test_the_same_run_left_alone_raises_no_warning(tmp_path):
    events, modes = spread_run(tmp_path, push=False)
    assert min(m for s, m in modes.items() if s >= 400) > 4, modes  # measured ≥ 6.5 of 8
    assert [e for e in events if e["kind"] == "warning"] == []


def pushed_run(tmp_path, steps: int, step: int, changes: tuple[tuple[str, Any], ...],
               **train: Any) -> list[dict]:
    """A calm ring8 run of `steps` (both rates 1e-3), no evaluations, given the live `changes`
    at `step`; returns its events, after checking the changes were made."""
    settings = {"steps": steps, "batch_size": 128, "loss": "non-saturating", "lr_g": 1e-3,
                "lr_d": 1e-3, "device": "cpu", "log_every": 10, "eval_every": 0,
                "snapshot_every": 10**6, "checkpoint_every": 10**7, **train}
    config = RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=20000),
                       model=GanModelConfig(hidden=128), train=TrainConfig(**settings))
    torch.set_num_threads(1)
    controls = RunControls()
    sinks = (PushAt(controls, step, changes),)
    assert start_run(config, tmp_path, sinks=sinks, controls=controls).run() == "finished"
    events = read_events(tmp_path)
    made = [(e["step"], e["data"]["key"]) for e in events if e["kind"] == "change"]
    assert made == [(step, key) for key, _ in changes]
    return events


DIVERGE_AT = 400
DIVERGE = (("lr_d", 5e-2), ("lr_g", 5e-2))  # both rates 50× too high: every weight jumps


@pytest.mark.slow
def test_a_run_pushed_to_diverge_is_diagnosed_with_both_rates_halved(tmp_path):
    # 500 steps of a balanced run (R1 keeps it calm), both rates raised to 5e-2 at step 400:
    # D's loss leaps from 1.36 to 1e5–1e7 and stays in the tens to thousands
    events = pushed_run(tmp_path, 500, DIVERGE_AT, DIVERGE, r1_gamma=0.1)
    warnings = [e for e in events if e["kind"] == "warning"]
    assert warnings and all(w["step"] > DIVERGE_AT for w in warnings), warnings
    divergence = [w for w in warnings if w["data"]["detector"] == "divergence"]
    assert len(divergence) == 1, warnings  # once per episode
    assert divergence[0]["step"] <= DIVERGE_AT + 60  # measured: 30 steps after the push
    data = divergence[0]["data"]
    assert data["fix"] == {"lr_g": 2.5e-2, "lr_d": 2.5e-2}  # half the rates that diverged
    evidence = data["evidence"]
    assert evidence["quantity"] == "loss_d"
    assert 1.2 < evidence["usual"] < 1.6  # D's loss near its balance 2·ln 2 before the push
    # the threshold is 10× usual (≈ 14); measured 1.4e5–8e6 (mean of the 3 latest rows)
    assert evidence["recent"] > 1000 * evidence["usual"]
    assert "exploded" in data["explanation"] and "Halve both learning rates" in data["suggestion"]


SWING_AT = 800
UNCONSTRAINED = (("loss", "wgan-gp"),)  # a Wasserstein critic, but its penalty weight is 0


@pytest.mark.slow
def test_an_unconstrained_critic_is_diagnosed_as_oscillation(tmp_path):
    # The textbook non-converging game: a Wasserstein critic with nothing keeping it smooth
    # (gradient penalty λ = 0). Critic and generator circle each other: D's loss, steady near
    # 1.3 before, now swings between about ±10 and ±1000, changing sign every row or two.
    events = pushed_run(tmp_path, 1200, SWING_AT, UNCONSTRAINED, gp_weight=0.0)
    warnings = [e for e in events if e["kind"] == "warning"]
    assert warnings and all(w["step"] > SWING_AT for w in warnings), warnings
    oscillation = [w for w in warnings if w["data"]["detector"] == "oscillation"]
    assert oscillation, warnings
    assert oscillation[0]["step"] <= SWING_AT + 350  # measured: 140–250 steps after the push
    data = oscillation[0]["data"]
    assert data["fix"] == {"lr_g": 5e-4, "lr_d": 5e-4}
    evidence = data["evidence"]
    assert evidence["loss"] == "loss_d" and evidence["reversals"] >= 4
    # the threshold is 3× the usual swing (at least 0.15); measured 4.5–5500× the larger of
    # usual (0.1–0.3) and 0.15, and 68× (seed 0, default kernels), 5500× (seed 0, SSE4)
    assert evidence["swing"] > 3 * max(evidence["swing_usual"], 0.15)
    assert "swings" in data["explanation"] and "Halve both learning rates" in data["suggestion"]
