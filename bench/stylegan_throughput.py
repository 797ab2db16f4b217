"""StyleGAN training speed: the studio's trainer through the run loop against a bare loop.

Both train the same networks (mapping, style mixing, lazy R1 every 16 steps, EMA of G) on the
same uint8 image tensors in this one process, in alternating rounds so that machine noise hits
both alike. Prints images/s of each and their ratio (goal: ≥ 0.95, i.e. the trainer's extras,
metrics, snapshots and checkpoints cost under 5 %).

    .venv/bin/python bench/stylegan_throughput.py [--steps 40] [--rounds 3] [--resolution 32]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import open_dataset
from studio.model_configs import StyleganModelConfig
from studio.nets.stylegan import StyleDiscriminator, StyleGenerator
from studio.session import start_run
from studio.variants import default_train_settings


def studio_config(args: argparse.Namespace, seed: int) -> RunConfig:
    train = {**default_train_settings("stylegan"), "steps": args.steps,
             "batch_size": args.batch, "device": args.device, "seed": seed, "log_every": 10,
             "snapshot_every": max(1, args.steps // 2),
             "checkpoint_every": max(1, args.steps // 2)}
    return RunConfig(
        variant="stylegan",
        data=DataConfig(dataset="shapes", size=args.size, resolution=args.resolution),
        model=StyleganModelConfig(channel_base=args.channel_base),
        train=TrainConfig(**train))


def time_studio(args: argparse.Namespace, workdir: Path, seed: int) -> float:
    """Seconds for `steps` steps of the studio's trainer through the run loop."""
    session = start_run(studio_config(args, seed), workdir / f"run{seed}")
    start = time.perf_counter()
    session.run()
    return time.perf_counter() - start


def mixed_fakes(g: StyleGenerator, n: int, m: StyleganModelConfig,
                device: torch.device) -> torch.Tensor:
    """Fakes with style mixing (p = mixing_prob) and the w_avg update, written out plainly."""
    ws_all = g.mapping(torch.randn(2 * n, m.z_dim, device=device))
    ws, ws2 = ws_all[:n], ws_all[n:]
    g.update_w_avg(ws[:, 0])
    cut = torch.randint(1, g.num_ws, (n,), device=device)
    cut = torch.where(torch.rand(n, device=device) < m.mixing_prob, cut, g.num_ws)
    later = torch.arange(g.num_ws, device=device)[None] >= cut[:, None]
    return g.synthesis(torch.where(later[:, :, None], ws2, ws))


def time_bare(args: argparse.Namespace, images: torch.Tensor, seed: int) -> float:
    """Seconds for `steps` steps of a hand-written StyleGAN2 loop (same nets and cadence)."""
    device = torch.device(args.device if args.device != "auto" else "cpu")
    cfg = studio_config(args, seed)
    m, t = cfg.model, cfg.train
    torch.manual_seed(seed)
    c = images.shape[1]
    g = StyleGenerator(m.z_dim, m.w_dim, args.resolution, c, m.mapping_layers, m.channel_base,
                       m.max_channels, m.style, m.mapping_lr_mul).to(device)
    d = StyleDiscriminator(c, args.resolution, m.channel_base, m.max_channels,
                           m.mbstd_group).to(device)
    g_ema = copy.deepcopy(g).eval().requires_grad_(False)
    opt_g = torch.optim.Adam(g.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2))
    opt_d = torch.optim.Adam(d.parameters(), lr=t.lr_d, betas=(t.beta1, t.beta2))
    images = images.to(device)
    start = time.perf_counter()
    for step in range(args.steps):
        idx = torch.randint(len(images), (args.batch,), device=device)
        real = images[idx].float() / 127.5 - 1.0
        fake = mixed_fakes(g, args.batch, m, device)
        lazy_r1 = step % m.r1_interval == 0
        real.requires_grad_(lazy_r1)
        real_logits = d(real)
        loss_d = F.softplus(-real_logits).mean() + F.softplus(d(fake.detach())).mean()
        if lazy_r1:
            (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            loss_d = loss_d + 0.5 * t.r1_gamma * m.r1_interval * grad.square().sum((1, 2, 3)).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        d.requires_grad_(False)
        loss_g = F.softplus(-d(fake)).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        d.requires_grad_(True)
        with torch.no_grad():
            for p_ema, p in zip(g_ema.parameters(), g.parameters(), strict=True):
                p_ema.lerp_(p, 1.0 - t.ema_decay)
            for b_ema, b in zip(g_ema.buffers(), g.buffers(), strict=True):
                b_ema.copy_(b)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--channel-base", type=int, default=2048)
    parser.add_argument("--size", type=int, default=1024)
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
    print(f"setup: stylegan {args.resolution}px, channel base {args.channel_base}, batch "
          f"{args.batch}, {args.steps} steps x {args.rounds} rounds, device {args.device}, "
          f"{torch.get_num_threads()} threads")
    print(f"bare loop images/s: {b:.1f}")
    print(f"studio run loop images/s: {s:.1f}")
    print(f"ratio studio/bare: {s / b:.3f}")


if __name__ == "__main__":
    main()
