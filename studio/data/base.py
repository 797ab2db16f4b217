"""The in-memory dataset every loader returns, and the report of files it skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from studio.errors import DatasetError

POINTS = "points"
IMAGES = "images"


@dataclass(frozen=True)
class SkippedFile:
    """A file a loader could not use, with the reason in words a person understands."""

    path: str
    reason: str


@dataclass
class Dataset:
    """A whole dataset held in memory.

    Images are kept as uint8 `[N, C, H, W]` (a quarter of the memory of float) and turned into
    floats in [-1, 1] per batch; 2-D points are float32 `[N, 2]` already in [-1, 1].
    """

    name: str
    kind: str  # POINTS or IMAGES
    samples: torch.Tensor  # images: uint8 [N, C, H, W]; points: float32 [N, 2]
    labels: torch.Tensor | None = None  # int64 [N], class index per sample
    classes: tuple[str, ...] = ()
    skipped: tuple[SkippedFile, ...] = field(default_factory=tuple)
    source: str = ""  # where it came from: "built-in" or a folder path

    def __post_init__(self) -> None:
        if self.kind not in (POINTS, IMAGES):
            raise ValueError(f"kind must be {POINTS!r} or {IMAGES!r}, not {self.kind!r}")
        if self.kind == IMAGES and (self.samples.dtype != torch.uint8 or self.samples.ndim != 4):
            raise ValueError("image samples must be uint8 [N, C, H, W]")
        if self.kind == POINTS and (self.samples.ndim != 2 or self.samples.shape[1] != 2):
            raise ValueError("point samples must be float [N, 2]")
        if self.labels is not None and len(self.labels) != len(self.samples):
            raise ValueError("labels and samples differ in length")

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one sample: (C, H, W) for images, (2,) for points."""
        return tuple(self.samples.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes) if self.labels is not None else 0

    def to(self, device: torch.device | str) -> Dataset:
        """The same dataset with its tensors on `device` (for GPU-resident batching)."""
        labels = None if self.labels is None else self.labels.to(device)
        return Dataset(self.name, self.kind, self.samples.to(device), labels, self.classes,
                       self.skipped, self.source)

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Samples at `index` as float in [-1, 1], and their labels (or None)."""
        index = index.to(self.samples.device)
        x = self.samples.index_select(0, index)
        if self.kind == IMAGES:
            x = x.float().div_(127.5).sub_(1.0)  # [B, C, H, W] in [-1, 1]
        labels = None if self.labels is None else self.labels.index_select(0, index)
        return x, labels

    def as_float(self) -> torch.Tensor:
        """All samples as float in [-1, 1]."""
        return self.batch(torch.arange(len(self), device=self.samples.device))[0]


def to_uint8_images(array: np.ndarray) -> torch.Tensor:
    """Turn a uint8 numpy array [N, H, W] or [N, H, W, C] into a uint8 tensor [N, C, H, W]."""
    if array.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {array.dtype}")
    if array.ndim == 3:
        array = array[:, :, :, None]
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))


def fit_images(images: torch.Tensor, resolution: int, channels: str) -> torch.Tensor:
    """Resize uint8 [N, C, H, W] images to resolution×resolution and convert channels.

    `channels` is "auto" (keep), "rgb" or "gray". The aspect ratio is kept by centre-cropping
    to a square first; resizing uses antialiased bilinear filtering, in chunks to bound memory.
    """
    images = convert_channels(images, channels)
    n, _, h, w = images.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    images = images[:, :, top:top + side, left:left + side]
    if side == resolution:
        return images.contiguous()
    out = torch.empty((n, images.shape[1], resolution, resolution), dtype=torch.uint8)
    for start in range(0, n, 4096):
        chunk = images[start:start + 4096].float()
        chunk = torch.nn.functional.interpolate(chunk, size=(resolution, resolution),
                                                mode="bilinear", antialias=True,
                                                align_corners=False)
        out[start:start + 4096] = chunk.round_().clamp_(0, 255).to(torch.uint8)
    return out


def convert_channels(images: torch.Tensor, channels: str) -> torch.Tensor:
    """uint8 [N, C, H, W] with C in {1, 3} → the requested channels ("auto", "rgb", "gray")."""
    c = images.shape[1]
    if channels == "rgb" and c == 1:
        return images.expand(-1, 3, -1, -1).contiguous()
    if channels == "gray" and c == 3:
        # ITU-R 601 luma, as Pillow's convert("L") computes it
        weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        return (images.float() * weights).sum(1, keepdim=True).round_().clamp_(0, 255).byte()
    return images


def check_builtin_request(name: str, size: int, channels: str) -> None:
    """The argument checks every built-in image generator shares: a size and a channel mode."""
    if size < 1:
        raise DatasetError(f"{name} needs at least one image; got size {size}")
    if channels not in ("auto", "rgb", "gray"):
        raise DatasetError(f"channels must be 'auto', 'rgb' or 'gray'; got {channels!r}")
