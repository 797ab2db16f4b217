"""Latents, interpolation, style mixing and directions, against a tiny stand-in generator."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from studio.errors import ConfigError
from studio.explore.directions import (
    apply_directions,
    cached_directions,
    pca_directions,
    sefa_directions,
)
from studio.explore.latents import (
    frame_count,
    interpolation_frame,
    lerp,
    slerp,
    z_from_seed,
    z_from_seeds,
)
from studio.explore.layers import layer_range as group_range
from studio.explore.mixing import layer_range, mix


class TinyStyleG(nn.Module):
    """The StyleGenerator API with linear insides: w = z·M + w_avg, where M plants the spread
    of w (`scales` along the columns of a random rotation `axes`), and images are tanh of a sum
    of per-layer linear maps of each layer's style (the affine of its w, plus 1)."""

    def __init__(self, z_dim: int = 10, w_dim: int = 8, resolution: int = 16, channels: int = 3,
                 scales: tuple[float, ...] | None = None, style_dim: int = 4, seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.z_dim, self.w_dim, self.resolution, self.img_channels = (z_dim, w_dim, resolution,
                                                                      channels)
        self.num_ws = 2 * int(math.log2(resolution)) - 2
        self.layer_resolutions = tuple(min(resolution, 4 * 2 ** ((k + 1) // 2))
                                       for k in range(self.num_ws))
        axes, _ = torch.linalg.qr(torch.randn(w_dim, w_dim, generator=gen))
        s = torch.tensor(scales if scales else [1.0] * w_dim)
        self.register_buffer("axes", axes)  # [w_dim, w_dim], columns = the planted axes
        m = torch.zeros(z_dim, w_dim)
        m[:w_dim] = torch.diag(s) @ axes.T  # cov(w) = axes · diag(s²) · axesᵀ
        self.register_buffer("map_weight", m)
        self.register_buffer("w_avg", torch.randn(w_dim, generator=gen))
        self.affines = nn.ParameterList(
            nn.Parameter(torch.randn(style_dim, w_dim, generator=gen) / math.sqrt(w_dim))
            for _ in range(self.num_ws))
        pixels = channels * resolution * resolution
        self.project = nn.Parameter(torch.randn(self.num_ws, style_dim, pixels, generator=gen)
                                    / math.sqrt(style_dim * self.num_ws))
        self.register_buffer("const_noise", torch.randn(pixels, generator=gen))

    def mapping(self, z: Tensor, psi: float = 1.0, cutoff: int | None = None) -> Tensor:
        w = z @ self.map_weight + self.w_avg  # [N, w_dim]
        ws = w[:, None].repeat(1, self.num_ws, 1)
        end = self.num_ws if cutoff is None else cutoff
        ws[:, :end] = self.w_avg + psi * (ws[:, :end] - self.w_avg)
        return ws  # [N, num_ws, w_dim]

    def synthesis(self, ws: Tensor, noise_mode: str = "random",
                  generator: torch.Generator | None = None) -> Tensor:
        x = sum((ws[:, i] @ a.T + 1.0) @ self.project[i] for i, a in enumerate(self.affines))
        if noise_mode == "const":
            x = x + 0.1 * self.const_noise
        elif noise_mode == "random":
            x = x + 0.1 * torch.randn(x.shape, generator=generator, device=x.device)
        r = self.resolution
        return torch.tanh(x).reshape(-1, self.img_channels, r, r)  # [N, C, H, W]

    def style_affines(self) -> list[tuple[int, Tensor]]:
        return [(i, a.detach()) for i, a in enumerate(self.affines)]


# -- latents -------------------------------------------------------------------------------

def test_seed_names_one_z_on_any_call():
    assert torch.equal(z_from_seed(7, 16), z_from_seed(7, 16))
    assert not torch.equal(z_from_seed(7, 16), z_from_seed(8, 16))
    assert torch.equal(z_from_seeds([3, 7], 16)[1], z_from_seed(7, 16))
    torch.manual_seed(123)  # the global RNG plays no part
    assert torch.equal(z_from_seed(7, 16), z_from_seeds([7], 16)[0])


def test_slerp_endpoints_and_unit_norm():
    a, b = torch.nn.functional.normalize(torch.randn(2, 32), dim=1)
    assert torch.equal(slerp(a, b, 0.0), a) and torch.equal(slerp(a, b, 1.0), b)
    norms = torch.stack([slerp(a, b, t).norm() for t in np.linspace(0.05, 0.95, 9)])
    assert torch.allclose(norms, torch.ones(9), atol=1e-6)
    mid = slerp(a, b, 0.5)  # halfway: equal angles to both ends
    assert torch.isclose(mid @ a, mid @ b, atol=1e-6)
    assert not torch.allclose(mid, lerp(a, b, 0.5))  # and it is not the chord's midpoint


def test_slerp_of_parallel_and_antiparallel_vectors_is_finite():
    a = torch.nn.functional.normalize(torch.randn(16), dim=0)
    same = slerp(a, a.clone(), 0.3)
    assert torch.allclose(same, a, atol=1e-6)
    assert torch.allclose(slerp(a, 2 * a, 0.5), 1.5 * a, atol=1e-6)  # parallel: lerp
    turned = slerp(a, -a, 0.5)
    assert torch.isfinite(turned).all()
    assert torch.isclose(turned.norm(), torch.tensor(1.0), atol=1e-6)
    assert abs(float(turned @ a)) < 1e-6  # a quarter turn: perpendicular to both ends


def test_slerp_works_on_batches_of_vectors():
    a, b = torch.randn(2, 5, 12)
    out = slerp(a, b, 0.25)
    for i in range(5):
        assert torch.allclose(out[i], slerp(a[i], b[i], 0.25), atol=1e-6)


@pytest.mark.parametrize("space", ["w", "z"])
def test_interpolation_path_hits_every_keyframe_exactly(space):
    keys = torch.randn(4, 3, 8)
    steps = 5
    assert frame_count(4, steps) == 16
    for k in range(4):
        assert torch.equal(interpolation_frame(keys, steps, k * steps, space), keys[k])
    middle = interpolation_frame(keys, steps, 7, space)  # leg 1, t = 2/5
    expected = lerp(keys[1], keys[2], 0.4) if space == "w" else slerp(keys[1], keys[2], 0.4)
    assert torch.allclose(middle, expected)
    with pytest.raises(ConfigError, match="allowed: 0 to 15"):
        interpolation_frame(keys, steps, 16, space)


# -- mixing --------------------------------------------------------------------------------

def test_mix_all_layers_is_a_and_none_is_b_and_a_range_takes_each_part_from_its_source():
    a, b = torch.randn(2, 3, 6, 8)
    assert torch.equal(mix(a, b, range(6)), a)
    assert torch.equal(mix(a, b, []), b)
    out = mix(a, b, range(2, 4))
    assert torch.equal(out[:, 2:4], a[:, 2:4])
    assert torch.equal(out[:, :2], b[:, :2]) and torch.equal(out[:, 4:], b[:, 4:])
    grid = mix(a[:, None], b[None, :], [0])  # broadcasting: every pair at once
    assert grid.shape == (3, 3, 6, 8) and torch.equal(grid[2, 1, 0], a[2, 0])
    assert torch.equal(grid[2, 1, 1:], b[1, 1:])
    with pytest.raises(ConfigError, match="layers 0 to 5"):
        mix(a, b, [6])


def test_named_layer_ranges_follow_the_resolutions():
    G = TinyStyleG(resolution=128)  # resolutions 4,8,8,16,16,32,32,64,64,128,128,128
    assert G.layer_resolutions[:4] == (4, 8, 8, 16)
    assert layer_range(G, "coarse") == range(0, 3)
    assert layer_range(G, "middle") == range(3, 7)
    assert layer_range(G, "fine") == range(7, 12)
    assert layer_range(G, (2, 5)) == range(2, 5)
    assert layer_range(TinyStyleG(resolution=16), "fine") == range(0)  # no 64² layers
    with pytest.raises(ConfigError, match="hi <= 12"):
        layer_range(G, (3, 13))
    with pytest.raises(ConfigError, match="coarse, middle, fine"):
        layer_range(G, "everything")


def test_layer_groups_work_from_resolutions_alone_and_may_be_empty():
    at_32 = (4, 8, 8, 16, 16, 32, 32, 32)
    assert group_range(at_32, "coarse") == (0, 3)
    assert group_range(at_32, "middle") == (3, 8)
    assert group_range(at_32, "fine") == (8, 8)  # empty, placed after the last layer
    assert group_range((16, 16), "coarse") == (0, 0)


def test_truncation_to_zero_gives_w_avg_for_every_seed():
    G = TinyStyleG()
    ws = G.mapping(z_from_seeds([1, 2, 3], G.z_dim), psi=0.0)
    assert torch.equal(ws[0], ws[2]) and torch.equal(ws[0, 0], G.w_avg)


# -- directions ----------------------------------------------------------------------------

def _orthonormal(v: Tensor) -> bool:
    return torch.allclose(v @ v.T, torch.eye(len(v)), atol=1e-5)


def test_pca_finds_the_planted_dominant_axis_first():
    G = TinyStyleG(scales=(5.0, 2.0, 1.0, 1.0, 0.5, 0.5, 0.2, 0.2))
    d = pca_directions(G, count=4, samples=4000, seed=1)
    assert d.vectors.shape == (4, G.w_dim) and _orthonormal(d.vectors)
    assert torch.all(d.scales[:-1] >= d.scales[1:])  # sorted by spread
    assert abs(float(d.vectors[0] @ G.axes[:, 0])) > 0.995
    assert abs(float(d.vectors[1] @ G.axes[:, 1])) > 0.98
    assert abs(float(d.scales[0]) - 5.0) < 0.3  # σ along the axis
    again = pca_directions(G, count=4, samples=4000, seed=1)
    assert torch.equal(again.vectors, d.vectors)  # seeded and sign-fixed: identical


def test_sefa_gives_the_top_eigenvectors_of_the_chosen_affines():
    G = TinyStyleG(w_dim=8, style_dim=3)
    layers = range(1, 4)
    d = sefa_directions(G, count=5, layers=layers)
    assert _orthonormal(d.vectors)
    A = np.concatenate([G.affines[i].detach().double().numpy() for i in layers])  # [9, 8]
    values, vectors = np.linalg.eigh(A.T @ A)
    top = vectors[:, ::-1][:, :5].T  # [5, 8], descending eigenvalue
    cosines = np.abs(np.sum(top * d.vectors.double().numpy(), axis=1))
    assert np.allclose(cosines, 1.0, atol=1e-5)
    assert np.allclose(d.strengths.numpy(), values[::-1][:5], rtol=1e-5)
    other = sefa_directions(G, count=5, layers=[0])  # other layers, other directions
    assert abs(float(other.vectors[0] @ d.vectors[0])) < 0.999


def test_direction_counts_are_checked():
    G = TinyStyleG(w_dim=8)
    with pytest.raises(ConfigError, match="1 to 8"):
        sefa_directions(G, count=9)
    with pytest.raises(ConfigError, match="at least 5"):
        pca_directions(G, count=4, samples=4)


def test_directions_are_cached_per_generator():
    G, H = TinyStyleG(), TinyStyleG()
    first = cached_directions(G, "pca", 3, samples=500, seed=0)
    assert cached_directions(G, "pca", 3, samples=500, seed=0) is first
    assert cached_directions(G, "pca", 3, samples=500, seed=1) is not first
    assert cached_directions(H, "pca", 3, samples=500, seed=0) is not first
    sefa = cached_directions(G, "sefa", 2, layers=range(2))
    assert cached_directions(G, "sefa", 2, layers=[1, 0]) is sefa
    assert cached_directions(G, "sefa", 2, layers=range(3)) is not sefa


def test_apply_directions_moves_only_the_chosen_layers():
    ws = torch.randn(2, 6, 8)
    dirs = torch.eye(8)[:3]
    out = apply_directions(ws, dirs, [2.0, 0.0, -1.0], layers=range(1, 3))
    assert torch.equal(out[:, 0], ws[:, 0]) and torch.equal(out[:, 3:], ws[:, 3:])
    delta = out[:, 1:3] - ws[:, 1:3]
    expected = torch.zeros(8)
    expected[0], expected[2] = 2.0, -1.0
    assert torch.allclose(delta, expected.expand_as(delta), atol=1e-6)
    assert torch.equal(apply_directions(ws, dirs, [0.0, 0.0]), ws)
    with pytest.raises(ConfigError, match="4 offsets given for 3 directions"):
        apply_directions(ws, dirs, [1.0] * 4)
