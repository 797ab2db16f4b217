"""The FID Inception-v3 (the TensorFlow graph of 2015-12-05, as ported by pytorch-fid and
torch-fidelity) giving 2048-d pool3 features; its weights come only from a local, checksummed file.
Nothing is ever downloaded."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.inception import (
    BasicConv2d,
    InceptionA,
    InceptionB,
    InceptionC,
    InceptionD,
    InceptionE,
)

from studio.errors import StudioError

# Both projects publish the same bytes (95,628,359 of them) under two names; "6726825d" in each name
# is the first 8 hex digits of this SHA-256 (torch.hub's convention).
FID_WEIGHTS_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
FID_WEIGHT_FILES = {
    "pt_inception-2015-12-05-6726825d.pth": FID_WEIGHTS_SHA256,  # pytorch-fid
    "weights-inception-2015-12-05-6726825d.pth": FID_WEIGHTS_SHA256,  # torch-fidelity
}
FID_WEIGHT_URLS = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth",
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
    "weights-inception-2015-12-05-6726825d.pth",
)
FEATURE_DIM = 2048  # pool3 features
INPUT_SIZE = 299  # the network's input resolution
CLASSES = 1008  # the TF graph's classifier (kept only so the published state dict loads strictly)

WHERE_FROM = ("Download pt_inception-2015-12-05-6726825d.pth (pytorch-fid) from "
              f"{FID_WEIGHT_URLS[0]}, or the identical weights-inception-2015-12-05-6726825d.pth "
              f"(torch-fidelity) from {FID_WEIGHT_URLS[1]}, on a machine with internet access, "
              "and point the studio at the local file; the studio never downloads it.")


class InceptionWeightsError(StudioError):
    """The FID Inception weights file is missing, corrupt, or not the published one."""


def sha256_of(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in `chunk_size` pieces so large files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _avg_pool_real_pixels(x: torch.Tensor) -> torch.Tensor:
    """3×3 stride-1 average over in-image pixels only (TF's SAME padding), [N,C,H,W] → same."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class FidInceptionA(InceptionA):
    """InceptionA (Mixed_5b–5d) whose pool branch averages only in-image pixels, as the TF graph."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, C, H, W] → [N, 224 + pool_features, H, W]."""
        branches = [
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_avg_pool_real_pixels(x)),
        ]
        return torch.cat(branches, dim=1)


class FidInceptionC(InceptionC):
    """InceptionC (Mixed_6b–6e) whose pool branch averages only in-image pixels, as the TF graph."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 768, H, W] → [N, 768, H, W]."""
        seven = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                     self.branch7x7dbl_5):
            double = conv(double)
        pooled = self.branch_pool(_avg_pool_real_pixels(x))
        return torch.cat([self.branch1x1(x), seven, double, pooled], dim=1)


