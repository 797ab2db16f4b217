"""Building blocks of StyleGAN (Karras et al. 2019, 2020) and Progressive GAN (Karras et al. 2018).

- Equalized learning rate (PGGAN §4.1): weights are stored as N(0, 1/lr_mul) and scaled at run
  time by lr_mul/sqrt(fan_in), so Adam's per-parameter step size is the same for every layer.
- AdaIN (StyleGAN §2): instance-normalise each feature map, then scale and shift it by the style.
- Modulated convolution (StyleGAN2 §2.2): scale the weights by the style per input channel and
  divide by their norm per output channel ("demodulation"), which replaces AdaIN without its
  droplet artifacts.
- Noise inputs (StyleGAN §2): per-pixel noise times a learned per-channel strength.
- Minibatch standard deviation (PGGAN §3): a feature that lets D see the variety of a batch.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LRELU_GAIN = math.sqrt(2.0)  # keeps the signal's magnitude through LeakyReLU(0.2) (He et al.)


def lrelu(x: Tensor) -> Tensor:
    """LeakyReLU(0.2) times √2, the activation of every StyleGAN layer."""
    return F.leaky_relu(x, 0.2) * LRELU_GAIN


def upsample2x(x: Tensor) -> Tensor:
    """Bilinear 2× upsampling, [N, C, H, W] → [N, C, 2H, 2W] (the skip outputs and the fades)."""
    return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


def downsample2x(x: Tensor) -> Tensor:
    """2×2 average pooling, [N, C, H, W] → [N, C, H/2, W/2]."""
    return F.avg_pool2d(x, 2)


def pixel_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Normalise each vector to unit root-mean-square along dim 1 (PGGAN §4.2)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


class EqualLinear(nn.Module):
    """A fully connected layer with equalized learning rate.

    Args:
        in_features: input size.
        out_features: output size.
        bias: learn a bias, default True.
        bias_init: the bias's initial (effective) value, default 0; style affines use 1.
        lr_mul: learning-rate multiplier, default 1; the mapping network uses 0.01.
        activation: apply LeakyReLU(0.2)·√2 after the bias, default False.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 bias_init: float = 0.0, lr_mul: float = 1.0, activation: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lr_mul)) if bias else None
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul
        self.activation = activation

    def effective_weight(self) -> Tensor:
        """The weight actually applied, [out, in]."""
        return self.weight * self.weight_gain

    def forward(self, x: Tensor) -> Tensor:  # x: [N, in]
        bias = self.bias * self.lr_mul if self.bias is not None else None
        x = F.linear(x, self.effective_weight(), bias)  # [N, out]
        return lrelu(x) if self.activation else x


