"""Adversarial losses and penalties, each a small function whose docstring gives its formula.

Discriminator outputs are raw logits l; D(x) = σ(l). Using softplus keeps every log finite:
log σ(l) = −softplus(−l) and log(1 − σ(l)) = −softplus(l).
Every function returns a scalar to *minimise*.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def d_standard(real: Tensor, fake: Tensor) -> Tensor:
    """Standard discriminator loss: −E[log D(x)] − E[log(1 − D(G(z)))]."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def g_minimax(fake: Tensor) -> Tensor:
    """Minimax (saturating) generator loss: E[log(1 − D(G(z)))], minimised by G.

    Its gradient w.r.t. the logit is −σ(l), which vanishes as D(G(z)) → 0: early in training,
    when D easily rejects fakes, G learns almost nothing.
    """
    return -F.softplus(fake).mean()


def g_non_saturating(fake: Tensor) -> Tensor:
    """Non-saturating generator loss: −E[log D(G(z))].

    Same fixed point as the minimax loss, but its gradient w.r.t. the logit is −σ(−l) → −1 as
    D(G(z)) → 0, so G receives a strong signal exactly when it is losing.
    """
    return F.softplus(-fake).mean()


def d_hinge(real: Tensor, fake: Tensor) -> Tensor:
    """Hinge discriminator loss: E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))] on logits."""
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def g_hinge(fake: Tensor) -> Tensor:
    """Hinge generator loss: −E[D(G(z))] on logits."""
    return -fake.mean()


def d_least_squares(real: Tensor, fake: Tensor) -> Tensor:
    """Least-squares (LSGAN) discriminator loss: ½E[(D(x) − 1)²] + ½E[D(G(z))²] on outputs."""
    return 0.5 * ((real - 1.0) ** 2).mean() + 0.5 * (fake**2).mean()


def g_least_squares(fake: Tensor) -> Tensor:
    """Least-squares generator loss: ½E[(D(G(z)) − 1)²]."""
    return 0.5 * ((fake - 1.0) ** 2).mean()


def d_wasserstein(real: Tensor, fake: Tensor) -> Tensor:
    """Wasserstein critic loss: E[D(G(z))] − E[D(x)] (add the gradient penalty for WGAN-GP)."""
    return fake.mean() - real.mean()


def g_wasserstein(fake: Tensor) -> Tensor:
    """Wasserstein generator loss: −E[D(G(z))]."""
    return -fake.mean()


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     generator: torch.Generator | None = None) -> Tensor:
    """WGAN-GP penalty (Gulrajani et al. 2017): E[(‖∇D(x̂)‖₂ − 1)²], x̂ = εx + (1 − ε)G(z).

    ε ~ U[0, 1] per sample. Multiply by λ (10 in the paper) before adding to the critic loss.
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    eps = torch.rand(shape, device=real.device, dtype=real.dtype, generator=generator)
    mixed = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()


def r1_penalty(real: Tensor, real_logits: Tensor) -> Tensor:
    """R1 penalty (Mescheder et al. 2018): E[‖∇ₓD(x)‖²] on real data; `real` must require grad.

    Multiply by γ/2 before adding to the discriminator loss.
    """
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(1).mean()


D_LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "non-saturating": d_standard,
    "minimax": d_standard,
    "hinge": d_hinge,
    "least-squares": d_least_squares,
    "wgan-gp": d_wasserstein,
}

G_LOSSES: dict[str, Callable[[Tensor], Tensor]] = {
    "non-saturating": g_non_saturating,
    "minimax": g_minimax,
    "hinge": g_hinge,
    "least-squares": g_least_squares,
    "wgan-gp": g_wasserstein,
}


def game_terms(real: Tensor, fake: Tensor) -> dict[str, Tensor]:
    """The two terms of V(D, G) and the mean outputs of D, read from logits, for display.

    v_real = E[log D(x)], v_fake = E[log(1 − D(G(z)))], d_real = E[D(x)], d_fake = E[D(G(z))].
    Returned as detached 0-d tensors so that no GPU sync happens per step.
    """
    real, fake = real.detach(), fake.detach()
    return {
        "d_real": torch.sigmoid(real).mean(),
        "d_fake": torch.sigmoid(fake).mean(),
        "v_real": (-F.softplus(-real)).mean(),
        "v_fake": (-F.softplus(fake)).mean(),
    }
