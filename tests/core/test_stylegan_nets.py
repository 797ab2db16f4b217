"""StyleGAN's networks: shapes, style layout, AdaIN, modulation, truncation, noise and growth."""

from __future__ import annotations

import pytest
import torch

from studio.nets.stylegan import StyleDiscriminator, StyleGenerator
from studio.nets.stylegan_layers import (
    AdaIN,
    EqualLinear,
    MinibatchStd,
    ModulatedConv2d,
    NoiseInput,
    mbstd_group_size,
    upsample2x,
)
from studio.train.growth import growth_at, growth_end_step

pytestmark = pytest.mark.usefixtures("one_thread")


SMALL = {"channel_base": 256, "max_channels": 16, "mapping_layers": 2}


def small_g(resolution=16, channels=3, style="modconv", **kw):
    torch.manual_seed(0)
    return StyleGenerator(8, 8, resolution, channels, style=style, **{**SMALL, **kw})


def perturb(net):
    """Give zero-initialised parameters (noise strengths, biases) non-trivial values."""
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.1)


@pytest.mark.parametrize("style", ["modconv", "adain"])
@pytest.mark.parametrize("resolution", [16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_through_g_and_d(style, resolution, channels):
    g = small_g(resolution, channels, style)
    d = StyleDiscriminator(channels, resolution, channel_base=256, max_channels=16)
    images = g(torch.randn(3, 8))  # an odd batch: the mbstd group falls back to 3
    assert images.shape == (3, channels, resolution, resolution)
    assert torch.isfinite(images).all()
    logits = d(images)
    assert logits.shape == (3,)
    logits.sum().backward()  # gradients reach G through D
    assert g.const.grad is not None and g.mapping_net.net[0].weight.grad is not None


@pytest.mark.parametrize(("style", "expected"), [
    ("modconv", (4, 8, 8, 16, 16, 32, 32, 32)),
    ("adain", (4, 4, 8, 8, 16, 16, 32, 32)),
])
def test_style_layout(style, expected):
    g = small_g(32, style=style)
    assert g.num_ws == 8 and g.layer_resolutions == expected
    affines = g.style_affines()
    indices = [i for i, _ in affines]
    if style == "modconv":  # each toRGB shares its index with the next block's first conv
        assert indices == [0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7]
    else:
        assert indices == list(range(8))
    # channels: 16 up to 16×16, 8 at 32×32; a layer's style has one entry per input map
    widths = [16] * 9 + [8, 8] if style == "modconv" else [16] * 6 + [8, 8]
    assert [tuple(w.shape) for _, w in affines] == [(c, 8) for c in widths]


def test_each_ws_index_styles_only_its_layers():
    g = small_g(16)
    g.eval()
    ws = g.mapping(torch.randn(2, 8))
    base = g.synthesis(ws, "const")
    for k in range(g.num_ws):  # changing index k alone must change the image
        other = ws.clone()
        other[:, k] += 1.0
        assert not torch.allclose(g.synthesis(other, "const"), base), k


def test_adain_normalises_then_applies_the_style():
    torch.manual_seed(1)
    layer = AdaIN(5, 7)
    perturb(layer)
    x = torch.randn(4, 5, 8, 8) * 3 + 2  # far from zero mean, unit variance
    w = torch.randn(4, 7)
    scale, bias = layer.affine(w).chunk(2, dim=1)
    out = layer(x, w)
    torch.testing.assert_close(out.mean(dim=(2, 3)), bias, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(out.std(dim=(2, 3), unbiased=False), scale.abs(), atol=1e-4,
                               rtol=1e-4)
    assert layer.style_weight().shape == (5, 7)


def test_equalized_layers_scale_at_run_time():
    torch.manual_seed(0)
    layer = EqualLinear(400, 300, lr_mul=0.01)
    assert layer.weight.std().item() == pytest.approx(100, rel=0.05)  # N(0, 1/lr_mul)
    # the applied weight has the He scale 1/sqrt(fan_in), so unit inputs stay unit
    assert layer.effective_weight().std().item() == pytest.approx(400**-0.5, rel=0.05)


@pytest.mark.parametrize("upsample", [False, True])
def test_modulated_conv_grouped_equals_per_sample_and_demodulates(upsample):
    torch.manual_seed(0)
    conv = ModulatedConv2d(6, 5, 3, 4, upsample=upsample)
    perturb(conv)
    x, w = torch.randn(3, 6, 8, 8), torch.randn(3, 4)
    grouped = conv(x, w)
    conv.fused = False
    torch.testing.assert_close(conv(x, w), grouped, atol=1e-5, rtol=1e-4)
    # demodulation: scaling a sample's style leaves its output unchanged
    s = conv.affine(w)
    conv.fused = True
    conv.affine.bias.data *= 3
    conv.affine.weight.data *= 3
    torch.testing.assert_close(conv(x, w), grouped, atol=1e-4, rtol=1e-4)
    assert conv.style_weight().shape == (6, 4) and s.shape == (3, 6)


def test_truncation_and_cutoff():
    g = small_g(16)
    perturb(g)
    g.update_w_avg(torch.randn(64, 8), beta=0.0)  # some non-zero centre
    z1, z2 = torch.randn(2, 8), torch.randn(2, 8)
    a = g(z1, psi=0.0, noise_mode="const")
    b = g(z2, psi=0.0, noise_mode="const")
    torch.testing.assert_close(a, b)  # ψ = 0: every z gives the average image
    ws, ws_half = g.mapping(z1), g.mapping(z1, psi=0.5, cutoff=3)
    torch.testing.assert_close(ws_half[:, :3], g.w_avg + 0.5 * (ws[:, :3] - g.w_avg))
    assert torch.equal(ws_half[:, 3:], ws[:, 3:])
    assert not torch.allclose(ws_half[:, :3], ws[:, :3])


def test_update_w_avg_moves_toward_the_batch_mean():
    g = small_g(16)
    w = torch.ones(10, 8)
    g.update_w_avg(w, beta=0.9)
    torch.testing.assert_close(g.w_avg, torch.full((8,), 0.1))


def test_noise_modes():
    g = small_g(16)
    perturb(g)  # noise strengths start at zero; make them matter
    z = torch.randn(2, 8)
    gen = torch.Generator().manual_seed(3)
    r1 = g(z, noise_mode="random", generator=gen)
    r2 = g(z, noise_mode="random", generator=torch.Generator().manual_seed(3))
    assert torch.equal(r1, r2)  # reproducible from the generator
    assert not torch.equal(r1, g(z, noise_mode="random"))
    assert torch.equal(g(z, noise_mode="const"), g(z, noise_mode="const"))
    assert not torch.equal(g(z, noise_mode="const"), g(z, noise_mode="none"))
    # the fixed noise is the same for every generator built alike, whatever the global seed
    torch.manual_seed(123)
    other = StyleGenerator(8, 8, 16, 3, **SMALL)
    buffers = [k for k in g.state_dict() if k.endswith("const_noise")]
    assert len(buffers) == 5  # one per noise input: 1 at 4×4, 2 at 8 and 16
    for k in buffers:
        assert torch.equal(g.state_dict()[k], other.state_dict()[k])
    with pytest.raises(ValueError, match="noise_mode"):
        g(z, noise_mode="fresh")


def test_noise_input_starts_silent():
    layer = NoiseInput(4, 8, torch.Generator().manual_seed(0))
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(layer(x), x)


def test_minibatch_std_groups_and_fallback():
    assert [mbstd_group_size(4, n) for n in (1, 2, 3, 4, 6, 8, 10)] == [1, 2, 3, 4, 3, 4, 2]
    x = torch.zeros(8, 2, 3, 3)
    x[4:] = 1.0  # group i mod 2: samples {0,2,4,6} and {1,3,5,7} each hold two 0s and two 1s
    out = MinibatchStd(4)(x)
    assert out.shape == (8, 3, 3, 3)
    torch.testing.assert_close(out[:, 2], torch.full((8, 3, 3), 0.5), atol=1e-3, rtol=0)
    same = MinibatchStd(4)(torch.ones(5, 2, 3, 3))  # 5 samples: one group of 5, no spread
    assert same[:, 2].abs().max() < 1e-3


def test_growth_schedule():
    # start 8 → 32: stable 10, then 16 fades over 4 and is stable 10, then 32 the same
    sched = [growth_at(s, 8, 32, 4, 10) for s in (0, 9, 10, 12, 14, 23, 24, 26, 28, 10**6)]
    assert sched == [(8, 1.0), (8, 1.0), (16, 0.0), (16, 0.5), (16, 1.0), (16, 1.0),
                     (32, 0.0), (32, 0.5), (32, 1.0), (32, 1.0)]
    assert growth_end_step(8, 32, 4, 10) == 28
    assert growth_end_step(32, 32, 4, 10) == 0
    assert growth_at(0, 64, 32, 4, 10) == (32, 1.0)  # never above the data resolution
    assert growth_at(5, 8, 16, 0, 0) == (16, 1.0)


@pytest.mark.parametrize("style", ["modconv", "adain"])
def test_alpha_zero_output_is_the_upsampled_previous_output(style):
    g = small_g(32, style=style)
    perturb(g)
    ws = g.mapping(torch.randn(2, 8))
    g.set_growth(16, 1.0)
    previous = g.synthesis(ws, "const")
    assert previous.shape == (2, 3, 16, 16)
    g.set_growth(32, 0.0)
    torch.testing.assert_close(g.synthesis(ws, "const"), upsample2x(previous))
    g.set_growth(32, 0.5)
    half = g.synthesis(ws, "const")
    g.set_growth(32, 1.0)
    full = g.synthesis(ws, "const")
    torch.testing.assert_close(half, 0.5 * (upsample2x(previous) + full))
    g.set_growth(4, 1.0)
    assert g.synthesis(ws, "const").shape == (2, 3, 4, 4)
    with pytest.raises(ValueError):
        g.set_growth(64, 1.0)


def test_discriminator_fade_blends_old_and_new_paths():
    torch.manual_seed(0)
    d = StyleDiscriminator(3, 32, channel_base=256, max_channels=16)
    x = torch.randn(4, 3, 16, 16)
    d.set_growth(16, 1.0)
    new = d(x)
    d.set_growth(16, 0.0)
    old = d(x)  # only the 8×8 fromRGB on the pooled image
    d.set_growth(8, 1.0)
    torch.testing.assert_close(old, d(torch.nn.functional.avg_pool2d(x, 2)))
    assert not torch.allclose(old, new)
    d.set_growth(4, 1.0)  # growth may start at 4×4: fromRGB straight into the epilogue
    assert d(torch.randn(4, 3, 4, 4)).shape == (4,)
    with pytest.raises(ValueError, match="16×16"):
        d.set_growth(16, 1.0) or d(torch.randn(4, 3, 32, 32))
