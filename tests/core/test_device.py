"""Device choice: auto takes the best that exists; a named device that is missing is refused."""

from __future__ import annotations

import pytest
import torch

from studio.errors import DeviceError
from studio.train.device import available_devices, select_device


def test_auto_picks_the_first_available_device():
    have = available_devices()
    assert have[-1] == "cpu"
    assert select_device("auto") == torch.device(have[0])
    assert select_device("cpu") == torch.device("cpu")


def test_a_missing_device_names_what_exists():
    missing = f"cuda:{torch.cuda.device_count()}"
    with pytest.raises(DeviceError, match=r"available: auto, .*cpu"):
        select_device(missing)
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="'cuda' is not available"):
            select_device("cuda")
