"""What quality evaluations cost a run: seconds per training step and per evaluation, side by side.

For each case the *Quality* preset's networks and cadence (`train.eval_every`, samples) are
built as the studio builds them; training steps and evaluations are timed in alternating
rounds in this one process, so machine noise hits both alike. The cost at the preset's cadence
is one evaluation's time over `eval_every` steps' time (goal: ≤ 5 %). Training the studio
feature net is a one-off per dataset (then cached) and is printed apart.

    .venv/bin/python bench/eval_overhead.py [--steps 50] [--rounds 3] [--cases points,images]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from studio.config import RunConfig
from studio.data import open_dataset
from studio.metrics.evaluators import make_evaluator
from studio.presets import preset_overrides
from studio.train.base import DataInfo
from studio.train.loop import NullSink, RunLoop
from studio.train.registry import make_trainer

CASES = {"points": ("gan", "grid25", {}),
         "images": ("dcgan", "shapes", {"size": 5000})}  # fewer images: quicker to generate


def quality_config(variant: str, dataset: str, data: dict) -> RunConfig:
    kind = "points" if dataset in ("ring8", "grid25", "spiral") else "images"
    over = preset_overrides("Quality", variant, kind)
    raw = RunConfig(variant=variant).to_dict()
    for section in ("data", "model", "train"):
        raw[section].update(over[section])
    raw["data"].update(dataset=dataset, **data)
    raw["train"].update(device="cpu", snapshot_every=10**7, checkpoint_every=10**8)
    return RunConfig.from_dict(raw)


def bench_case(name: str, args: argparse.Namespace) -> float:
    variant, dataset, data_over = CASES[name]
    config = quality_config(variant, dataset, data_over)
    every = config.train.eval_every or args.every
    data = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
    started = time.perf_counter()
    evaluate = make_evaluator(config, data, "cpu", None if args.no_cache else args.cache)
    setup = time.perf_counter() - started
    steps, evals = [], []
    for r in range(args.rounds):
        loop_config = config.train.replace(steps=args.steps, eval_every=0, seed=r)
        loop = RunLoop(trainer, data, loop_config, NullSink())
        t = time.perf_counter()
        loop.run()
        steps.append((time.perf_counter() - t) / args.steps)
        t = time.perf_counter()
        evaluate(trainer)
        evals.append(time.perf_counter() - t)
    step, ev = statistics.median(steps), statistics.median(evals)
    cost = ev / (every * step)
    print(f"{name}: {variant} on {dataset} ({config.data.resolution if name == 'images' else 2}"
          f"{' px' if name == 'images' else '-D'}), batch {config.train.batch_size}, "
          f"{config.train.eval_samples} samples per evaluation, every {every} steps")
    print(f"{name}: evaluator set-up (feature net, real features) {setup:.1f} s")
    print(f"{name}: seconds per step {step:.4f}, per evaluation {ev:.3f}")
    print(f"{name}: evaluation cost at the preset's cadence {cost:.1%}")
    return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", default="points,images")
    parser.add_argument("--every", type=int, default=1000, help="cadence when the preset "
                        "sets none")
    parser.add_argument("--cache", default=None, help="feature-net cache folder (default: "
                        "the studio's)")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    if args.cache is None:
        from studio.runs.workspace import default_cache

        args.cache = default_cache()
    print(f"threads: {torch.get_num_threads()}")
    costs = [bench_case(name, args) for name in args.cases.split(",")]
    print(f"worst evaluation cost at the preset cadence: {max(costs):.1%} (goal ≤ 5 %)")


if __name__ == "__main__":
    main()
