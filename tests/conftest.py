"""Shared test helpers: small, fast configurations of every variant."""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path, monkeypatch):
    """No test writes into the real application-data folder."""
    monkeypatch.setenv("GAN_STUDIO_HOME", str(tmp_path / "home"))


@pytest.fixture
def one_thread():
    """Tiny nets run faster on one thread than on two contending ones."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
