"""StyleGAN training: metrics, style mixing, lazy R1, EMA, growth, sampling and exact resume."""

from __future__ import annotations

import math
import statistics
import sys
import types

import pytest
import torch

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import open_dataset
from studio.model_configs import StyleganModelConfig
from studio.runs.reader import read_metrics
from studio.session import resume_run, start_run
from studio.train import losses
from studio.train import stylegan as sg
from studio.train.base import DataInfo, unprefixed
from studio.train.registry import make_trainer
from studio.train.sampler import BatchSampler
from studio.variants import default_train_settings
from tests.core.test_run_loop import final_weights, without_time

CPU = torch.device("cpu")
METRICS = {"loss_d", "loss_g", "d_real", "d_fake", "v_real", "v_fake", "r1", "d_accuracy",
           "resolution", "fade"}


pytestmark = pytest.mark.usefixtures("one_thread")


def config(steps: int = 10, resolution: int = 16, train: dict | None = None,
           **model: object) -> RunConfig:
    """A tiny StyleGAN on the shapes set, with the variant's own [train] defaults."""
    t = {**default_train_settings("stylegan"), "steps": steps, "batch_size": 8,
         "device": "cpu", "log_every": 5, "snapshot_every": 10**6, "checkpoint_every": 10**6,
         "snapshot_count": 4, **(train or {})}
    m = {"z_dim": 16, "w_dim": 16, "mapping_layers": 2, "channel_base": 128,
         "max_channels": 16, **model}
    return RunConfig(variant="stylegan",
                     data=DataConfig(dataset="shapes", size=64, resolution=resolution),
                     model=StyleganModelConfig(**m), train=TrainConfig(**t))


def trainer_and_batches(cfg: RunConfig):
    data = open_dataset(cfg.data)
    trainer = make_trainer(cfg, DataInfo.of(data), CPU)
    sampler = BatchSampler(len(data), cfg.train.batch_size, cfg.train.seed)
    return trainer, (data.batch(sampler.next()) for _ in range(10**6))


def test_variant_defaults_and_every_metric_on_every_step():
    cfg = config(r1_interval=2)
    assert (cfg.train.lr_g, cfg.train.beta1, cfg.train.beta2) == (0.002, 0.0, 0.99)
    trainer, batches = trainer_and_batches(cfg)
    for _ in range(3):
        metrics = trainer.train_step(next(batches))
        assert set(metrics) == METRICS
        assert all(math.isfinite(float(v)) for v in metrics.values())
    assert 0.0 <= float(metrics["d_accuracy"]) <= 1.0
    assert (metrics["resolution"], metrics["fade"]) == (16.0, 1.0)
    images = trainer.sample(3, seed=5)
    assert images.shape == (3, 3, 16, 16) and images.abs().max() <= 1.0
    assert torch.equal(images, trainer.sample(3, seed=5))
    same = trainer.sample(3, seed=5, psi=0.0)  # every latent truncated to the average
    assert torch.equal(same[0], same[1]) and torch.equal(same[1], same[2])
    assert trainer.snapshot().shape == (4, 3, 16, 16)


def test_lazy_r1_only_on_interval_steps(monkeypatch):
    calls = []
    real_r1 = losses.r1_penalty

    def counting(real, logits):
        calls.append(trainer.steps)
        return real_r1(real, logits)

    monkeypatch.setattr(losses, "r1_penalty", counting)
    trainer, batches = trainer_and_batches(config(r1_interval=3))
    r1 = [float(trainer.train_step(next(batches))["r1"]) for _ in range(7)]
    assert calls == [0, 3, 6]
    assert r1[0] == r1[1] == r1[2] and r1[3] == r1[4] == r1[5]  # the last value is reported
    assert r1[0] != r1[3] != r1[6] and r1[0] > 0


