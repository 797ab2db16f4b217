"""The unfused modulated convolution: the same images as the fused one, switched on only
inside `unfused_modulation`, so training keeps the fused path. Cost: well under a second."""

from __future__ import annotations

import torch

from studio.nets.stylegan import StyleGenerator
from studio.nets.stylegan_layers import ModulatedConv2d, unfused_modulation


def _generator() -> StyleGenerator:
    torch.manual_seed(0)
    G = StyleGenerator(8, 8, 32, 3, mapping_layers=2, channel_base=128, max_channels=16)
    with torch.no_grad():
        for p in G.parameters():  # trained-looking: noise strengths and biases not zero
            p.add_(0.3 * torch.randn_like(p))
    return G.eval()


def _fused_flags(module: torch.nn.Module) -> list[bool]:
    return [m.fused for m in module.modules() if isinstance(m, ModulatedConv2d)]


@torch.no_grad()
def test_unfused_generator_matches_fused_on_random_inputs():
    G = _generator()
    torch.manual_seed(1)
    ws = torch.randn(5, G.num_ws, 8) * 2  # every layer its own style, batch 5
    fused = G.synthesis(ws, noise_mode="const")
    with unfused_modulation(G):
        assert not any(_fused_flags(G))
        unfused = G.synthesis(ws, noise_mode="const")
    assert fused.std() > 0.1
    torch.testing.assert_close(unfused, fused, atol=1e-5, rtol=1e-5)


@torch.no_grad()
def test_every_kind_of_layer_matches_per_sample():
    """Feature convs (demodulated, with and without upsampling) and toRGB (not demodulated)."""
    torch.manual_seed(2)
    for kwargs in ({"kernel_size": 3}, {"kernel_size": 3, "upsample": True},
                   {"kernel_size": 1, "demodulate": False}):
        conv = ModulatedConv2d(6, 4, w_dim=5, **kwargs)
        conv.affine.bias.add_(torch.randn(6))
        x, w = torch.randn(3, 6, 8, 8), torch.randn(3, 5)
        fused = conv(x, w)
        with unfused_modulation(conv):
            torch.testing.assert_close(conv(x, w), fused, atol=1e-5, rtol=1e-5)
        # one sample alone gives its row of the batch (no sample leaks into another)
        with unfused_modulation(conv):
            torch.testing.assert_close(conv(x[1:2], w[1:2]), fused[1:2], atol=1e-5, rtol=1e-5)


def test_training_keeps_the_fused_path_and_the_setting_is_restored():
    G = _generator()
    assert all(_fused_flags(G))  # the default every trainer builds with
    G.blocks[1].to_rgb.fused = False  # a layer someone set on purpose stays as set
    before = _fused_flags(G)
    try:
        with unfused_modulation(G):
            raise RuntimeError("an export failing inside")
    except RuntimeError:
        pass
    assert _fused_flags(G) == before and before.count(False) == 1
