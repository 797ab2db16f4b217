"""How close the New run tab's time estimate comes to the real wall time, per variant × preset.

For each case the preset's config is built as the studio builds it; the estimate is made as
the studio's estimate worker makes it (open the data, time a few steps, apply the run's
cadence), then the run is trained for real through `studio.session` into a temporary folder
and its wall time from Start to finish is measured. *Quick look* runs are trained fully;
*Quality* runs (hours on a CPU) are cut to their first N steps, estimate and measurement both,
and the full run's estimate is printed beside them. Goal: every ratio within 1/1.5 … 1.5.

    OMP_NUM_THREADS=1 .venv/bin/python bench/estimate_accuracy.py [--folder DIR]
        [--presets "Quick look,Quality"] [--cases gan:ring8,...] [--quality-seconds 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import describe, open_dataset
from studio.presets import DataFacts, preset_overrides
from studio.session import start_run
from studio.train.estimate import StepTiming, run_seconds, time_training
from studio.variants import model_config_class

CASES = "gan:ring8,cgan:ring8,gan:shapes,cgan:shapes,dcgan:shapes,stylegan:shapes"


def build_config(variant: str, dataset: str, preset: str) -> RunConfig:
    """The config the setup panel makes for `preset` on `dataset` (a built-in or a folder)."""
    desc = describe(DataConfig(dataset=dataset, size=64))
    facts = DataFacts(desc.count, _side(dataset), desc.source == "built-in")
    over = preset_overrides(preset, variant, desc.kind, facts)
    return RunConfig(variant=variant,
                     data=DataConfig(dataset=dataset, **over["data"]),
                     model=model_config_class(variant)(**over["model"]),
                     train=TrainConfig(**over["train"], device="cpu"))


def _side(dataset: str) -> int:
    if not Path(dataset).is_dir():
        return 0
    from studio.app.estimate_worker import folder_image_side  # header reads only, no Qt use

    return folder_image_side(dataset)


_OPENED: dict[DataConfig, tuple[Any, float]] = {}


def _open(data: DataConfig) -> tuple[Any, float]:
    """The dataset and the seconds its first opening took (kept: the worker keeps it too)."""
    if data not in _OPENED:
        start = time.perf_counter()
        dataset = open_dataset(data)
        _OPENED.clear()
        _OPENED[data] = (dataset, time.perf_counter() - start)
    return _OPENED[data]


def timing_of(config: RunConfig) -> tuple[StepTiming, float]:
    """A few timed steps of `config` as the studio's estimate worker times them, and the
    seconds opening the data took."""
    dataset, data_s = _open(config.data)
    return time_training(config, dataset, torch.device("cpu")), data_s


def measure(config: RunConfig, workdir: Path) -> float:
    """Wall seconds from Start to finish of the real run."""
    start = time.perf_counter()
    start_run(config, workdir / f"run{time.monotonic_ns()}").run()
    return time.perf_counter() - start


def case(config: RunConfig, preset: str, quality_seconds: float) -> tuple[RunConfig, float,
                                                                           str]:
    """The run to measure, its estimate and a note: Quick look whole; Quality cut to the
    first N steps (about `quality_seconds` of training, evaluations off), with the whole
    run's estimate in the note."""
    timing, data_s = timing_of(config)
    if preset != "Quality":
        return config, run_seconds(config.train, timing, data_s), ""
    full = run_seconds(config.train, timing, data_s)
    steps = int(max(3, min(config.train.steps, quality_seconds / timing.step_s)))
    cut = config.replace(train=config.train.replace(steps=steps, eval_every=0))
    whole = f"{full / 3600:.1f} h" if full >= 3600 else f"{full / 60:.1f} min"
    note = f"first {steps} steps; whole run estimated at {whole}"
    return cut, run_seconds(cut.train, timing, data_s), note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default="", help="an image folder: adds stylegan on it")
    parser.add_argument("--presets", default="Quick look,Quality")
    parser.add_argument("--cases", default=CASES)
    parser.add_argument("--quality-seconds", type=float, default=60.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cases = [tuple(c.split(":", 1)) for c in args.cases.split(",") if c]
    if args.folder:
        cases.append(("stylegan", args.folder))
    print(f"{'variant':9s} {'dataset':12s} {'preset':10s} {'steps':>6s} {'estimate':>9s} "
          f"{'measured':>9s} {'ratio':>6s}  note", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets.split(","):
            for variant, dataset in cases:
                config, guess, note = case(build_config(variant, dataset, preset), preset,
                                           args.quality_seconds)
                real = measure(config, Path(tmp))
                print(f"{variant:9s} {Path(dataset).name[:12]:12s} {preset:10s} "
                      f"{config.train.steps:6d} {guess:8.1f}s {real:8.1f}s "
                      f"{guess / real:6.2f}  {note}", flush=True)


if __name__ == "__main__":
    main()
