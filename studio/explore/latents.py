"""Latent codes from seeds, and paths between them.

A seed names a latent: `z_from_seed` draws it from a CPU generator, so seed 7 is the same z on
every device and in every process. Interpolation follows White (2016), "Sampling Generative
Networks": spherical interpolation (Shoemake 1985) in Z, whose Gaussian prior puts almost all
mass near a sphere, and plain linear interpolation in W, which has no such shell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from studio.errors import ConfigError

PARALLEL_EPS = 1e-6  # |sin Ω| below this: the inputs are (anti)parallel


def z_from_seed(seed: int, z_dim: int) -> Tensor:
    """The latent named by `seed`: z ~ N(0, I), [z_dim], float32 on the CPU."""
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    return torch.randn(z_dim, generator=gen)


def z_from_seeds(seeds: Sequence[int], z_dim: int) -> Tensor:
    """One latent per seed, stacked: [len(seeds), z_dim] on the CPU."""
    return torch.stack([z_from_seed(s, z_dim) for s in seeds])


def lerp(a: Tensor, b: Tensor, t: float) -> Tensor:
    """(1 - t)·a + t·b, elementwise; exactly a at t = 0 and b at t = 1."""
    if t == 0:
        return a.clone()
    if t == 1:
        return b.clone()
    return a + (b - a) * t


def slerp(a: Tensor, b: Tensor, t: float) -> Tensor:
    """Spherical interpolation between the vectors of the last dimension of `a` and `b`.

    slerp(a, b; t) = sin((1-t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, with Ω the angle between a and
    b. It moves at constant angular speed and keeps unit vectors unit. Parallel inputs (Ω ≈ 0)
    fall back to lerp, which is then exact; antiparallel ones (Ω ≈ π) have no unique great
    circle, so the arc turns through a fixed direction perpendicular to a.
    """
    if t == 0:
        return a.clone()
    if t == 1:
        return b.clone()
    a64, b64 = a.double(), b.double()
    a_unit = a64 / a64.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    b_unit = b64 / b64.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    cos = (a_unit * b_unit).sum(-1, keepdim=True).clamp(-1.0, 1.0)  # [..., 1]
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    near = sin.abs() < PARALLEL_EPS
    safe = torch.where(near, torch.ones_like(sin), sin)
    out = (torch.sin((1 - t) * omega) * a64 + torch.sin(t * omega) * b64) / safe
    if near.any():
        straight = a64 + (b64 - a64) * t
        turned = _antiparallel_arc(a64, b64, t)
        fallback = torch.where(cos > 0, straight, turned)
        out = torch.where(near, fallback, out)
    return out.to(a.dtype)


def _antiparallel_arc(a: Tensor, b: Tensor, t: float) -> Tensor:
    """The half circle from a to b ≈ -a through a fixed direction perpendicular to a."""
    dim = a.shape[-1]
    if dim == 1:  # no perpendicular direction exists on a line: go straight through zero
        return a + (b - a) * t
    a_norm = a.norm(dim=-1, keepdim=True)
    b_norm = b.norm(dim=-1, keepdim=True)
    unit = a / a_norm.clamp_min(1e-12)
    axis = torch.zeros_like(a)
    axis[..., int(unit.abs().reshape(-1, dim)[0].argmin())] = 1.0  # least aligned basis axis
    perp = axis - (axis * unit).sum(-1, keepdim=True) * unit
    perp = perp / perp.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    radius = a_norm + (b_norm - a_norm) * t  # the length moves linearly, like the angle
    return radius * (math.cos(math.pi * t) * unit + math.sin(math.pi * t) * perp)


def frame_count(keyframes: int, steps: int) -> int:
    """Frames of a path through `keyframes` latents with `steps` frames per leg (ends included)."""
    return (keyframes - 1) * steps + 1


def interpolation_frame(keyframes: Tensor, steps: int, frame: int, space: str) -> Tensor:
    """The latent at `frame` of the path through `keyframes` [K, ...]: [...].

    Frame k·steps is keyframe k exactly; frames between are lerp (space "w") or slerp
    (space "z") of the two keyframes around them.
    """
    if space not in ("w", "z"):
        raise ConfigError(f"interpolation space {space!r} is not allowed; choose 'w' or 'z'")
    k = keyframes.shape[0]
    if k < 2 or steps < 1:
        raise ConfigError("an interpolation needs at least 2 keyframes and 1 step per leg")
    last = frame_count(k, steps) - 1
    if not 0 <= frame <= last:
        raise ConfigError(f"interpolation frame {frame} is out of range; allowed: 0 to {last}")
    leg, offset = divmod(frame, steps)
    if offset == 0:
        return keyframes[leg].clone()
    t = offset / steps
    between = lerp if space == "w" else slerp
    return between(keyframes[leg], keyframes[leg + 1], t)
