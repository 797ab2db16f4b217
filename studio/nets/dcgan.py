"""DCGAN networks (Radford, Metz & Chintala 2016).

The architecture guidelines: strided convolutions in D and transposed convolutions in G (no
pooling), BatchNorm in both (not on G's output nor D's input), no fully connected hidden layers,
ReLU in G with a Tanh output, LeakyReLU(0.2) in D, weights initialised from N(0, 0.02).
"""

from __future__ import annotations

from torch import Tensor, nn

from studio.nets.layers import conv_stages, dcgan_init


class DcganGenerator(nn.Module):
    """z [B, z_dim] → image [B, C, R, R] in [-1, 1].

    Args:
        z_dim: input size (noise plus any concatenated condition), default 100.
        out_channels: 1 for grayscale or 3 for RGB, default 3.
        resolution: output side, a power of two ≥ 8 (32, 64 or 128 for DCGAN), default 64.
        channels: feature maps of the last hidden layer; each earlier one doubles, default 64.
    """

    def __init__(self, z_dim: int = 100, out_channels: int = 3, resolution: int = 64,
                 channels: int = 64) -> None:
        super().__init__()
        stages = conv_stages(resolution)
        width = channels * 2 ** (stages - 1)
        layers: list[nn.Module] = [  # 1×1 → 4×4
            nn.ConvTranspose2d(z_dim, width, 4, 1, 0, bias=False),
            nn.BatchNorm2d(width), nn.ReLU(True)]
        for _ in range(stages - 1):  # each doubles the side and halves the width
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ConvTranspose2d(width, out_channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z: Tensor) -> Tensor:  # z: [B, z_dim]
        return self.net(z[:, :, None, None])  # [B, C, R, R]


class DcganDiscriminator(nn.Module):
    """image [B, C, R, R] → one logit per image [B].

    Args:
        in_channels: image channels plus any condition maps concatenated to the input.
        resolution: input side, a power of two ≥ 8, default 64.
        channels: feature maps of the first layer; each later one doubles, default 64.
    """

    def __init__(self, in_channels: int = 3, resolution: int = 64, channels: int = 64) -> None:
        super().__init__()
        stages = conv_stages(resolution)
        layers: list[nn.Module] = [nn.Conv2d(in_channels, channels, 4, 2, 1, bias=False),
                                   nn.LeakyReLU(0.2, True)]  # no BatchNorm on the input layer
        width = channels
        for _ in range(stages - 1):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        self.body = nn.Sequential(*layers)  # → [B, width, 4, 4]
        self.out = nn.Conv2d(width, 1, 4, 1, 0, bias=False)
        self.feature_dim = width
        dcgan_init(self)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)  # [B, F, 4, 4]

    @staticmethod
    def pooled(h: Tensor) -> Tensor:
        return h.sum(dim=(2, 3))  # [B, F]

    def head(self, h: Tensor) -> Tensor:
        return self.out(h).view(-1)  # [B]

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
