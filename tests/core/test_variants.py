"""Each variant trains, samples what it is asked for, and follows its paper's architecture."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from studio.config import DataConfig
from studio.data import open_dataset
from studio.errors import ConfigError
from studio.nets.dcgan import DcganDiscriminator, DcganGenerator
from studio.train.base import DataInfo
from studio.train.registry import make_trainer
from studio.train.sampler import BatchSampler
from tests.core.helpers import tiny_config

CPU = torch.device("cpu")


def train_a_few(config, steps=3):
    data = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(data), CPU)
    sampler = BatchSampler(len(data), config.train.batch_size, 0)
    before = {k: v.clone() for k, v in trainer.generator().state_dict().items()}
    for _ in range(steps):
        metrics = trainer.train_step(data.batch(sampler.next()))
    after = trainer.generator().state_dict()
    changed = any(not torch.equal(before[k], after[k]) for k in before)
    return trainer, {k: float(v) for k, v in metrics.items()}, changed


@pytest.mark.parametrize(("variant", "dataset"), [
    ("gan", "ring8"), ("gan", "shapes"), ("cgan", "ring8"), ("cgan", "shapes"),
    ("dcgan", "shapes")])
@pytest.mark.parametrize("loss", ["non-saturating", "minimax", "hinge", "least-squares",
                                  "wgan-gp"])
def test_every_variant_trains_with_every_loss(variant, dataset, loss):
    trainer, metrics, changed = train_a_few(tiny_config(variant, dataset, loss=loss))
    assert changed, "the generator's weights did not move"
    for key in ("loss_d", "loss_g", "d_real", "d_fake", "v_real", "v_fake"):
        assert math.isfinite(metrics[key]), key
    assert ("gp" in metrics) == (loss == "wgan-gp")
    sample = trainer.sample(5, seed=1)
    expected = (5, 2) if dataset == "ring8" else (5, 3, 32, 32)
    assert sample.shape == expected and sample.abs().max() <= 1.0


def test_r1_ema_and_extra_d_steps_work_together():
    config = tiny_config("dcgan", "shapes", r1_gamma=1.0, ema_decay=0.9, d_steps=2)
    trainer, metrics, changed = train_a_few(config, steps=2)
    assert metrics["r1"] > 0 and changed
    assert trainer.generator() is trainer.G_ema
    ema, live = trainer.G_ema.state_dict(), trainer.G.state_dict()
    assert any(not torch.equal(ema[k], live[k]) for k in ema if ema[k].is_floating_point())


def test_sampling_is_reproducible_from_the_seed():
    trainer, _, _ = train_a_few(tiny_config("gan", "ring8"))
    assert torch.equal(trainer.sample(10, 42), trainer.sample(10, 42))
    assert not torch.equal(trainer.sample(10, 42), trainer.sample(10, 43))


def test_cgan_samples_the_requested_classes():
    trainer, _, _ = train_a_few(tiny_config("cgan", "shapes"))
    a = trainer.sample(4, seed=3, labels=2)
    b = trainer.sample(4, seed=3, labels=[2, 2, 5, 5])
    assert torch.equal(a[:2], b[:2]) and not torch.equal(a[2:], b[2:])
    with pytest.raises(ConfigError, match="labels must lie"):
        trainer.sample(2, seed=0, labels=[0, 99])
    assert trainer.snapshot_columns == 10
    assert trainer.snapshot().shape[0] == 20  # 16 asked for, rounded up to whole rows of 10


def test_cgan_concat_conditioning_trains():
    base = tiny_config("cgan", "shapes")
    config = base.replace(model=base.model.replace(d_condition="concat"))
    _, metrics, changed = train_a_few(config)
    assert changed and math.isfinite(metrics["loss_d"])


def test_cgan_refuses_unlabelled_data_and_dcgan_refuses_points():
    with pytest.raises(ConfigError, match="labels"):
        make_trainer(tiny_config("cgan", "ring8"), DataInfo("points", (2,), ()), CPU)
    with pytest.raises(ConfigError, match="images"):
        make_trainer(tiny_config("dcgan", "shapes"), DataInfo("points", (2,), ()), CPU)
    with pytest.raises(ConfigError, match="32, 64, 128"):
        make_trainer(tiny_config("dcgan", "shapes"), DataInfo("images", (3, 16, 16), ()), CPU)


@pytest.mark.parametrize("resolution", [32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_follows_the_paper(resolution, channels):
    g = DcganGenerator(z_dim=100, out_channels=channels, resolution=resolution, channels=8)
    d = DcganDiscriminator(in_channels=channels, resolution=resolution, channels=8)
    image = g(torch.randn(2, 100))
    assert image.shape == (2, channels, resolution, resolution)
    assert d(image).shape == (2,)
    for net in (g, d):
        assert not any(isinstance(m, nn.Linear | nn.MaxPool2d | nn.AvgPool2d)
                       for m in net.modules())
        convs = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
        weights = torch.cat([m.weight.flatten() for m in convs])
        assert weights.std().item() == pytest.approx(0.02, rel=0.1)
        assert weights.mean().abs().item() < 0.002
    assert isinstance(list(g.modules())[-1], nn.Tanh)
    assert all(m.negative_slope == 0.2 for m in d.modules() if isinstance(m, nn.LeakyReLU))
    assert not any(isinstance(m, nn.LeakyReLU) for m in g.modules())
    strided = [m for m in d.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    assert len(strided) == int(math.log2(resolution)) - 2
    # no BatchNorm right after D's input layer or on G's output
    assert not isinstance(list(d.body)[1], nn.BatchNorm2d)
    assert isinstance(list(g.net)[-2], nn.ConvTranspose2d)


def test_dcgan_uses_the_papers_optimiser():
    trainer, _, _ = train_a_few(tiny_config("dcgan", "shapes"), steps=1)
    group = trainer.opt_g.param_groups[0]
    assert isinstance(trainer.opt_g, torch.optim.Adam)
    assert group["lr"] == 2e-4 and group["betas"] == (0.5, 0.999)


def test_gan_trains_on_grayscale_images():
    config = tiny_config("gan", "shapes").replace(
        data=DataConfig(dataset="shapes", size=64, resolution=16, channels="gray"))
    trainer, _, changed = train_a_few(config)
    assert changed and trainer.sample(2, 0).shape == (2, 1, 16, 16)


@pytest.mark.parametrize("variant", ["gan", "cgan"])
def test_judge_gives_d_verdicts_in_unit_interval(variant):
    trainer, _, _ = train_a_few(tiny_config(variant, "ring8"))
    grid = torch.rand(50, 2) * 2 - 1
    verdict = trainer.judge(grid)
    assert verdict.shape == (50,) and verdict.min() >= 0 and verdict.max() <= 1
    if variant == "gan":
        assert torch.allclose(verdict, torch.sigmoid(trainer.D(grid)).detach())
