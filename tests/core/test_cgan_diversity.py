"""The per-class diversity figure, and the cGAN's conditioning that keeps z in play (< 2 s)."""

from __future__ import annotations

import math

import pytest
import torch

from studio.data.base import IMAGES, Dataset
from studio.metrics.class_diversity import class_diversity, real_by_class, spread, summary
from studio.model_configs import CganModelConfig
from studio.nets.conditional import (
    LABEL_SHARE,
    ConcatDiscriminator,
    ConditionalGenerator,
    ProjectionDiscriminator,
)
from studio.train.base import DataInfo
from studio.train.cgan import build_generator
from studio.train.registry import make_trainer
from tests.core.helpers import tiny_config

CPU = torch.device("cpu")


def real_images(seed: int = 0) -> dict[int, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.rand(12, 1, 8, 8, generator=gen) * 2 - 1 for k in range(3)}


def test_ratio_is_one_for_the_data_itself_and_zero_for_a_collapsed_class():
    reals = real_images()

    def generate(label: int, n: int) -> torch.Tensor:
        if label == 2:  # class 2 ignores z: n copies of one image
            return reals[2][:1].expand(n, -1, -1, -1)
        return reals[label][:n]

    ratios = class_diversity(generate, reals, n=12)
    assert ratios[0] == pytest.approx(1.0) and ratios[1] == pytest.approx(1.0)
    assert ratios[2] == 0.0
    assert summary(ratios) == pytest.approx({"median": 1.0, "min": 0.0, "mean": 2 / 3})


def test_ratio_follows_the_spread_and_compares_n_samples_in_the_embedding():
    reals = real_images()
    asked = []

    def generate(label: int, n: int) -> torch.Tensor:
        asked.append((label, n))
        return 0.5 * reals[label][:n]  # half the spread in pixels

    assert all(r == pytest.approx(0.5) for r in class_diversity(generate, reals, 8).values())
    assert asked == [(0, 8), (1, 8), (2, 8)]
    # in an embedding that sees only the first pixel: the same halving, but other distances
    first_pixel = lambda x: x[:, :, 0, 0]  # noqa: E731  [N, 1]
    in_pixel = class_diversity(generate, reals, 8, embed=first_pixel)
    assert all(r == pytest.approx(0.5) for r in in_pixel.values())
    x = reals[0][:8]
    assert spread(x, first_pixel) == pytest.approx(float(torch.pdist(x[:, :, 0, 0].double())
                                                         .mean()))
    with pytest.raises(ValueError):
        spread(x[:1])


def test_real_by_class_takes_only_that_class_and_a_class_that_never_varies_is_nan():
    labels = torch.tensor([0, 1, 0, 1, 0, 1, 2, 2])
    samples = (labels * 100).to(torch.uint8)[:, None, None, None].expand(-1, 1, 4, 4).clone()
    samples[labels == 1, 0, 0, 0] = torch.tensor([0, 50, 255], dtype=torch.uint8)
    data = Dataset("toy", IMAGES, samples, labels, ("a", "b", "c"))
    reals = real_by_class(data, n=10)
    assert sorted(reals) == [0, 1, 2] and len(reals[0]) == 3 and len(reals[2]) == 2
    assert torch.all(reals[2] == 200 / 127.5 - 1)  # only class 2's images
    ratios = class_diversity(lambda k, n: reals[k][:n], reals, n=3)
    assert math.isnan(ratios[0]) and ratios[1] == pytest.approx(1.0)  # class 0 is constant
    assert summary(ratios)["median"] == pytest.approx(1.0)


def test_new_cgan_runs_condition_d_by_concatenation():
    # the projection D pulled every sample of a class toward one look (bench/cgan_diversity.py)
    assert CganModelConfig().d_condition == "concat"
    config = tiny_config("cgan", "shapes")
    info = DataInfo("images", (3, 32, 32), tuple("abcdefghij"))
    assert isinstance(make_trainer(config, info, CPU).D, ConcatDiscriminator)


@pytest.mark.parametrize(("z_dim", "embed_dim"), [(64, 32), (64, 128), (8, 4)])
def test_the_label_starts_as_a_small_share_of_gs_input_whatever_its_size(z_dim, embed_dim):
    # a label embedding as strong as z let G ignore z (embed_dim 128: ratio 0.09, now 0.9)
    base = tiny_config("cgan", "shapes")
    config = base.replace(model=base.model.replace(z_dim=z_dim, embed_dim=embed_dim))
    G = make_trainer(config, DataInfo("images", (3, 32, 32), tuple("abcdefghij")), CPU).G
    label_energy = G.embed.weight.detach().pow(2).sum(1).mean()  # E‖e‖² over the classes
    share = float(label_energy / (label_energy + z_dim))  # E‖z‖² = z_dim
    assert share == pytest.approx(LABEL_SHARE, rel=0.5)
    with pytest.raises(ValueError):
        ConditionalGenerator(torch.nn.Identity(), 3, 4, 8, label_share=1.0)


def test_runs_that_trained_with_projection_still_load_and_build_their_generator():
    base = tiny_config("cgan", "shapes")
    config = base.replace(model=base.model.replace(d_condition="projection"))
    info = DataInfo("images", (3, 32, 32), tuple("abcdefghij"))
    trainer = make_trainer(config, info, CPU)
    assert isinstance(trainer.D, ProjectionDiscriminator)
    again = make_trainer(config, info, CPU)
    again.load_state_dict(trainer.state_dict())
    G = build_generator(config.model, info)
    G.load_state_dict(trainer.G.state_dict(), strict=True)
    z, y = torch.randn(4, config.model.z_dim), torch.arange(4)
    assert torch.equal(G.eval()(z, y), trainer.G.eval()(z, y))
