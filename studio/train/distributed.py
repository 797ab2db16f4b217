"""Helpers for many processes under `torchrun`: rank, world size, gradient averaging.

Every rank trains on its own shard of each global batch; gradients are averaged across ranks
before each optimiser step, so all ranks hold identical weights. Only rank 0 reports to sinks.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import nn


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def init_from_env() -> bool:
    """Join the process group torchrun describes in the environment; False when run alone."""
    if is_distributed():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend=backend)
    return True


def shutdown() -> None:
    """Leave the process group cleanly: wait for every rank, then destroy it."""
    if is_distributed():
        dist.barrier()
        dist.destroy_process_group()


def local_device_name(requested: str) -> str:
    """Under torchrun with CUDA each process takes the GPU of its LOCAL_RANK."""
    if is_distributed() and torch.cuda.is_available() and requested in ("auto", "cuda"):
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return requested


def average_gradients(module: nn.Module) -> None:
    """All-reduce and average the gradients of `module` across ranks (no-op when alone)."""
    if not is_distributed():
        return
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= world_size()
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def broadcast_module(module: nn.Module) -> None:
    """Make every rank start from rank 0's weights and buffers."""
    if is_distributed():
        for tensor in [*module.parameters(), *module.buffers()]:
            dist.broadcast(tensor.data, src=0)
