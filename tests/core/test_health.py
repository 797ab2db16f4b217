"""The run doctor on scripted metric streams: each detector fires on its failure, names the
right fix, stays silent on healthy runs and speaks once per episode. Costs well under 1 s."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from studio.config import TrainConfig
from studio.health import Diagnosis, Doctor
from studio.health.doctor import warmup_steps

ROOT = Path(__file__).resolve().parents[2]


def healthy(rng: random.Random, loss: str = "non-saturating") -> dict[str, float]:
    """A metric row of a balanced GAN: D unsure, losses near their balance values, some noise."""
    d_real, d_fake = 0.52 + rng.gauss(0, 0.03), 0.48 + rng.gauss(0, 0.03)
    loss_g = {"non-saturating": 0.7, "minimax": -0.69, "hinge": 0.1,
              "least-squares": 0.13, "wgan-gp": -0.5}[loss]
    loss_d = {"hinge": 1.8, "least-squares": 0.24, "wgan-gp": -0.3}.get(loss, 1.37)
    return {"d_real": d_real, "d_fake": d_fake, "loss_d": loss_d + rng.gauss(0, 0.04),
            "loss_g": loss_g + rng.gauss(0, 0.05), "v_real": math.log(d_real),
            "v_fake": math.log(1 - d_fake)}


def d_winning(rng: random.Random, d_real: float, d_fake: float, loss_g: float,
              loss_d: float = 0.3) -> dict[str, float]:
    return {"d_real": d_real + rng.gauss(0, 0.01), "d_fake": d_fake + rng.gauss(0, 0.01),
            "loss_d": loss_d + rng.gauss(0, 0.02), "loss_g": loss_g + rng.gauss(0, 0.02)}


def feed(doctor: Doctor, rows, start: int = 10, every: int = 10) -> list[tuple[int, Diagnosis]]:
    """Give `rows` to the doctor at steps start, start+every, …; the diagnoses with their step."""
    found = []
    for i, row in enumerate(rows):
        step = start + i * every
        found += [(step, d) for d in doctor.observe(step, row)]
    return found


def config(**train) -> TrainConfig:
    return TrainConfig(**{"steps": 2000, "log_every": 10, **train})  # warm-up: 200 steps


# -- D wins ---------------------------------------------------------------------------------
def test_d_wins_with_minimax_suggests_the_non_saturating_loss():
    rng = random.Random(0)
    doctor = Doctor(config(loss="minimax", lr_g=2e-5, lr_d=2e-4))
    rows = [healthy(rng, "minimax") for _ in range(40)]
    rows += [d_winning(rng, 0.9, 0.1, -0.11) for _ in range(100)]
    found = feed(doctor, rows)
    assert len(found) == 1
    step, d = found[0]
    assert d.detector == "d_wins"
    assert 400 + 100 <= step <= 400 + 200  # persistence: ~100 steps after smoothing caught up
    assert d.fix == {"loss": "non-saturating"}
    assert "non-saturating" in d.suggestion and "R1" in d.suggestion
    assert d.data["d_real"] == pytest.approx(0.9, abs=0.02)
    assert d.data["d_fake"] == pytest.approx(0.1, abs=0.02)
    assert d.data["loss_g"] > d.data["loss_g_balance"]
    assert d.explanation and d.title


def test_d_wins_with_non_saturating_halves_lr_d_and_needs_near_certainty():
    rng = random.Random(1)
    doctor = Doctor(config(lr_d=4e-4, r1_gamma=1.0, d_steps=3))
    # D clearly ahead but not certain: normal for image GANs, no warning
    assert feed(doctor, [d_winning(rng, 0.9, 0.1, 2.5) for _ in range(100)]) == []
    found = feed(doctor, [d_winning(rng, 0.99, 0.01, 5.0, 0.02) for _ in range(60)], 1010)
    assert [d.detector for _, d in found] == ["d_wins"]
    d = found[0][1]
    assert d.fix == {"lr_d": 2e-4}
    assert "fewer D steps" in d.suggestion and "R1" not in d.suggestion  # R1 already on


def test_d_wins_for_hinge_reads_d_loss():
    rng = random.Random(2)
    doctor = Doctor(config(loss="hinge", lr_d=1e-3))
    rows = [{"loss_d": 0.02 + abs(rng.gauss(0, 0.01)), "loss_g": 2.0 + rng.gauss(0, 0.1),
             "d_real": 0.9, "d_fake": 0.1} for _ in range(60)]
    found = feed(doctor, rows, 300)
    assert [(d.detector, d.fix) for _, d in found] == [("d_wins", {"lr_d": 5e-4})]


def test_a_wasserstein_critic_never_wins():
    rng = random.Random(3)
    doctor = Doctor(config(loss="wgan-gp"))
    rows = [d_winning(rng, 0.999, 0.001, 8.0, -5.0) for _ in range(100)]
    assert [d for _, d in feed(doctor, rows, 300) if d.detector == "d_wins"] == []


def test_d_wins_fires_once_per_episode_and_again_after_it_cleared():
    rng = random.Random(4)
    doctor = Doctor(config(loss="minimax"))
    bad = [d_winning(rng, 0.9, 0.1, -0.11) for _ in range(60)]
    good = [healthy(rng, "minimax") for _ in range(40)]
    bad2 = [d_winning(rng, 0.9, 0.1, -0.11) for _ in range(60)]
    found = feed(doctor, bad + good + bad2, 300)
    assert [d.detector for _, d in found] == ["d_wins", "d_wins"]
    assert found[1][0] > 300 + 10 * 100  # the second time in the second episode


def test_a_brief_spike_and_the_warm_up_are_ignored():
    rng = random.Random(5)
    doctor = Doctor(config(loss="minimax"))
    early = [d_winning(rng, 0.9, 0.1, -0.1) for _ in range(15)]  # steps 10 … 150: warm-up
    assert warmup_steps(2000) > 150
    rows = early + [healthy(rng, "minimax") for _ in range(30)]
    spikes = [d_winning(rng, 0.99, 0.01, -0.01) if i % 6 == 0 else healthy(rng, "minimax")
              for i in range(100)]
    assert feed(doctor, rows + spikes) == []


def test_a_live_change_of_the_loss_is_followed():
    rng = random.Random(6)
    doctor = Doctor(config(loss="minimax"))
    found = feed(doctor, [d_winning(rng, 0.9, 0.1, -0.11) for _ in range(40)], 300)
    assert found[0][1].fix == {"loss": "non-saturating"}
    doctor.note_change("loss", "non-saturating")
    # the same lead is now judged by the non-saturating standard: no new warning
    assert feed(doctor, [d_winning(rng, 0.9, 0.1, 2.3) for _ in range(60)], 800) == []
    doctor.note_change("lr_d", 1e-4)
    again = feed(doctor, [d_winning(rng, 0.99, 0.01, 5.0, 0.02) for _ in range(60)], 1500)
    assert [d.fix for _, d in again] == [{"lr_d": 5e-5}]


# -- mode collapse --------------------------------------------------------------------------
def observe_evals(doctor: Doctor, rows, every: int = 500) -> list[tuple[int, Diagnosis]]:
    found = []
    for i, row in enumerate(rows):
        step = (i + 1) * every
        found += [(step, d) for d in doctor.observe_eval(step, row)]
    return found


def test_mode_collapse_from_falling_recall_names_the_vanished_class():
    doctor = Doctor(config(lr_g=4e-4))
    data = {"circle": 0.4, "square": 0.3, "triangle": 0.3}
    even = {"circle": 0.4, "square": 0.3, "triangle": 0.3}
    rows = [{"recall": 0.55, "precision": 0.7, "classes": {"circle": 0.35, "square": 0.35,
                                                           "triangle": 0.3}},
            {"recall": 0.65, "classes": even}, {"recall": 0.6, "classes": even},
            {"recall": 0.25, "classes": {"circle": 0.8, "square": 0.18, "triangle": 0.02}},
            {"recall": 0.2, "classes": {"circle": 0.85, "square": 0.14, "triangle": 0.01}},
            {"recall": 0.2, "classes": {"circle": 0.9, "square": 0.1, "triangle": 0.0}}]
    for row in rows:
        row["data_classes"] = data
    found = observe_evals(doctor, rows)
    assert len(found) == 1
    step, d = found[0]
    assert (step, d.detector) == (2500, "mode_collapse")  # two evaluations in a row
    assert d.fix == {"lr_g": 2e-4}
    assert d.data["missing_classes"] == ["triangle"]  # square 0.14 > 0.25 × 0.3: still there
    assert "triangle" in d.explanation and "recall" in d.explanation
    assert d.data["recall_best"] == 0.55  # the best level held for three evaluations
    assert "minibatch" in d.suggestion


def test_mode_collapse_from_diversity_and_lost_modes():
    doctor = Doctor(config())
    rows = [{"diversity": 0.95, "modes_covered": 8, "modes_total": 8},
            {"diversity": 0.9, "modes_covered": 7, "modes_total": 8},
            {"diversity": 0.95, "modes_covered": 8, "modes_total": 8},
            {"diversity": 0.3, "modes_covered": 3, "modes_total": 8},
            {"diversity": 0.2, "modes_covered": 2, "modes_total": 8}]
    found = observe_evals(doctor, rows)
    assert [(s, d.detector) for s, d in found] == [(2500, "mode_collapse")]
    d = found[0][1]
    assert d.data["modes_covered"] == 2 and d.data["modes_best"] == 7
    assert d.data["diversity"] == 0.2
    assert "missing_classes" not in d.data


def test_modes_crowding_together_count_by_their_histogram_not_sharpness():
    """With mode_kl the effective number of modes K·e^(−KL) decides; a blurry but even G whose
    sharp-sample count (modes_covered) wanders is no collapse."""
    doctor = Doctor(config(lr_g=1e-3))
    blurry = [{"modes_covered": m, "modes_total": 8, "mode_kl": 0.02, "diversity": 1.0}
              for m in (8, 7, 8, 3, 2, 3)]
    assert observe_evals(doctor, blurry) == []
    crowded = [{"modes_covered": 1, "modes_total": 8, "mode_kl": kl, "diversity": 0.8}
               for kl in (1.2, 2.0)]
    found = observe_evals(doctor, blurry + crowded)
    assert [(s, d.detector, d.fix) for s, d in found] == [(4000, "mode_collapse",
                                                           {"lr_g": 5e-4})]
    d = found[0][1]
    assert d.data["modes_effective"] == pytest.approx(8 * math.exp(-2.0), rel=1e-3)
    assert d.data["modes_effective_best"] == pytest.approx(8 * math.exp(-0.02), rel=1e-3)
    assert "1.1 of 8 modes" in d.explanation


def test_a_gan_still_searching_for_the_data_is_no_collapse():
    """Early on a GAN wanders: a lucky evaluation or two is not a level it held and lost."""
    doctor = Doctor(config())
    rows = [{"recall": r, "diversity": v, "modes_covered": m, "modes_total": 8}
            for r, v, m in ((0.0, 0.3, 0), (0.45, 0.9, 3), (0.4, 0.55, 4), (0.0, 0.2, 0),
                            (0.05, 0.25, 0), (0.9, 1.0, 8))]
    assert observe_evals(doctor, rows) == []


def test_a_class_that_never_appeared_alone_is_no_collapse():
    doctor = Doctor(config())
    rows = [{"recall": 0.5, "classes": {"a": 0.5, "b": 0.5, "c": 0.0}} for _ in range(4)]
    assert observe_evals(doctor, rows) == []


def test_healthy_evaluations_stay_silent():
    rng = random.Random(7)
    doctor = Doctor(config(steps=20000))
    rows = [{"recall": 0.3 + 0.4 * min(1, i / 10) + rng.gauss(0, 0.05),
             "coverage": 0.6 + rng.gauss(0, 0.05), "diversity": 0.9 + rng.gauss(0, 0.05),
             "modes_covered": rng.choice([7, 8]), "modes_total": 8,
             "classes": {"a": 0.5 + rng.gauss(0, 0.05), "b": 0.5 + rng.gauss(0, 0.05)}}
            for i in range(40)]
    assert observe_evals(doctor, rows) == []


# -- oscillation and divergence -------------------------------------------------------------
def test_growing_swings_are_an_oscillation_and_halve_both_rates():
    rng = random.Random(8)
    doctor = Doctor(config(lr_g=1e-3, lr_d=2e-3))
    calm = [healthy(rng) for _ in range(150)]
    swinging = []
    for i in range(80):
        row = healthy(rng)
        row["loss_d"] += (0.03 + 0.01 * i) * (-1) ** i  # amplitude grows 0.03 → 0.8
        swinging.append(row)
    found = feed(doctor, calm + swinging)
    assert [d.detector for _, d in found] == ["oscillation"]
    d = found[0][1]
    assert d.fix == {"lr_g": 5e-4, "lr_d": 1e-3}
    assert d.data["loss"] == "loss_d" and d.data["swing"] > 3 * d.data["swing_usual"]


def spiked(rng: random.Random) -> list[dict[str, float]]:
    """A calm run whose losses spike once (a rate pushed far too high, as on a real ring8 run)
    and then settle, D ahead, on a new level: loss_d 1.37 → 92 → 9 → 0.6 → 0.5."""
    rows = [healthy(rng) for _ in range(150)]
    for loss_d, loss_g in ((92.0, 41.0), (9.0, 4.6), (0.64, 2.2)):
        rows.append({**healthy(rng), "loss_d": loss_d, "loss_g": loss_g})
    for _ in range(60):
        row = healthy(rng)
        row.update(loss_d=0.5 + rng.gauss(0, 0.02), loss_g=2.0 + rng.gauss(0, 0.04))
        rows.append(row)
    return rows


def test_a_single_spike_that_fades_is_divergence_but_no_oscillation():
    rng = random.Random(13)
    found = feed(Doctor(config(lr_g=1e-2, lr_d=1e-2)), spiked(rng))
    # one up-and-down jump dwarfs the usual swing and goes back and forth, yet it does not
    # come back again: the big moves change direction once, not the four times of a swing
    assert [d.detector for _, d in found] == ["divergence"]
    assert found[0][0] == 1530  # the spike's row (1510) and two more
    assert found[0][1].fix == {"lr_g": 5e-3, "lr_d": 5e-3}


def test_repeated_swings_after_a_spike_are_still_an_oscillation():
    rng = random.Random(14)
    rows = spiked(rng)
    for i, row in enumerate(rows[-40:]):  # the new level swings by ±0.8 every other row
        row["loss_g"] += 0.8 * (-1) ** i
    found = feed(Doctor(config(lr_g=1e-2, lr_d=1e-2)), rows)
    assert [d.detector for _, d in found] == ["divergence", "oscillation"]
    assert found[1][1].data["loss"] == "loss_g" and found[1][1].data["reversals"] >= 4


def test_an_exploding_loss_is_divergence():
    rng = random.Random(9)
    doctor = Doctor(config(lr_g=2e-4, lr_d=2e-4))
    rows = [healthy(rng) for _ in range(60)]
    for i in range(30):
        row = healthy(rng)
        row["loss_d"] = 1.4 * 1.25**i  # doubles every ~3 rows
        rows.append(row)
    found = feed(doctor, rows)
    assert [d.detector for _, d in found][:1] == ["divergence"]
    d = found[0][1]
    assert d.fix == {"lr_g": 1e-4, "lr_d": 1e-4}
    assert d.data["quantity"] == "loss_d" and d.data["recent"] >= 10


def test_g_loss_growing_because_d_wins_is_not_called_divergence():
    rng = random.Random(10)
    doctor = Doctor(config())
    rows = [healthy(rng) for _ in range(60)]
    rows += [d_winning(rng, 0.999, 0.0005, 4 + 0.5 * i, 0.001) for i in range(40)]
    assert [d.detector for _, d in feed(doctor, rows)] == ["d_wins"]


@pytest.mark.parametrize("loss", ["non-saturating", "minimax", "hinge", "least-squares",
                                  "wgan-gp"])
def test_a_long_healthy_run_raises_nothing(loss):
    rng = random.Random(11)
    doctor = Doctor(config(loss=loss, steps=20000))
    rows = []
    for i in range(1000):  # 10 000 steps, twice the history the doctor keeps
        row = healthy(rng, loss)
        drift = 0.2 * math.sin(i / 50)  # slow wandering, as real losses do
        row["loss_g"] += drift
        row["loss_d"] -= drift / 2
        if loss == "wgan-gp":
            row["gp"] = abs(rng.gauss(0.02, 0.01))
        else:
            row["r1"] = abs(rng.gauss(0.3, 0.1))
        rows.append(row)
    assert feed(doctor, rows) == []


def test_rows_lacking_keys_or_holding_text_are_tolerated():
    doctor = Doctor(config())
    rows = [{"loss_d": 1.0, "note": "x"}, {}, {"d_real": "nan"}] * 50
    assert feed(doctor, rows, 300) == []
    assert doctor.observe_eval(1000, {"features": "inception", "classes": {}}) == []


def test_rewind_forgets_the_rows_after_the_step():
    rng = random.Random(12)
    doctor = Doctor(config(loss="minimax"))
    feed(doctor, [healthy(rng, "minimax") for _ in range(30)], 300)
    feed(doctor, [d_winning(rng, 0.9, 0.1, -0.11) for _ in range(8)], 600)  # not yet due
    doctor.rewind(590)
    assert max(s for s, _ in doctor.history["train"].rows) == 590
    # the streak was reset: the warning needs its full persistence again
    assert feed(doctor, [d_winning(rng, 0.9, 0.1, -0.11) for _ in range(8)], 600) == []


def test_the_doctor_needs_no_torch():
    code = "import sys, studio.health; assert 'torch' not in sys.modules, 'torch imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
