"""StyleGAN networks (Karras et al. 2019 and 2020), growable as in Progressive GAN (2018).

Generator: a mapping network turns z into an intermediate latent w; the synthesis network
starts from a learned 4×4 constant and, block by block, doubles the resolution, styling every
layer with its own copy of w (so copies from different z's mix styles) and adding per-pixel
noise. Each block also emits an RGB image; they are summed upward ("skip" outputs, StyleGAN2),
which is also how a new resolution fades in: rgb = upsample(rgb_prev) + α·toRGB_new(x).

Style index layout (num_ws = 2·log2(R) − 2):
    modconv: 4×4 block: conv ws[0], toRGB ws[1]; block i ≥ 1: convs ws[2i−1], ws[2i], toRGB ws[2i+1]
    adain:   4×4 block: ws[0], ws[1];            block i ≥ 1: ws[2i], ws[2i+1]; toRGB unstyled
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor, nn

from studio.nets.stylegan_layers import (
    AdaIN,
    EqualConv2d,
    EqualLinear,
    MinibatchStd,
    ModulatedConv2d,
    NoiseInput,
    downsample2x,
    lrelu,
    pixel_norm,
    upsample2x,
)

CONST_NOISE_SEED = 20190101  # the fixed noise of noise_mode="const" is drawn from this seed
STYLES = ("modconv", "adain")


def check_resolution(resolution: int, low: int = 4) -> int:
    """log2 of `resolution`, which must be a power of two of at least `low`."""
    log = int(math.log2(resolution)) if resolution > 0 else 0
    if resolution < low or 2**log != resolution:
        raise ValueError(f"resolution must be a power of two of at least {low}, not "
                         f"{resolution}")
    return log


def channels_at(res: int, channel_base: int, max_channels: int) -> int:
    """Feature maps at resolution `res`: min(max_channels, channel_base // res), at least 1."""
    return max(1, min(max_channels, channel_base // res))


class MappingNetwork(nn.Module):
    """z [N, z_dim] → w [N, w_dim]: pixel norm, then an MLP of equalized layers.

    Args: z_dim: input size; w_dim: width of every layer and of w; layers: how many layers;
    lr_mul: learning-rate multiplier of every layer (0.01 in the papers).
    """

    def __init__(self, z_dim: int, w_dim: int, layers: int, lr_mul: float) -> None:
        super().__init__()
        sizes = [z_dim] + [w_dim] * layers
        self.net = nn.Sequential(*(EqualLinear(a, b, lr_mul=lr_mul, activation=True)
                                   for a, b in itertools.pairwise(sizes)))

    def forward(self, z: Tensor) -> Tensor:
        return self.net(pixel_norm(z))  # [N, w_dim]


class ModconvLayer(nn.Module):
    """Modulated 3×3 conv (optionally upsampling), noise, bias, LeakyReLU.

    Args: c_in, c_out: feature maps in and out; res: output side; w_dim: style size;
    upsample: double the side first; noise_gen: source of the fixed "const" noise.
    """

    def __init__(self, c_in: int, c_out: int, res: int, w_dim: int, upsample: bool,
                 noise_gen: torch.Generator) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(c_in, c_out, 3, w_dim, upsample=upsample)
        self.noise = NoiseInput(c_out, res, noise_gen)
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(self, x: Tensor, w: Tensor, mode: str, gen: torch.Generator | None) -> Tensor:
        x = self.noise(self.conv(x, w), mode, gen)  # [N, C_out, res, res]
        return lrelu(x + self.bias[None, :, None, None])


class ModconvBlock(nn.Module):
    """StyleGAN2 block at resolution `res`: one or two modulated convs and a toRGB.

    Args: c_in, c_out: feature maps in and out; res: output side; w_dim: style size;
    img_channels: image channels of the toRGB; first: the 4×4 block (one conv, no upsampling);
    noise_gen: source of the fixed "const" noise.
    """

    def __init__(self, c_in: int, c_out: int, res: int, w_dim: int, img_channels: int,
                 first: bool, noise_gen: torch.Generator) -> None:
        super().__init__()
        self.first = first
        layers = [] if first else [ModconvLayer(c_in, c_out, res, w_dim, True, noise_gen)]
        layers.append(ModconvLayer(c_out, c_out, res, w_dim, False, noise_gen))
        self.layers = nn.ModuleList(layers)
        self.to_rgb = ModulatedConv2d(c_out, img_channels, 1, w_dim, demodulate=False)
        self.rgb_bias = nn.Parameter(torch.zeros(img_channels))
        self.w_first = 0  # index of the first ws entry this block reads (set by the generator)

    def forward(self, x: Tensor, ws: Tensor, mode: str,
                gen: torch.Generator | None) -> tuple[Tensor, Tensor]:
        for j, layer in enumerate(self.layers):
            x = layer(x, ws[:, self.w_first + j], mode, gen)
        rgb = self.to_rgb(x, ws[:, self.w_first + len(self.layers)])  # [N, img_C, res, res]
        return x, rgb + self.rgb_bias[None, :, None, None]

    def style_layers(self) -> list[ModulatedConv2d]:
        return [layer.conv for layer in self.layers] + [self.to_rgb]


class AdainBlock(nn.Module):
    """StyleGAN1 block: (upsample, conv | constant), noise, AdaIN, conv, noise, AdaIN; toRGB.

    Args: as ModconvBlock; its toRGB is a plain 1×1 conv (unstyled).
    """

    def __init__(self, c_in: int, c_out: int, res: int, w_dim: int, img_channels: int,
                 first: bool, noise_gen: torch.Generator) -> None:
        super().__init__()
        self.first = first
        self.conv0 = None if first else EqualConv2d(c_in, c_out, 3)
        self.conv1 = EqualConv2d(c_out, c_out, 3)
        self.noise0 = NoiseInput(c_out, res, noise_gen)
        self.noise1 = NoiseInput(c_out, res, noise_gen)
        self.bias0 = nn.Parameter(torch.zeros(c_out)) if first else None  # the constant's
        self.style0, self.style1 = AdaIN(c_out, w_dim), AdaIN(c_out, w_dim)
        self.to_rgb = EqualConv2d(c_out, img_channels, 1)
        self.w_first = 0

    def forward(self, x: Tensor, ws: Tensor, mode: str,
                gen: torch.Generator | None) -> tuple[Tensor, Tensor]:
        if self.conv0 is not None:
            x = self.noise0(self.conv0(upsample2x(x)), mode, gen)  # [N, C_out, res, res]
        else:  # the learned constant gets noise and a bias of its own
            x = self.noise0(x, mode, gen) + self.bias0[None, :, None, None]
        x = self.style0(lrelu(x), ws[:, self.w_first])
        x = self.noise1(self.conv1(x), mode, gen)
        x = self.style1(lrelu(x), ws[:, self.w_first + 1])
        return x, self.to_rgb(x)

    def style_layers(self) -> list[AdaIN]:
        return [self.style0, self.style1]


class StyleGenerator(nn.Module):
    """z [N, z_dim] → image [N, img_channels, R, R] (linear output, ≈[-1, 1]; clamp to show).

    Args:
        z_dim: size of the input latent z.
        w_dim: size of the intermediate latent w (and of every style).
        resolution: output side R, a power of two ≥ 8 (16 to 256 in the studio).
        img_channels: 1 (grayscale) or 3 (RGB).
        mapping_layers: fully connected layers of the mapping network z → w, default 8.
        channel_base: feature maps at resolution r are min(max_channels, channel_base // r).
        max_channels: the cap on feature maps at low resolutions.
        style: "modconv" (StyleGAN2 modulated convolutions) or "adain" (StyleGAN1 AdaIN).
        mapping_lr_mul: learning-rate multiplier of the mapping network, default 0.01.
    """

    def __init__(self, z_dim: int, w_dim: int, resolution: int, img_channels: int,
                 mapping_layers: int = 8, channel_base: int = 2048, max_channels: int = 128,
                 style: str = "modconv", mapping_lr_mul: float = 0.01) -> None:
        super().__init__()
        if style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}, not {style!r}")
        log = check_resolution(resolution, 8)
        self.z_dim, self.w_dim, self.resolution = z_dim, w_dim, resolution
        self.img_channels, self.style = img_channels, style
        self.num_ws = 2 * log - 2
        self.mapping_net = MappingNetwork(z_dim, w_dim, mapping_layers, mapping_lr_mul)
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.const = nn.Parameter(torch.randn(channels_at(4, channel_base, max_channels), 4, 4))
        noise_gen = torch.Generator().manual_seed(CONST_NOISE_SEED)
        block_cls = ModconvBlock if style == "modconv" else AdainBlock
        blocks, c_in = [], self.const.shape[0]
        for i in range(log - 1):  # resolutions 4, 8, …, R
            res = 4 * 2**i
            c_out = channels_at(res, channel_base, max_channels)
            block = block_cls(c_in, c_out, res, w_dim, img_channels, i == 0, noise_gen)
            block.w_first = max(0, 2 * i - 1) if style == "modconv" else 2 * i
            blocks.append(block)
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        # an index shared by a toRGB and the next block's first conv counts as the conv's
        self.layer_resolutions = tuple(min(resolution, 4 * 2 ** ((k + 1) // 2))
                                       if style == "modconv" else 4 * 2 ** (k // 2)
                                       for k in range(self.num_ws))
        self.growth_resolution, self.growth_alpha = resolution, 1.0

    def mapping(self, z: Tensor, psi: float = 1.0, cutoff: int | None = None) -> Tensor:
        """z [N, z_dim] → ws [N, num_ws, w_dim], truncated toward w_avg at indices < cutoff."""
        w = self.mapping_net(z)  # [N, w_dim]
        ws = w[:, None].repeat(1, self.num_ws, 1)  # [N, num_ws, w_dim]
        if psi != 1.0:
            end = self.num_ws if cutoff is None else cutoff
            ws[:, :end] = self.w_avg.lerp(ws[:, :end], psi)  # w_avg + ψ(w − w_avg)
        return ws

    def synthesis(self, ws: Tensor, noise_mode: str = "random",
                  generator: torch.Generator | None = None) -> Tensor:
        """ws [N, num_ws, w_dim] → images [N, img_channels, r, r] at the growth resolution r."""
        active = check_resolution(self.growth_resolution) - 1  # blocks up to r
        x = self.const[None].expand(ws.shape[0], -1, -1, -1)  # [N, C4, 4, 4]
        rgb = None
        for i, block in enumerate(self.blocks[:active]):
            x, y = block(x, ws, noise_mode, generator)  # y: [N, img_C, res, res]
            if rgb is None:
                rgb = y
            elif i == active - 1 and self.growth_alpha < 1.0:  # fading in the top block
                rgb = upsample2x(rgb) + self.growth_alpha * y
            else:
                rgb = upsample2x(rgb) + y
        return rgb

    def forward(self, z: Tensor, psi: float = 1.0, cutoff: int | None = None,
                noise_mode: str = "random", generator: torch.Generator | None = None) -> Tensor:
        return self.synthesis(self.mapping(z, psi, cutoff), noise_mode, generator)

    @torch.no_grad()
    def update_w_avg(self, w: Tensor, beta: float = 0.995) -> None:
        """Move the running average of w toward this batch's mean: w_avg ← lerp(w_avg, w̄, 1−β)."""
        self.w_avg.lerp_(w.detach().mean(0).to(self.w_avg.dtype), 1.0 - beta)

    def style_affines(self) -> list[tuple[int, Tensor]]:
        """(ws index, effective affine weight [C_in, w_dim]) of every styled layer, in order.

        For "adain" the weight is the scale half of the AdaIN affine.
        """
        out = []
        for block in self.blocks:
            for j, layer in enumerate(block.style_layers()):
                out.append((block.w_first + j, layer.style_weight().detach()))
        return out

    def set_growth(self, resolution: int, alpha: float = 1.0) -> None:
        """Output at `resolution` (4 … R) with its top block faded in by alpha ∈ [0, 1]."""
        set_growth_checked(self, resolution, alpha)


def set_growth_checked(net: nn.Module, resolution: int, alpha: float) -> None:
    """Validate and store a growth state on a generator or discriminator."""
    check_resolution(resolution)
    if resolution > net.resolution:
        raise ValueError(f"growth resolution {resolution} exceeds the network's "
                         f"{net.resolution}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], not {alpha}")
    net.growth_resolution, net.growth_alpha = int(resolution), float(alpha)


class DiscriminatorBlock(nn.Module):
    """Two 3×3 equalized convs with LeakyReLU, then 2× average-pool down.

    Args: c_in: feature maps in (and of the first conv's output); c_out: feature maps out.
    """

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(c_in, c_in, 3, activation=True)
        self.conv1 = EqualConv2d(c_in, c_out, 3, activation=True)

    def forward(self, x: Tensor) -> Tensor:  # [N, C_in, H, W] → [N, C_out, H/2, W/2]
        return downsample2x(self.conv1(self.conv0(x)))


class StyleDiscriminator(nn.Module):
    """image [N, img_channels, r, r] → one logit per image [N] (r: the growth resolution).

    Args:
        img_channels: 1 (grayscale) or 3 (RGB).
        resolution: full input side R, a power of two ≥ 8.
        channel_base: feature maps at resolution r are min(max_channels, channel_base // r).
        max_channels: the cap on feature maps at low resolutions.
        mbstd_group: samples per minibatch-stddev group, default 4 (shrunk to divide N).
    """

    def __init__(self, img_channels: int, resolution: int, channel_base: int = 2048,
                 max_channels: int = 128, mbstd_group: int = 4) -> None:
        super().__init__()
        log = check_resolution(resolution, 8)
        self.img_channels, self.resolution = img_channels, resolution
        ch = [channels_at(4 * 2**i, channel_base, max_channels) for i in range(log - 1)]
        # index i serves resolution 4·2^i; blocks[0] is unused (4×4 ends in the epilogue)
        self.from_rgb = nn.ModuleList(EqualConv2d(img_channels, c, 1, activation=True)
                                      for c in ch)
        self.blocks = nn.ModuleList([nn.Identity()] + [DiscriminatorBlock(ch[i], ch[i - 1])
                                                       for i in range(1, log - 1)])
        c4 = ch[0]
        self.mbstd = MinibatchStd(mbstd_group)
        self.conv = EqualConv2d(c4 + 1, c4, 3, activation=True)
        self.fc = EqualLinear(c4 * 16, c4, activation=True)
        self.out = EqualLinear(c4, 1)
        self.growth_resolution, self.growth_alpha = resolution, 1.0

    def forward(self, x: Tensor) -> Tensor:  # x: [N, C, r, r]
        r = self.growth_resolution
        if x.shape[-1] != r or x.shape[-2] != r:
            raise ValueError(f"expected {r}×{r} images, got {tuple(x.shape[-2:])}")
        top = check_resolution(r) - 2  # index of resolution r
        h = self.from_rgb[top](x)  # [N, C_r, r, r]
        if top > 0:
            h = self.blocks[top](h)  # [N, C_{r/2}, r/2, r/2]
            if self.growth_alpha < 1.0:  # the old input path, fading out
                h = torch.lerp(self.from_rgb[top - 1](downsample2x(x)), h, self.growth_alpha)
            for i in range(top - 1, 0, -1):
                h = self.blocks[i](h)
        h = self.conv(self.mbstd(h))  # [N, C4, 4, 4]
        h = self.fc(h.flatten(1))  # [N, C4]
        return self.out(h).view(-1)  # [N]

    def set_growth(self, resolution: int, alpha: float = 1.0) -> None:
        """Take input at `resolution` (4 … R), its top block faded in by alpha ∈ [0, 1]."""
        set_growth_checked(self, resolution, alpha)
