"""Differentiable augmentation: identity, determinism, gradients, and each op doing its job."""

from __future__ import annotations

import pytest
import torch

from studio.errors import ConfigError
from studio.train.augment import (
    POLICIES,
    augment,
    color,
    cut,
    cutout,
    parse_policy,
    translate,
    translation,
)

ALL = ",".join(POLICIES)


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _images(n: int = 8, c: int = 3, size: int = 16, seed: int = 1) -> torch.Tensor:
    return torch.rand((n, c, size, size), generator=_gen(seed)) * 2.0 - 1.0


@pytest.mark.parametrize("policy", ["", "none", " None ", " , "])
def test_no_policy_is_identity(policy: str) -> None:
    x = _images()
    gen = _gen()
    state = gen.get_state()
    assert augment(x, policy, gen) is x
    assert torch.equal(gen.get_state(), state)  # draws nothing
    assert parse_policy(policy) == ()


def test_policy_parsing() -> None:
    assert POLICIES == ("color", "translation", "cutout")
    assert parse_policy("Color, cutout") == ("color", "cutout")
    for bad in ("colour", "color,flip", "none,color"):
        with pytest.raises(ConfigError, match="color, translation, cutout"):
            parse_policy(bad)
    with pytest.raises(ConfigError, match="'flip'"):
        augment(_images(), "translation,flip", _gen())


@pytest.mark.parametrize("policy", [*POLICIES, ALL])
def test_same_generator_state_same_output(policy: str) -> None:
    x = _images()
    a, b = augment(x, policy, _gen(5)), augment(x, policy, _gen(5))
    assert torch.equal(a, b)
    assert not torch.equal(a, augment(x, policy, _gen(6)))
    gen = _gen(5)
    first = augment(x, policy, gen)
    assert not torch.equal(first, augment(x, policy, gen))  # the generator moves on


@pytest.mark.parametrize("policy", [*POLICIES, ALL])
def test_gradients_flow_to_input(policy: str) -> None:
    x = _images().requires_grad_(True)
    weights = torch.randn(x.shape, generator=_gen(9))
    (augment(x, policy, _gen(2)) * weights).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert float(x.grad.abs().sum()) > 0.0


def test_translation_gradient_is_the_shift_back() -> None:
    """d(sum(w * translate(x)))/dx is w shifted the other way: a pure gather, exactly."""
    x = _images(2, 1, 8).requires_grad_(True)
    w = torch.randn(x.shape, generator=_gen(3))
    dx, dy = torch.tensor([1, -2]), torch.tensor([0, 1])
    (translate(x, dx, dy) * w).sum().backward()
    assert torch.equal(x.grad, translate(w, -dx, -dy))


def test_translate_moves_a_pixel_by_the_shift() -> None:
    x = torch.zeros((3, 2, 8, 8))
    x[:, :, 3, 4] = 1.0  # one-hot pixel at row 3, column 4
    out = translate(x, torch.tensor([2, -1, 5]), torch.tensor([1, -3, 0]))
    assert out[0, :, 4, 6].tolist() == [1.0, 1.0] and float(out[0].sum()) == 2.0
    assert out[1, :, 0, 3].tolist() == [1.0, 1.0] and float(out[1].sum()) == 2.0
    assert float(out[2].sum()) == 0.0  # shifted out of the frame: nothing left, no wrap


def test_translate_fills_with_zero() -> None:
    x = torch.ones((1, 1, 8, 8))
    out = translate(x, torch.tensor([2]), torch.tensor([-1]))
    assert float(out[0, 0, :, :2].abs().sum()) == 0.0  # columns shifted in from the left
    assert float(out[0, 0, -1].abs().sum()) == 0.0  # the bottom row came from below
    assert float(out.sum()) == 6 * 7


def test_random_translation_keeps_content_within_an_eighth() -> None:
    n, size = 64, 16
    x = torch.zeros((n, 1, size, size))
    x[:, :, 8, 8] = 1.0
    out = translation(x, _gen(4))
    assert torch.equal(out.flatten(1).sum(1), torch.ones(n))  # a shift of ≤ 2 keeps it inside
    where = out[:, 0].flatten(1).argmax(1)  # [N]
    rows, cols = where // size - 8, where % size - 8
    assert int(rows.abs().max()) == 2 and int(cols.abs().max()) == 2
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 10  # varies per sample


