"""`gan-studio --self-test`: what an installed (frozen) copy runs to prove its real paths work.

It trains a 2-D GAN and a tiny DCGAN through the session, renders the bundled model from a
recipe, exports an ONNX (checked in onnxruntime), an MP4, a GIF and PNGs, and opens the main
window offscreen to explore the bundled model and export through its Export dialog (the ONNX
must give the picture Explore shows). Each check prints one line with its time; the last line is
`SELF-TEST OK` (exit 0) or `SELF-TEST FAILED: <what>` (exit 1). Everything goes to a temporary
folder beside the workspace (the user's data folder), removed at the end; no network is used.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUNDLED = "bundled:landscapes-64"


class CheckFailed(Exception):
    """A self-test check found something wrong; the message says what."""


def _expect(ok: bool, what: str) -> None:
    """Fail the current check with `what` unless `ok`."""
    if not ok:
        raise CheckFailed(what)


def _train(folder: Path, argv: list[str]) -> Path:
    """One run through the CLI's config path and the session, as `gan-studio train` does it."""
    from studio.cli import build_parser, config_from_args
    from studio.runs.reader import has_checkpoint, read_metrics
    from studio.session import start_run

    args = build_parser().parse_args(["train", *argv, "--out", str(folder), "--quiet"])
    config = config_from_args(args)
    session = start_run(config, folder)
    status = session.run()
    _expect(session.loop.step == config.train.steps,
            f"{config.variant} stopped at step {session.loop.step} ({status})")
    rows = [r for r in read_metrics(folder) if "loss_g" in r]
    _expect(bool(rows), f"{config.variant} wrote no metrics")
    _expect(all(abs(float(r["loss_g"])) < 1e6 for r in rows), f"{config.variant} loss blew up")
    _expect(has_checkpoint(folder), f"{config.variant} wrote no checkpoint")
    return folder


def check_train_gan(work: Path) -> str:
    """The 2-D GAN trains 50 steps and writes metrics and a checkpoint."""
    _train(work / "gan-ring8", ["--variant", "gan", "--dataset", "ring8", "--steps", "50",
                                "--set", "data.size=2000", "--set", "train.log_every=10"])
    return "2-D GAN on ring8, 50 steps"


def check_train_dcgan(work: Path) -> str:
    """A tiny DCGAN (32 px, 8 channels) trains 5 steps: the image path of the engine."""
    _train(work / "dcgan-shapes", [
        "--variant", "dcgan", "--dataset", "shapes", "--steps", "5", "--batch-size", "8",
        "--resolution", "32", "--set", "data.size=64", "--set", "model.g_channels=8",
        "--set", "model.d_channels=8", "--set", "train.log_every=1",
        "--set", "train.snapshot_count=4"])
    return "DCGAN on shapes (32 px), 5 steps"


def _bundled() -> tuple[Any, Any]:
    """The bundled StyleGAN (resolved as a recipe resolves it) and a recipe for it."""
    from studio.explore.recipe import Recipe
    from studio.explore.source import load_source, resolve_source

    recipe = Recipe.from_dict({"format": "gan-studio/recipe", "version": 1, "source": BUNDLED,
                               "seed": 7, "psi": 0.7})
    return load_source(resolve_source(recipe.source), recipe.checkpoint, "cpu"), recipe


def check_render(work: Path) -> str:
    """The bundled model renders from a recipe, twice to the same pixels."""
    import numpy as np

    from studio.explore.recipe import render_picture

    source, recipe = _bundled()
    picture = render_picture(source.G, recipe)  # uint8 [H, W, C]
    again = render_picture(source.G, recipe)
    _expect(picture.dtype == np.uint8 and picture.ndim == 3, "render gave no picture")
    _expect(float(picture.std()) > 5.0, "the rendered picture is flat")
    _expect(np.array_equal(picture, again), "the same recipe rendered two different pictures")
    return f"{source.label} from a recipe, {picture.shape[1]}x{picture.shape[0]}"


def check_onnx(work: Path) -> str:
    """The bundled model exports to ONNX; onnxruntime agrees with PyTorch (max diff)."""
    from studio.export.onnx_export import check_onnx as compare
    from studio.export.onnx_export import export_onnx

    source, _ = _bundled()
    result = export_onnx(source, work / "onnx", check_seeds=2)
    diff = compare(work / "onnx", source, seeds=2)
    _expect(diff <= 1e-4, f"onnxruntime differs from PyTorch by {diff:.2e}")
    names = ", ".join(sorted(p.name for p in result.paths if p.suffix == ".onnx"))
    return f"{names or 'ONNX'} runs in onnxruntime, max diff {diff:.1e}"