def test_r1_is_scaled_by_its_interval(monkeypatch):
    """The D loss on an R1 step adds γ/2 · R1 · interval."""
    trainer, batches = trainer_and_batches(config(r1_interval=4))
    base = losses.D_LOSSES[trainer.loss]
    seen = {}

    def recording(real, fake):
        seen["game"] = base(real, fake).detach()
        return base(real, fake)

    monkeypatch.setitem(losses.D_LOSSES, trainer.loss, recording)
    metrics = trainer.train_step(next(batches))
    expected = seen["game"] + 0.5 * trainer.config.train.r1_gamma * 4 * metrics["r1"]
    torch.testing.assert_close(metrics["loss_d"], expected)


def test_style_mixing_and_w_avg():
    trainer, _ = trainer_and_batches(config(mixing_prob=1.0))
    g = trainer.G
    seen = {}
    mapping, synthesis = g.mapping, g.synthesis

    def spy_mapping(z, *args):
        seen["mapped"] = mapping(z, *args)
        return seen["mapped"]

    def spy_synthesis(ws, *args, **kwargs):
        seen["ws"] = ws
        return synthesis(ws, *args, **kwargs)

    g.mapping, g.synthesis = spy_mapping, spy_synthesis
    trainer.generate_mixed(16)
    first, second = seen["mapped"][:16], seen["mapped"][16:]
    ws = seen["ws"]
    for i in range(16):  # every sample switches from z1's w to z2's at one index in [1, num_ws)
        from_first = (ws[i] == first[i]).all(dim=1)
        cut = int((~from_first).nonzero()[0])
        assert 1 <= cut < g.num_ws
        assert from_first[:cut].all() and torch.equal(ws[i, cut:], second[i, cut:])
    # w_avg moved from 0 toward the batch mean of the unmixed w's
    torch.testing.assert_close(g.w_avg, (1 - sg.W_AVG_BETA) * first[:, 0].mean(0))
    trainer.config = config(mixing_prob=0.0)
    seen.clear()
    trainer.generate_mixed(8)
    assert torch.equal(seen["ws"], seen["mapped"][:8])


def test_ema_moves_toward_g():
    trainer, batches = trainer_and_batches(config(train={"ema_decay": 0.9}))
    before = {k: v.clone() for k, v in trainer.G_ema.named_parameters()}
    trainer.train_step(next(batches))
    live = dict(trainer.G.named_parameters())
    moved = 0
    for k, p in trainer.G_ema.named_parameters():
        assert torch.equal(p, before[k].lerp(live[k], 0.1)), k
        moved += not torch.equal(p, before[k])
    assert moved > 0 and torch.equal(trainer.G_ema.w_avg, trainer.G.w_avg)
    assert trainer.generator() is trainer.G_ema


def test_build_generator_loads_the_ema_weights_of_a_checkpoint():
    cfg = config(style="adain")
    trainer, batches = trainer_and_batches(cfg)
    trainer.train_step(next(batches))
    g = sg.build_generator(cfg.model, trainer.data)
    g.load_state_dict(unprefixed("G_ema", trainer.state_dict().weights))
    z = trainer.draw_noise(2, torch.Generator().manual_seed(9))
    expected = trainer.sample(2, seed=9)
    torch.testing.assert_close(g.eval()(z, noise_mode="const").clamp(-1, 1), expected)


def test_progressive_growing_follows_the_schedule():
    cfg = config(resolution=32, progressive=True, start_resolution=8, stable_steps=2,
                 fade_steps=2)
    trainer, batches = trainer_and_batches(cfg)
    seen = []
    for _ in range(8):
        m = trainer.train_step(next(batches))
        seen.append((m["resolution"], m["fade"]))
        assert trainer.snapshot().shape[-1] == m["resolution"]
    assert seen == [(8, 1), (8, 1), (16, 0), (16, 0.5), (16, 1), (16, 1), (32, 0), (32, 0.5)]


