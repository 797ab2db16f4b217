"""Run by torchrun from test_distributed: trains a tiny DCGAN on two CPU ranks (gloo), then
rank 0 records a checksum of every rank's generator weights."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from studio.session import start_run
from studio.train import distributed
from tests.core.helpers import tiny_config

out = Path(sys.argv[1])
distributed.init_from_env()
session = start_run(tiny_config("dcgan", "shapes", steps=6, log_every=2), out / "run")
session.run()
g = session.loop.trainer.G
checksum = torch.stack([p.double().sum() for p in g.parameters()]).sum().reshape(1)
gathered = [torch.zeros(1, dtype=torch.float64) for _ in range(distributed.world_size())]
dist.all_gather(gathered, checksum)
if distributed.rank() == 0:
    (out / "result.json").write_text(json.dumps({
        "world": distributed.world_size(), "checksums": [t.item() for t in gathered]}))
distributed.shutdown()