def check_video(work: Path) -> str:
    """A 1 s walk as MP4 (PyAV, H.264) and as GIF (Pillow)."""
    source, recipe = _bundled()
    from studio.export.video import export_video

    made = []
    for name in ("walk.mp4", "walk.gif"):
        result = export_video(source, recipe, work / name, kind="walk", fps=8, seconds=1.0)
        _expect((work / name).stat().st_size > 1000, f"{name} is nearly empty")
        made.append(f"{name} {result.details.get('frames')} frames")
    return ", ".join(made)


def check_images(work: Path) -> str:
    """Two PNGs named by seed, readable again."""
    from PIL import Image

    from studio.export.samples import export_images

    source, recipe = _bundled()
    export_images(source, recipe, work / "images", count=2, contact_sheet=False)
    pngs = sorted((work / "images").glob("seed-*.png"))
    _expect(len(pngs) == 2, f"{len(pngs)} PNGs written instead of 2")
    for png in pngs:
        with Image.open(png) as image:
            _expect(image.size[0] > 0, f"{png.name} does not open")
    return f"{', '.join(p.name for p in pngs)}"


def check_window(work: Path) -> str:
    """The studio window offscreen: explore the bundled model, export PNGs, an MP4, a GIF and
    an ONNX through the Explore tab's Export dialog (studio.app.smoke)."""
    from studio.app.smoke import explore_export_check

    return explore_export_check(work / "window")


def check_engine(work: Path) -> str:
    """torch loads; says whether torchvision is there (the CPU app runs without it)."""
    import torch

    try:
        import torchvision  # noqa: F401
        vision = "present"
    except ImportError:
        vision = "absent (not needed)"
    return f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), torchvision {vision}"


def check_imports(work: Path) -> str:
    """Every studio module imports; without torchvision only standard FID's may not."""
    import importlib
    import pkgutil

    import studio

    names = sorted(m.name for m in pkgutil.walk_packages(studio.__path__, "studio."))
    skipped = []
    for name in names:
        if name == "studio.self_test":
            continue  # itself (possibly running as __main__)
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != "torchvision" or name != "studio.metrics.inception":
                raise
            skipped.append(name)
    _expect(len(names) > 50, f"only {len(names)} studio modules found")
    note = f"; {skipped[0]} needs torchvision (standard FID only)" if skipped else ""
    return f"{len(names)} studio modules import{note}"


CHECKS: list[tuple[str, Callable[[Path], str]]] = [
    ("engine", check_engine),
    ("imports", check_imports),
    ("train 2-D GAN", check_train_gan),
    ("train DCGAN", check_train_dcgan),
    ("render bundled model", check_render),
    ("export ONNX", check_onnx),
    ("export video", check_video),
    ("export images", check_images),
    ("window and Export", check_window),
]


def scratch_folder() -> Path:
    """The temporary folder: beside the workspace, in the user's data folder."""
    from studio.runs.workspace import default_workspace

    return default_workspace().parent / f"self-test-{os.getpid()}"


def run_self_test(only: list[str] | None = None) -> int:
    """Run every check (or those named in `only`); print a line each; 0 when all pass."""
    started = time.perf_counter()
    work = scratch_folder()
    try:
        work.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        print(f"SELF-TEST FAILED: cannot create {work}: {exc}", flush=True)
        return 1
    from studio import __version__

    frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
    print(f"GAN Studio {__version__}{frozen} self-test in {work}", flush=True)
    try:
        for name, check in CHECKS:
            if only and name not in only:
                continue
            t0 = time.perf_counter()
            try:
                what = check(work)
            except Exception as exc:  # every failure becomes the one FAILED line
                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
                print(f"SELF-TEST FAILED: {name}: {type(exc).__name__}: {exc}", flush=True)
                return 1
            print(f"  ok  {name:<22} {time.perf_counter() - t0:6.1f} s  {what}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"SELF-TEST OK ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


def main() -> int:
    """`python -m studio.self_test [CHECK …]`: run some checks by name (for development)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checks", nargs="*", help=", ".join(n for n, _ in CHECKS))
    checks = parser.parse_args().checks
    unknown = sorted(set(checks) - {n for n, _ in CHECKS})
    if unknown:
        parser.error(f"unknown check {unknown[0]!r}")
    return run_self_test(checks or None)


if __name__ == "__main__":
    sys.exit(main())