def test_real_images_fade_like_pggan():
    x = torch.randn(2, 3, 32, 32)
    half = torch.nn.functional.avg_pool2d(x, 4)  # 8×8
    at16 = torch.nn.functional.avg_pool2d(x, 2)
    torch.testing.assert_close(sg.real_at_growth(x, 16, 0.0),
                               torch.nn.functional.interpolate(half, scale_factor=2.0,
                                                               mode="bilinear"))
    torch.testing.assert_close(sg.real_at_growth(x, 16, 1.0), at16)
    assert torch.equal(sg.real_at_growth(x, 32, 1.0), x)


def test_augmentation_reaches_real_and_fake(monkeypatch):
    calls = []
    fake_module = types.ModuleType("studio.train.augment")

    def augment(x, policy, generator):
        calls.append((tuple(x.shape), policy, generator))
        return x.flip(3)

    fake_module.augment = augment
    monkeypatch.setitem(sys.modules, "studio.train.augment", fake_module)
    trainer, batches = trainer_and_batches(config(augment="translation,cutout"))
    trainer.train_step(next(batches))
    assert len(calls) == 3  # real and fake for D, fake for G
    assert all(c == ((8, 3, 16, 16), "translation,cutout", trainer.noise) for c in calls)


def test_real_augment_module_trains():
    pytest.importorskip("studio.train.augment")
    trainer, batches = trainer_and_batches(config(augment="color,translation,cutout"))
    metrics = trainer.train_step(next(batches))
    assert all(math.isfinite(float(v)) for v in metrics.values())


@pytest.mark.slow
def test_short_run_d_accuracy_peaks_then_heads_toward_balance(tmp_path):
    """D first learns to tell fakes apart, then G catches up: the median over three seeds.

    A seeded run is another run on another CPU, so no single run's numbers are asserted.
    Measured on seeds 0–5 (AVX-512, and again with SSE4.1 kernels): peak 0.77–0.94 within
    100 steps, then the last 50 steps' mean 0.15–0.32 lower; the bounds leave wide margins.
    """
    peaks, drops = [], []
    for seed in range(3):
        cfg = config(steps=200, train={"log_every": 10, "seed": seed})
        assert start_run(cfg, tmp_path / f"run{seed}").run() == "finished"
        rows = read_metrics(tmp_path / f"run{seed}")
        assert all(math.isfinite(v) for r in rows for k, v in r.items() if k != "time")
        acc = [r["d_accuracy"] for r in rows]  # 10-step means
        peak = max(acc[: len(acc) // 2])
        peaks.append(peak)
        drops.append(peak - statistics.mean(acc[-5:]))
    assert statistics.median(peaks) > 0.65, peaks
    assert statistics.median(drops) > 0.05, drops


@pytest.mark.parametrize("progressive", [False, True])
def test_resume_continues_exactly(tmp_path, progressive):
    n = 5
    # growing: 8 px for 3 steps, then 16 px fades in over steps 3–6, so step 5 is mid-fade
    grow = {"progressive": True, "start_resolution": 8, "stable_steps": 3, "fade_steps": 4}
    cfg = config(steps=2 * n, r1_interval=3, train={"checkpoint_every": n, "log_every": 3,
                                                    "ema_decay": 0.5},
                 **(grow if progressive else {}))
    straight = tmp_path / "straight"
    assert start_run(cfg, straight).run() == "finished"
    halves = tmp_path / "halves"
    start_run(cfg.replace(train=cfg.train.replace(steps=n)), halves).run()
    resumed = resume_run(halves, steps=2 * n)
    if progressive:
        assert resumed.loop.trainer.G.growth_alpha == 0.25  # as after step 5 (index 4)
    assert resumed.run() == "finished"
    cadence = [r for r in without_time(read_metrics(halves)) if r["step"] != n]
    assert cadence == without_time(read_metrics(straight))
    a, b = final_weights(straight), final_weights(halves)
    assert a.weights.keys() == b.weights.keys()
    for key in a.weights:
        assert torch.equal(a.weights[key], b.weights[key]), key
    fades = [r["fade"] for r in read_metrics(straight)]
    assert (max(fades) > min(fades)) == progressive
