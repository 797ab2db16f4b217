"""The generator as traceable graphs: plain tensors in, images out, nothing left to Python.

A GAN, DCGAN or cGAN generator is one graph: z (and a cGAN's class) → images. A StyleGAN is
two: mapping (z, ψ, cutoff → ws, truncation done with tensor ops so ψ and cutoff are inputs)
and synthesis (ws and one explicit noise map per noise layer → images). Noise as inputs makes
every result reproducible outside the studio: feed the "const" buffers, zeros ("none") or the
maps the studio draws ("random"). Both run on a copy of the generator with unfused modulated
convolutions, whose graph works for any batch size. Images are clamped to [-1, 1], as shown.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from studio.nets.stylegan_layers import NoiseInput


def is_stylegan(G: nn.Module) -> bool:
    """True for a StyleGAN generator (mapping and synthesis), False for a latent one."""
    return hasattr(G, "synthesis") and hasattr(G, "mapping_net")


def cpu_copy(G: nn.Module) -> nn.Module:
    """A frozen CPU copy of G, so exporting and checking never touch the studio's generator."""
    return copy.deepcopy(G).cpu().eval().requires_grad_(False)


@dataclass(frozen=True)
class NoiseLayer:
    """One noise layer synthesis uses: its module path in G and its maps' side (H, W)."""

    name: str
    size: tuple[int, int]


def noise_layers(G: nn.Module) -> list[NoiseLayer]:
    """The noise layers synthesis calls at G's growth resolution, in the order it calls them
    (the order the studio draws "random" noise in), found by one dry run with hooks."""
    names = {module: name for name, module in G.named_modules() if isinstance(module, NoiseInput)}
    found: list[NoiseLayer] = []

    def seen(module: nn.Module, args: tuple, output: Tensor) -> None:
        found.append(NoiseLayer(names[module], (int(output.shape[-2]), int(output.shape[-1]))))

    hooks = [module.register_forward_hook(seen) for module in names]
    try:
        with torch.no_grad():
            G.synthesis(G.w_avg.expand(1, G.num_ws, -1), noise_mode="const")
    finally:
        for hook in hooks:
            hook.remove()
    return found


def draw_noise(layers: list[NoiseLayer], n: int, seed: int) -> list[Tensor]:
    """The maps synthesis draws in "random" mode for n images from a CPU generator seeded
    with `seed`: one [n, 1, H, W] per layer, in call order."""
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    return [torch.randn(n, 1, *layer.size, generator=gen) for layer in layers]


class _FedNoise(nn.Module):
    """A noise layer whose map is fed from outside: x + noise · strength."""

    def __init__(self, strength: Tensor) -> None:
        super().__init__()
        self.strength = nn.Parameter(strength.detach().clone(), requires_grad=False)
        self.noise: Tensor | None = None  # [N or 1, 1, H, W], set for each call

    def forward(self, x: Tensor, mode: str = "const",
                generator: torch.Generator | None = None) -> Tensor:  # x: [N, C, H, W]
        return x + self.noise * self.strength[None, :, None, None]


class LatentGraph(nn.Module):
    """z [N, z_dim] (and labels [N] int64 for a cGAN) → images [N, C, H, W] in [-1, 1]."""

    def __init__(self, G: nn.Module) -> None:
        super().__init__()
        self.G = G
        self.eval()

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.G(z, labels).clamp(-1.0, 1.0)


class MappingGraph(nn.Module):
    """z [N, z_dim], ψ [] float, cutoff [] int64 → ws [N, num_ws, w_dim]; the indices below
    cutoff are truncated toward w_avg (cutoff = num_ws truncates all, as the studio's None)."""

    def __init__(self, G: nn.Module) -> None:
        super().__init__()
        self.net = G.mapping_net
        self.num_ws = int(G.num_ws)
        self.register_buffer("w_avg", G.w_avg.detach().clone())  # [w_dim]
        self.register_buffer("index", torch.arange(self.num_ws))  # [num_ws]
        self.eval()

    def forward(self, z: Tensor, psi: Tensor, cutoff: Tensor) -> Tensor:
        w = self.net(z)  # [N, w_dim]
        ws = w[:, None].repeat(1, self.num_ws, 1)  # [N, num_ws, w_dim]
        truncated = self.w_avg + psi * (ws - self.w_avg)
        keep = (self.index < cutoff)[None, :, None]  # [1, num_ws, 1]
        return torch.where(keep, truncated, ws)


class SynthesisGraph(nn.Module):
    """ws [N, num_ws, w_dim] and noise maps ([N or 1, 1, H_i, W_i], one per `noise_layers`)
    → images [N, C, R, R] clamped to [-1, 1].

    Holds its own CPU copy of G with fed noise layers; trace it inside
    `unfused_modulation(graph)` (the exporters do) so the trace works for any batch.
    """

    def __init__(self, G: nn.Module) -> None:
        super().__init__()
        self.layers = noise_layers(G)
        self.G = cpu_copy(G)
        self.fed = nn.ModuleList()
        for layer in self.layers:
            parent, _, child = layer.name.rpartition(".")
            old = self.G.get_submodule(layer.name)
            fed = _FedNoise(old.strength)
            setattr(self.G.get_submodule(parent), child, fed)
            self.fed.append(fed)
        self.eval()

    def forward(self, ws: Tensor, *noise: Tensor) -> Tensor:
        for fed, maps in zip(self.fed, noise, strict=True):
            fed.noise = maps
        try:
            return self.G.synthesis(ws, noise_mode="const").clamp(-1.0, 1.0)
        finally:
            for fed in self.fed:
                fed.noise = None

    def const_noise(self, G: nn.Module) -> list[Tensor]:
        """G's fixed "const" noise buffers, [1, 1, H_i, W_i] each, in input order."""
        return [G.get_submodule(layer.name).const_noise.detach().cpu().clone()
                for layer in self.layers]


class StyleGraph(nn.Module):
    """z [N, z_dim], ψ [] float, cutoff [] int64 → images, with the "const" noise built in:
    mapping and synthesis in one module (what TorchScript traces for a StyleGAN). G: a CPU
    generator (the mapping graph shares its mapping network)."""

    def __init__(self, G: nn.Module) -> None:
        super().__init__()
        self.mapping = MappingGraph(G)
        self.synthesis = SynthesisGraph(G)
        for i, maps in enumerate(self.synthesis.const_noise(G)):
            self.register_buffer(f"noise_{i}", maps)
        self.eval()

    def forward(self, z: Tensor, psi: Tensor, cutoff: Tensor) -> Tensor:
        noise = [getattr(self, f"noise_{i}") for i in range(len(self.synthesis.layers))]
        return self.synthesis(self.mapping(z, psi, cutoff), *noise)

