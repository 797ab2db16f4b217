"""The doctor on real runs: a vanilla GAN on ring8 whose D overpowers G (minimax loss, D's rate
10× G's) earns a d_wins warning with the non-saturating fix; the healthy non-saturating run earns
none. Each run is 500 steps on one thread, about 4 s.

Measured (seeds 0–7, default and SSE4 instruction sets): the warning came at step 330, the
earliest the warm-up, smoothing and persistence allow, with smoothed D(x) 0.86–0.89 and
D(G(z)) 0.11–0.13 against thresholds of 0.8 and 0.2; the healthy runs stayed near 0.5 and 0.5.
"""

from __future__ import annotations

import pytest
import torch

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.model_configs import GanModelConfig
from studio.runs.reader import read_events
from studio.session import start_run


def ring_run(tmp_path, loss: str, lr_g: float, lr_d: float) -> list[dict]:
    """Train 500 steps on ring8 and return the run's warning events."""
    config = RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=20000),
                       model=GanModelConfig(hidden=128),
                       train=TrainConfig(steps=500, batch_size=256, loss=loss, lr_g=lr_g,
                                         lr_d=lr_d, r1_gamma=0.0, device="cpu", log_every=10,
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
    warnings = ring_run(tmp_path, "non-saturating", lr_g=1e-3, lr_d=1e-3)
    assert warnings == []
