"""Fixtures shared by the core tests."""

import pytest
import torch


@pytest.fixture
def one_thread():
    """Tiny nets run faster on one thread than on two contending ones."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