class FidInceptionE(InceptionE):
    """InceptionE with the TF graph's pool branch: in-image average (Mixed_7b) or max (Mixed_7c)."""

    def __init__(self, in_channels: int, pool: str) -> None:
        """`in_channels`: input channels; `pool`: "avg" or "max", the pool branch's pooling."""
        super().__init__(in_channels)
        if pool not in ("avg", "max"):
            raise ValueError(f"pool must be 'avg' or 'max', got {pool!r}")
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, C, H, W] → [N, 2048, H, W]."""
        split = self.branch3x3_1(x)
        three = torch.cat([self.branch3x3_2a(split), self.branch3x3_2b(split)], dim=1)
        deep = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        double = torch.cat([self.branch3x3dbl_3a(deep), self.branch3x3dbl_3b(deep)], dim=1)
        if self.pool == "max":
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pooled = _avg_pool_real_pixels(x)
        return torch.cat([self.branch1x1(x), three, double, self.branch_pool(pooled)], dim=1)


class InceptionFeatures(nn.Module):
    """FID Inception-v3 up to pool3: images in [-1, 1] [N, 3 or 1, H, W] → features [N, 2048].

    Module names match pytorch-fid's FID Inception (torchvision's Inception3 with 1008 classes and
    no aux head), so its state dict loads with strict=True. Always in eval mode, no gradients.
    """

    def __init__(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """`state_dict`: the FID Inception weights (e.g. from the published .pth file)."""
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b = FidInceptionA(192, pool_features=32)
        self.Mixed_5c = FidInceptionA(256, pool_features=64)
        self.Mixed_5d = FidInceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = FidInceptionC(768, channels_7x7=128)
        self.Mixed_6c = FidInceptionC(768, channels_7x7=160)
        self.Mixed_6d = FidInceptionC(768, channels_7x7=160)
        self.Mixed_6e = FidInceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = FidInceptionE(1280, pool="avg")
        self.Mixed_7c = FidInceptionE(2048, pool="max")
        self.fc = nn.Linear(FEATURE_DIM, CLASSES)  # unused by forward; part of the published file
        self._load_strictly(state_dict)
        self.requires_grad_(False)
        self.eval()

    def _load_strictly(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Load every weight; any missing, extra or misshapen tensor is an InceptionWeightsError."""
        try:
            missing, unexpected = self.load_state_dict(state_dict, strict=False)
        except RuntimeError as exc:  # a tensor of the wrong shape
            raise InceptionWeightsError(
                f"These weights do not fit the FID Inception-v3 network "
                f"({_first_lines(str(exc))}). {WHERE_FROM}") from exc
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]  # unused in eval
        if missing or unexpected:
            hint = (" They look like torchvision's ImageNet Inception-v3, which is not the FID "
                    "network." if any(k.startswith("AuxLogits.") for k in unexpected) else "")
            raise InceptionWeightsError(
                f"These weights do not fit the FID Inception-v3 network: {len(missing)} tensors "
                f"missing (e.g. {', '.join(missing[:3]) or 'none'}), {len(unexpected)} "
                f"unexpected (e.g. {', '.join(unexpected[:3]) or 'none'}).{hint} {WHERE_FROM}")

    def train(self, mode: bool = True) -> InceptionFeatures:
        """Stay in eval mode: batch-norm must use the published running statistics."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] [N, 3 or 1, H, W] → pool3 features [N, 2048] (resized to 299 px)."""
        if images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected images [N, 3 or 1, H, W], got {tuple(images.shape)}")
        weight = self.Conv2d_1a_3x3.conv.weight
        x = images.to(device=weight.device, dtype=weight.dtype)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)  # grayscale → RGB
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear",
                          align_corners=False)  # [N, 3, 299, 299]
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))  # [N, 64, 147, 147]
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # [N, 64, 73, 73]
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))  # [N, 192, 71, 71]
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # [N, 192, 35, 35]
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b,
                      self.Mixed_6c, self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b,
                      self.Mixed_7c):
            x = block(x)  # ends at [N, 2048, 8, 8]
        return x.mean(dim=(2, 3))  # [N, 2048]

    @torch.no_grad()
    def embed(self, images: torch.Tensor, batch_size: int = 50) -> torch.Tensor:
        """Features [N, 2048] (float32, on the CPU) of images [N, C, H, W], in batches."""
        parts = [self(images[start:start + batch_size]).float().cpu()
                 for start in range(0, images.shape[0], batch_size)]
        if not parts:
            return torch.empty(0, FEATURE_DIM)
        return torch.cat(parts)


def _first_lines(text: str, lines: int = 3) -> str:
    """The first few lines of a long error message, joined on one line."""
    kept = [line.strip() for line in text.strip().splitlines()[:lines]]
    return " ".join(kept)[:400]


def load_inception(path: str | Path, expected_sha256: str | None = None,
                   device: str | torch.device = "cpu") -> InceptionFeatures:
    """The FID Inception from a local weights file, checked by SHA-256, read without running code.

    `expected_sha256`: the hash to insist on; None accepts only the published FID weights.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InceptionWeightsError(f"FID Inception weights not found at {path}. {WHERE_FROM}")
    actual = sha256_of(path)
    expected = expected_sha256.lower() if expected_sha256 else FID_WEIGHTS_SHA256
    if actual != expected:
        raise InceptionWeightsError(
            f"{path} is not the FID Inception weights file: its SHA-256 is {actual}, expected "
            f"{expected}. The file may be incomplete or a different network. {WHERE_FROM}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # the unpickler raises many types for a damaged file
        raise InceptionWeightsError(
            f"{path} could not be read as PyTorch weights: it is not a weights file, or it is "
            f"damaged ({type(exc).__name__}: {_first_lines(str(exc), 1)}). {WHERE_FROM}") from exc
    if not isinstance(state, Mapping) or not all(
            isinstance(value, torch.Tensor) for value in state.values()):
        raise InceptionWeightsError(f"{path} holds no state dict of tensors. {WHERE_FROM}")
    return InceptionFeatures(state).to(device)
