"""DCGAN training speed: the studio's run loop (writing a real run folder) against a bare loop.

Both train the same networks on the same uint8 image tensors in this one process, in
alternating rounds so that machine noise hits both alike. Prints images/s of each and their
ratio (goal: ≥ 0.95, i.e. the run loop, metrics, snapshots and checkpoints cost under 5 %).

    .venv/bin/python bench/throughput.py [--steps 150] [--rounds 3] [--resolution 32]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import open_dataset
from studio.model_configs import DcganModelConfig
from studio.nets.dcgan import DcganDiscriminator, DcganGenerator
from studio.session import start_run


def studio_config(args: argparse.Namespace, seed: int) -> RunConfig:
    return RunConfig(
        variant="dcgan",
        data=DataConfig(dataset="shapes", size=args.size, resolution=args.resolution),
        model=DcganModelConfig(z_dim=100, g_channels=args.channels, d_channels=args.channels),
        train=TrainConfig(steps=args.steps, batch_size=args.batch, device=args.device,
                          seed=seed, log_every=10, snapshot_every=max(1, args.steps // 2),
                          checkpoint_every=max(1, args.steps // 2)))


def time_studio(args: argparse.Namespace, workdir: Path, seed: int) -> float:
    """Seconds for `steps` steps of the studio's trainer through the run loop."""
    session = start_run(studio_config(args, seed), workdir / f"run{seed}")
    start = time.perf_counter()
    session.run()
    return time.perf_counter() - start


def time_bare(args: argparse.Namespace, images: torch.Tensor, seed: int) -> float:
    """Seconds for `steps` steps of a hand-written DCGAN loop (Radford et al.'s recipe)."""
    device = torch.device(args.device if args.device != "auto" else "cpu")
    torch.manual_seed(seed)
    c = images.shape[1]
    g = DcganGenerator(100, c, args.resolution, args.channels).to(device)
    d = DcganDiscriminator(c, args.resolution, args.channels).to(device)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    images = images.to(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        idx = torch.randint(len(images), (args.batch,), device=device)
        real = images[idx].float() / 127.5 - 1.0
        fake = g(torch.randn(args.batch, 100, device=device))
        loss_d = F.softplus(-d(real)).mean() + F.softplus(d(fake.detach())).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.softplus(-d(fake)).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    images = open_dataset(studio_config(args, 0).data).samples  # the same tensors for both
    studio, bare = [], []
    with tempfile.TemporaryDirectory() as tmp:
        time_bare(args, images, 99)  # warm-up: allocator, kernels
        for r in range(args.rounds):
            bare.append(args.steps * args.batch / time_bare(args, images, r))
            studio.append(args.steps * args.batch / time_studio(args, Path(tmp), r))
    s, b = statistics.median(studio), statistics.median(bare)
    print(f"setup: dcgan {args.resolution}px, batch {args.batch}, {args.steps} steps x "
          f"{args.rounds} rounds, device {args.device}, {torch.get_num_threads()} threads")
    print(f"bare loop images/s: {b:.1f}")
    print(f"studio run loop images/s: {s:.1f}")
    print(f"ratio studio/bare: {s / b:.3f}")


if __name__ == "__main__":
    main()