class EqualConv2d(nn.Module):
    """A 2-D convolution ("same" padding, stride 1) with equalized learning rate.

    Args:
        in_channels: input feature maps.
        out_channels: output feature maps.
        kernel_size: side of the square kernel (1 or 3 here).
        bias: learn a bias, default True.
        activation: apply LeakyReLU(0.2)·√2 after the bias, default False.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 bias: bool = True, activation: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size,
                                               kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:  # x: [N, C_in, H, W]
        x = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.padding)
        return lrelu(x) if self.activation else x  # [N, C_out, H, W]


class ModulatedConv2d(nn.Module):
    """StyleGAN2's modulated (and optionally demodulated) convolution, one kernel per sample.

    Args:
        in_channels: input feature maps.
        out_channels: output feature maps.
        kernel_size: side of the square kernel (3 for features, 1 for toRGB).
        w_dim: size of the style vector w the affine layer reads.
        demodulate: normalise each sample's kernel per output channel, default True (False for
            toRGB, whose output scale must follow the style).
        upsample: upsample the input 2× (bilinear) before the convolution, default False.
        fused: run the per-sample kernels as one grouped convolution (the paper's formulation);
            False scales activations instead of weights — the same result, often faster when
            training on a CPU. Default True.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, w_dim: int,
                 demodulate: bool = True, upsample: bool = False, fused: bool = True) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # w → style s
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size,
                                               kernel_size))
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2
        self.demodulate, self.upsample, self.fused = demodulate, upsample, fused

    def forward(self, x: Tensor, w: Tensor) -> Tensor:  # x: [N, C_in, H, W], w: [N, w_dim]
        if self.upsample:
            x = upsample2x(x)
        styles = self.affine(w)  # [N, C_in]
        weight = self.weight * self.weight_gain  # [C_out, C_in, k, k]
        if self.fused:
            return self._grouped(x, weight, styles)
        demod = None
        if self.demodulate:  # ‖w'‖ per sample and output channel, computed without w' itself
            sq = weight.pow(2).sum(dim=(2, 3))  # [C_out, C_in]
            demod = torch.rsqrt(styles.pow(2) @ sq.t() + 1e-8)  # [N, C_out]
        x = F.conv2d(x * styles[:, :, None, None], weight, padding=self.padding)
        return x * demod[:, :, None, None] if demod is not None else x  # [N, C_out, H, W]

    def _grouped(self, x: Tensor, weight: Tensor, styles: Tensor) -> Tensor:
        n, c_in, h, w = x.shape
        wts = weight[None] * styles[:, None, :, None, None]  # [N, C_out, C_in, k, k]
        if self.demodulate:
            wts = wts * torch.rsqrt(wts.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        c_out, k = wts.shape[1], wts.shape[-1]
        out = F.conv2d(x.reshape(1, n * c_in, h, w), wts.reshape(n * c_out, c_in, k, k),
                       padding=self.padding, groups=n)  # [1, N·C_out, H, W]
        return out.reshape(n, c_out, h, w)

    def style_weight(self) -> Tensor:
        """The affine's effective weight, [C_in, w_dim] (what SeFa factorises)."""
        return self.affine.effective_weight()


@contextlib.contextmanager
def unfused_modulation(module: nn.Module) -> Iterator[nn.Module]:
    """Run every ModulatedConv2d inside `module` unfused while inside the block, then restore.

    The fused form's grouped convolution fixes the batch size in an exported graph (ONNX Conv's
    `group` is static); the unfused form (scale inputs by the style, shared weight, demodulate
    outputs) computes the same images with any batch, so exporters trace it. Training keeps
    each layer's own setting (fused by default).
    """
    convs = [m for m in module.modules() if isinstance(m, ModulatedConv2d)]
    before = [conv.fused for conv in convs]
    for conv in convs:
        conv.fused = False
    try:
        yield module
    finally:
        for conv, fused in zip(convs, before, strict=True):
            conv.fused = fused


class AdaIN(nn.Module):
    """Adaptive instance normalisation: normalise each map, then y_s·x̂ + y_b from the style.

    Args:
        channels: feature maps of the input.
        w_dim: size of the style vector w the affine layer reads.
    """

    def __init__(self, channels: int, w_dim: int) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, 2 * channels)
        with torch.no_grad():  # the scale half starts at 1, the bias half at 0
            self.affine.bias[:channels] = 1.0
        self.channels = channels

    def forward(self, x: Tensor, w: Tensor) -> Tensor:  # x: [N, C, H, W], w: [N, w_dim]
        scale, bias = self.affine(w).chunk(2, dim=1)  # [N, C] each
        mean = x.mean(dim=(2, 3), keepdim=True)
        var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
        x = (x - mean) * torch.rsqrt(var + 1e-8)  # zero mean, unit variance per map
        return x * scale[:, :, None, None] + bias[:, :, None, None]

    def style_weight(self) -> Tensor:
        """The effective weight of the scale half of the affine, [C, w_dim]."""
        return self.affine.effective_weight()[: self.channels]


class NoiseInput(nn.Module):
    """Adds per-pixel Gaussian noise times a learned per-channel strength (initially 0).

    Args:
        channels: feature maps of the input.
        resolution: side of the feature maps (for the fixed "const" noise).
        const_generator: the generator the fixed noise is drawn from at construction, so it
            is the same for every network built the same way.
    """

    def __init__(self, channels: int, resolution: int, const_generator: torch.Generator) -> None:
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(channels))
        self.register_buffer("const_noise", torch.randn(1, 1, resolution, resolution,
                                                        generator=const_generator))

    def forward(self, x: Tensor, mode: str = "random",
                generator: torch.Generator | None = None) -> Tensor:  # x: [N, C, H, W]
        if mode == "none":
            return x
        if mode == "const":
            noise = self.const_noise  # [1, 1, H, W]
        elif mode == "random":
            n, _, h, w = x.shape
            noise = torch.randn(n, 1, h, w, device=x.device, dtype=x.dtype,
                                generator=generator)
        else:
            raise ValueError(f"noise_mode must be 'random', 'const' or 'none', not {mode!r}")
        return x + noise * self.strength[None, :, None, None]


def mbstd_group_size(group: int, batch: int) -> int:
    """The largest group size ≤ min(group, batch) that divides the batch (1 at worst)."""
    g = max(1, min(group, batch))
    while batch % g:
        g -= 1
    return g


class MinibatchStd(nn.Module):
    """Appends the mean standard deviation over groups of samples as one extra feature map.

    Args:
        group: samples per group (4 in the papers); shrunk to divide the batch when needed.
    """

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: Tensor) -> Tensor:  # x: [N, C, H, W] → [N, C + 1, H, W]
        n, c, h, w = x.shape
        g = mbstd_group_size(self.group, n)
        y = x.reshape(g, n // g, c, h, w)  # sample i is in group i mod (N/g)
        y = (y.var(dim=0, unbiased=False) + 1e-8).sqrt()  # [N/g, C, H, W]
        y = y.mean(dim=(1, 2, 3))  # [N/g]
        y = y.repeat(g).reshape(n, 1, 1, 1).expand(n, 1, h, w)  # [N, 1, H, W]
        return torch.cat([x, y], dim=1)
