"""Choosing the compute device: CUDA, then Apple MPS, then CPU, unless the person names one."""

from __future__ import annotations

import torch

from studio.errors import DeviceError


def available_devices() -> list[str]:
    """Device names that exist on this machine, best first, always ending with "cpu"."""
    names = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        names.append("mps")
    return [*names, "cpu"]


def select_device(name: str = "auto") -> torch.device:
    """The torch device for `name` ("auto", "cpu", "cuda", "cuda:N", "mps"), or DeviceError."""
    have = available_devices()
    if name == "auto":
        return torch.device(have[0])
    wanted = "cuda:0" if name == "cuda" else name
    if wanted not in have:
        raise DeviceError(f"device {name!r} is not available on this machine; available: "
                          f"auto, {', '.join(have)}")
    return torch.device(wanted)
