"""Shared test helpers: small, fast configurations of every variant."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path, monkeypatch):
    """No test writes into the real application-data folder."""
    monkeypatch.setenv("GAN_STUDIO_HOME", str(tmp_path / "home"))
