"""Each loss against a hand computation, and what the theory says about their gradients."""

from __future__ import annotations

import math

import pytest
import torch

from studio.train import losses

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


def sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_standard_discriminator_loss_by_hand():
    expected = (-(math.log(sig(2.0)) + math.log(sig(-1.0))) / 2
                - (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2)
    assert losses.d_standard(REAL, FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_generator_losses_by_hand():
    minimax = (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2
    nonsat = -(math.log(sig(0.5)) + math.log(sig(-3.0))) / 2
    assert losses.g_minimax(FAKE).item() == pytest.approx(minimax, rel=1e-6)
    assert losses.g_non_saturating(FAKE).item() == pytest.approx(nonsat, rel=1e-6)


def test_hinge_least_squares_wasserstein_by_hand():
    assert losses.d_hinge(REAL, FAKE).item() == pytest.approx(
        (max(0, 1 - 2) + max(0, 1 + 1)) / 2 + (max(0, 1 + 0.5) + max(0, 1 - 3)) / 2)
    assert losses.g_hinge(FAKE).item() == pytest.approx(-(0.5 - 3.0) / 2)
    assert losses.d_least_squares(REAL, FAKE).item() == pytest.approx(
        0.5 * ((2 - 1) ** 2 + (-1 - 1) ** 2) / 2 + 0.5 * (0.5**2 + 3.0**2) / 2)
    assert losses.g_least_squares(FAKE).item() == pytest.approx(
        0.5 * ((0.5 - 1) ** 2 + (-3 - 1) ** 2) / 2)
    assert losses.d_wasserstein(REAL, FAKE).item() == pytest.approx((0.5 - 3) / 2 - (2 - 1) / 2)
    assert losses.g_wasserstein(FAKE).item() == pytest.approx(-(0.5 - 3) / 2)


def _grad(loss_fn, logit: float) -> float:
    x = torch.tensor([logit], requires_grad=True)
    loss_fn(x).backward()
    return x.grad.item()


def test_minimax_gradient_vanishes_when_d_rejects_fakes_but_non_saturating_does_not():
    # D(G(z)) = σ(l) → 0 as l → −∞: the minimax signal dies, the non-saturating one stays ≈ 1
    for logit in (-5.0, -10.0, -20.0):
        assert abs(_grad(losses.g_minimax, logit)) < 10 * sig(logit)
        assert abs(_grad(losses.g_non_saturating, logit)) > 0.99
    assert abs(_grad(losses.g_minimax, -20.0)) < 1e-8
    # both push the logit up (descent direction raises D(G(z)))
    assert _grad(losses.g_minimax, 0.0) < 0 and _grad(losses.g_non_saturating, 0.0) < 0
    # and they agree exactly where D is fooled half the time
    assert _grad(losses.g_minimax, 0.0) == pytest.approx(_grad(losses.g_non_saturating, 0.0))


def test_gradient_penalty_of_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # ‖∇D‖ = 5 everywhere → penalty (5 − 1)² = 16
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    gp = losses.gradient_penalty(lambda x: x @ w, real, fake)
    assert gp.item() == pytest.approx(16.0)
    w1 = torch.tensor([0.6, 0.8])  # unit gradient norm → no penalty
    assert losses.gradient_penalty(lambda x: x @ w1, real, fake).item() == pytest.approx(0.0)


def test_r1_penalty_of_a_quadratic_critic():
    x = torch.tensor([[1.0, 2.0], [0.0, -1.0]], requires_grad=True)
    logits = (x**2).sum(1)  # ∇ = 2x → ‖∇‖² = 4‖x‖²: 20 and 4, mean 12
    assert losses.r1_penalty(x, logits).item() == pytest.approx(12.0)


def test_game_terms_are_the_two_terms_of_v():
    terms = {k: v.item() for k, v in losses.game_terms(REAL, FAKE).items()}
    assert terms["v_real"] == pytest.approx((math.log(sig(2)) + math.log(sig(-1))) / 2)
    assert terms["v_fake"] == pytest.approx((math.log(1 - sig(0.5)) + math.log(1 - sig(-3))) / 2)
    assert terms["d_real"] == pytest.approx((sig(2) + sig(-1)) / 2)


def test_every_configurable_loss_has_both_halves():
    from studio.config import LOSSES

    assert set(losses.D_LOSSES) == set(losses.G_LOSSES) == set(LOSSES)
