"""Shuffled batch indices whose position and RNG can be saved, so a resumed run sees the same
batches it would have seen had it never stopped."""

from __future__ import annotations

from typing import Any

import torch


class BatchSampler:
    """Yields index tensors of one rank's share of each global batch, epoch after epoch.

    All ranks draw the same permutation from the same seed; rank r takes the r-th slice of
    each global batch of `batch_size * world` indices.
    """

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> None:
        if n < 1:
            raise ValueError("cannot sample batches from an empty dataset")
        self.n, self.batch_size, self.rank, self.world = n, batch_size, rank, world
        self.rng = torch.Generator().manual_seed(seed)
        self.order = torch.randperm(n, generator=self.rng)
        self.pos = 0
        self.epoch = 0

    def next(self) -> torch.Tensor:
        """Indices [batch_size] for this rank; wraps into a new epoch as needed."""
        need = self.batch_size * self.world
        parts = []
        while need > 0:
            if self.pos >= self.n:
                self.order = torch.randperm(self.n, generator=self.rng)
                self.pos, self.epoch = 0, self.epoch + 1
            take = min(need, self.n - self.pos)
            parts.append(self.order[self.pos:self.pos + take])
            self.pos += take
            need -= take
        batch = torch.cat(parts) if len(parts) > 1 else parts[0]
        return batch[self.rank * self.batch_size:(self.rank + 1) * self.batch_size]

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.get_state(), "order": self.order.clone(), "pos": self.pos,
                "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.set_state(state["rng"])
        self.order = state["order"].clone()
        self.pos, self.epoch = int(state["pos"]), int(state["epoch"])