def test_cut_zeroes_the_given_square() -> None:
    x = torch.ones((2, 3, 8, 8))
    out = cut(x, torch.tensor([0, 4]), torch.tensor([2, 4]), (4, 4))
    assert float(out[0, :, 0:4, 2:6].abs().sum()) == 0.0
    assert float(out[1, :, 4:8, 4:8].abs().sum()) == 0.0
    assert float(out.sum()) == 2 * 3 * (64 - 16)


@pytest.mark.parametrize("size", [16, 15])
def test_cutout_zeroes_exactly_a_half_size_square(size: int) -> None:
    n = 32
    x = torch.rand((n, 3, size, size), generator=_gen(1)) + 0.5  # never zero
    out = cutout(x, _gen(7))
    side = int(size * 0.5 + 0.5)
    zero = (out == 0).all(1)  # [N, H, W]
    assert torch.equal(zero.flatten(1).sum(1), torch.full((n,), side * side))
    for i in range(n):  # the zeros form one side × side square
        r, c = zero[i].nonzero().unbind(1)
        assert int(r.max() - r.min()) + 1 == side and int(c.max() - c.min()) + 1 == side
    kept = ~zero[:, None].expand_as(x)
    assert torch.equal(out[kept], x[kept])
    corners = zero.flatten(1).float().argmax(1)  # [N] first zero pixel of each sample
    assert len(set(corners.tolist())) > 5  # the square moves from sample to sample


def test_color_changes_statistics_per_sample() -> None:
    x = _images(64, 3, 8) * 0.5
    out = color(x, _gen(3))
    assert out.shape == x.shape and out.dtype == x.dtype
    shift = (out.mean((1, 2, 3)) - x.mean((1, 2, 3))).abs()  # [N] brightness moved
    ratio = out.std((1, 2, 3)) / x.std((1, 2, 3))  # [N] contrast × saturation
    assert float(shift.max()) > 0.2 and float(shift.max()) <= 0.5 + 1e-5
    assert float(ratio.min()) < 0.8 and float(ratio.max()) > 1.2
    chroma = (out - out.mean(1, keepdim=True)).abs().mean((1, 2, 3))
    base = (x - x.mean(1, keepdim=True)).abs().mean((1, 2, 3))
    assert float((chroma / base).max()) > 1.3 and float((chroma / base).min()) < 0.5


def test_brightness_alone_on_flat_gray_images() -> None:
    """On a flat gray picture saturation and contrast have nothing to act on: only the
    brightness offset remains, within ±0.5, and different per sample."""
    x = torch.zeros((16, 1, 4, 4))
    out = color(x, _gen(0))
    per_sample = out.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample))
    assert float(per_sample.abs().max()) <= 0.5
    assert len(set(per_sample[:, 0].tolist())) == 16


@pytest.mark.parametrize("policy", [*POLICIES, ALL])
def test_gray_and_batch_of_one(policy: str) -> None:
    for x in (_images(4, 1, 16), _images(1, 3, 16), _images(1, 1, 8)):
        out = augment(x, policy, _gen(2))
        assert out.shape == x.shape and torch.isfinite(out).all()


def test_gray_saturation_is_a_no_op() -> None:
    """With one channel, color() equals brightness then contrast with the same draws."""
    x = _images(8, 1, 8)
    gen = _gen(11)
    out = color(x, gen)
    gen = _gen(11)
    b, s, c = (torch.rand((8, 1, 1, 1), generator=gen) for _ in range(3))
    y = x + (b - 0.5)
    del s  # drawn and unused: the gray pixel equals its own channel mean
    mean = y.mean((1, 2, 3), keepdim=True)
    assert torch.allclose(out, (y - mean) * (c + 0.5) + mean, atol=1e-6)


@pytest.mark.parametrize("variant", ["dcgan", "cgan"])
def test_conv_variants_show_d_augmented_images_when_asked(variant):
    """DiffAugment reaches D in DCGAN and the conv cGAN; 'none' leaves images untouched."""
    from studio.train.base import DataInfo
    from studio.train.registry import make_trainer
    from tests.core.helpers import tiny_config

    config = tiny_config(variant, "shapes", steps=2)
    data = DataInfo("images", (3, 32, 32), tuple("abcdefghij"))
    plain = make_trainer(config, data, torch.device("cpu"))
    x = torch.rand(4, *data.shape) * 2 - 1  # [4, C, H, W]
    assert torch.equal(plain.augmented(x), x)
    model = config.model.replace(augment="translation,cutout")
    augmented = make_trainer(config.replace(model=model), data, torch.device("cpu"))
    y = augmented.augmented(x)
    assert y.shape == x.shape and not torch.equal(y, x)
    assert (y == 0).float().mean() > 0.2  # cutout blanks a quarter of each image
