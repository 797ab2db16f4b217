"""Within-class diversity of the cGAN, old conditioning against new, in one run.

Trains the studio's cGAN (Quick look preset, so the settings a person gets) twice on the same
data and seeds: as it was (projection D, label embedding ~ N(0, 1) beside z) and as it is now
(label joined to D's input, embedding starting at 1/16 of G's input energy), and prints for
each class the mean pairwise distance among samples of that class ÷ the same among real images
of that class (1.0 = as varied as the data, → 0 = every row of a class column alike), in pixels
and in the studio feature net's space.

    OMP_NUM_THREADS=1 .venv/bin/python bench/cgan_diversity.py  # fashion-mnist, 1000 steps
    OMP_NUM_THREADS=1 .venv/bin/python bench/cgan_diversity.py --dataset shapes --steps 300
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from studio.config import RunConfig
from studio.data import open_dataset
from studio.data.base import Dataset
from studio.metrics.class_diversity import class_diversity, real_by_class
from studio.metrics.studio_net import studio_features
from studio.presets import preset_overrides
from studio.runs.workspace import default_cache
from studio.train.base import DataInfo
from studio.train.loop import NullSink, RunLoop
from studio.train.registry import make_trainer

OLD, NEW = "old", "new"
D_CONDITION = {OLD: "projection", NEW: "concat"}  # before and after the fix
SAMPLE_SEED = 555


def quick_look(dataset: str, d_condition: str, steps: int, seed: int,
               resolution: int) -> RunConfig:
    """The studio's cGAN Quick look preset on `dataset`, with the given D conditioning."""
    raw = RunConfig(variant="cgan").to_dict()
    for section, values in preset_overrides("Quick look", "cgan", "images").items():
        raw[section].update(values)
    raw["data"].update(dataset=dataset, resolution=resolution)
    raw["model"].update(d_condition=d_condition)
    raw["train"].update(seed=seed, steps=steps, device="cpu", eval_every=0,
                        snapshot_every=10**7, checkpoint_every=10**7)
    return RunConfig.from_dict(raw)


def train(config: RunConfig, data: Dataset, arch: str) -> object:
    """A trained trainer; `arch` OLD gives G's label embedding its former N(0, 1) start."""
    trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
    if arch == OLD:
        gen = torch.Generator().manual_seed(config.train.seed)
        with torch.no_grad():
            trainer.G.embed.weight.normal_(0.0, 1.0, generator=gen)
        if trainer.G_ema is not None:
            trainer.G_ema.load_state_dict(trainer.G.state_dict())
    if RunLoop(trainer, data, config.train, NullSink()).run() != "finished":
        raise RuntimeError("training did not finish")
    return trainer


def measure(trainer: object, reals: dict[int, torch.Tensor], n: int,
            embed: object) -> tuple[dict[int, float], dict[int, float]]:
    """(pixel ratios, feature ratios) per class of a trained cGAN trainer."""
    def generate(label: int, count: int) -> torch.Tensor:
        return trainer.sample(count, seed=SAMPLE_SEED + label, labels=label)  # [count, C, H, W]

    return (class_diversity(generate, reals, n),
            class_diversity(generate, reals, n, embed=embed))


def class_accuracy(trainer: object, features: object, classes: int, n: int) -> float:
    """Share of samples the feature net puts in the class they were asked for."""
    right = 0
    for label in range(classes):
        _, predicted = features.embed(trainer.sample(n, seed=SAMPLE_SEED + label, labels=label))
        right += int((predicted == label).sum())
    return right / (classes * n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--seeds", type=int, default=1, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=64, help="samples per class")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = open_dataset(quick_look(args.dataset, "concat", 1, 0, args.resolution).data)
    features = studio_features(data, default_cache())
    reals = real_by_class(data, args.samples)
    print(f"{args.dataset} {args.resolution} px, {args.steps} steps, {args.seeds} seed(s), "
          f"{args.samples} samples per class; ratio = fake spread ÷ real spread")
    medians: dict[str, list[float]] = {OLD: [], NEW: []}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rows = {}
        for arch in (OLD, NEW):
            started = time.monotonic()
            config = quick_look(args.dataset, D_CONDITION[arch], args.steps, seed,
                                args.resolution)
            trainer = train(config, data, arch)
            rows[arch] = measure(trainer, reals, args.samples, features)
            accuracy = class_accuracy(trainer, features, data.num_classes, args.samples)
            print(f"seed {seed} {arch} (d_condition = {D_CONDITION[arch]}): trained in "
                  f"{time.monotonic() - started:.0f} s; {accuracy:.1%} of its samples show "
                  f"the asked class (the feature net on real images: {features.accuracy:.1%})")
        print(f"{'class':<14}{'pixels old':>11}{'new':>7}{'features old':>14}{'new':>7}")
        for k in sorted(reals):
            print(f"{data.classes[k][:13]:<14}{rows[OLD][0][k]:>11.2f}{rows[NEW][0][k]:>7.2f}"
                  f"{rows[OLD][1][k]:>14.2f}{rows[NEW][1][k]:>7.2f}")
        for arch in (OLD, NEW):
            pix, feat = (statistics.median(r.values()) for r in rows[arch])
            medians[arch].append(feat)
            print(f"seed {seed} {arch} median over classes: pixels {pix:.2f}, "
                  f"features {feat:.2f}")
    old, new = statistics.median(medians[OLD]), statistics.median(medians[NEW])
    print(f"median within-class diversity (features), old: {old:.2f}")
    print(f"median within-class diversity (features), new: {new:.2f}")
    print(f"new ÷ old within-class diversity: {new / old:.2f}×")


if __name__ == "__main__":
    main()
