"""`gan-studio export images|video|onnx|model|torchscript`: the export engine from a terminal.

The source is a recipe file (the studio's Copy recipe; its source resolves relative to the
recipe's folder) or `--source PATH|bundled:NAME` with a default recipe (image view, seed 0).
Progress goes to stderr as one redrawn line on a terminal, sparse lines in a log.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from studio.errors import StudioError
from studio.progress import format_duration

KINDS = ("images", "video", "onnx", "model", "torchscript")


def _common(parser: argparse.ArgumentParser, out_help: str) -> None:
    """The options every export kind takes: where from, where to, and how."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--recipe", type=Path, metavar="FILE",
                       help="a recipe .json (the studio's Copy recipe)")
    where.add_argument("--source", metavar="PATH|bundled:NAME",
                       help="a run folder, a model folder or bundled:<name> (then the recipe "
                       "is the image view of seed 0)")
    parser.add_argument("--checkpoint", type=int, metavar="STEP",
                        help="the run's checkpoint to use (default: the recipe's, or the "
                        "latest)")
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def _range(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_export_parser(sub: Any) -> None:
    """Adds `export` and its kinds to the `gan-studio` subcommands."""
    export = sub.add_parser("export", help="export images, a video, or the generator "
                            "(ONNX, model folder, TorchScript)")
    kinds = export.add_subparsers(dest="export_kind", required=True, metavar="KIND")
    images = kinds.add_parser("images", help="N samples as PNGs named by seed, recipes.jsonl "
                              "and a contact sheet")
    _common(images, "the folder to create")
    images.add_argument("--count", type=int, default=16, help="how many seeds (default 16; a "
                        "cGAN without a recipe label draws every class of each seed)")
    images.add_argument("--no-contact-sheet", action="store_true",
                        help="skip contact-sheet.png")
    video = kinds.add_parser("video", help="an MP4 (H.264) or GIF: a walk, ψ sweep or "
                             "direction sweep")
    _common(video, "the .mp4 or .gif file to write")
    video.add_argument("--kind", choices=("walk", "psi", "direction"), default="walk",
                       help="walk: through the keyframe seeds; psi: a truncation sweep; "
                       "direction: one direction's offset (default walk)")
    video.add_argument("--fps", type=int, default=24, help="frames per second (default 24)")
    video.add_argument("--seconds", type=float, default=4.0, help="length (default 4)")
    video.add_argument("--no-loop", action="store_true", help="play once; the path does not "
                       "return to its start")
    video.add_argument("--psi-range", nargs=2, type=_range, default=(0.0, 1.0),
                       metavar=("A", "B"), help="ψ from A to B (default 0 1)")
    video.add_argument("--direction", type=int, default=0, metavar="I",
                       help="which direction to sweep (default 0)")
    video.add_argument("--direction-range", nargs=2, type=_range, default=(-3.0, 3.0),
                       metavar=("A", "B"), help="offset from A to B (default -3 3)")
    video.add_argument("--scale", type=int, metavar="N", help="enlarge each pixel N×N "
                       "(default: the smallest N giving a short side of at least 256 px)")
    onnx = kinds.add_parser("onnx", help="the generator as ONNX, checked in onnxruntime")
    _common(onnx, "the folder to create")
    model = kinds.add_parser("model", help="the generator as a model folder (safetensors, "
                             "config, model card) that the studio opens")
    _common(model, "the folder to create")
    model.add_argument("--name", help="the model's short name (default: the folder's name)")
    model.add_argument("--title", help="the title the studio shows")
    script = kinds.add_parser("torchscript", help="the generator as a TorchScript .pt file")
    _common(script, "the .pt file to write")


class ExportBar:
    """A tqdm-style progress line: redrawn on a terminal, every tenth of the way in a log."""

    def __init__(self, stream: TextIO, width: int = 24) -> None:
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self.t0 = time.perf_counter()
        self._next, self._drawn = 0, False

    def line(self, done: int, total: int, what: str) -> str:
        elapsed = time.perf_counter() - self.t0
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        frac = done / total if total else 1.0
        filled = int(self.width * min(frac, 1.0))
        return (f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{total} "
                f"{100 * frac:3.0f}%  {rate:.1f} it/s  ETA {format_duration(eta)}  {what}")

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if self.tty:
            self.stream.write("\r" + self.line(done, total, what) + "\033[K")
            self._drawn = True
        elif done >= self._next or done == total:
            self.stream.write(self.line(done, total, what) + "\n")
            self._next = done + max(1, total // 10)
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def recipe_file(path: Path) -> tuple[Any, Path]:
    """A recipe file (the studio's Copy recipe) and its source's path, resolved relative to
    the file's folder; a missing or unreadable file is a clear StudioError."""
    from studio.explore.recipe import Recipe
    from studio.explore.source import resolve_source

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StudioError(f"recipe file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StudioError(f"recipe file {path} cannot be read: {exc}") from None
    recipe = Recipe.from_json(text)
    return recipe, resolve_source(recipe.source, path.resolve().parent)


def load_recipe(args: argparse.Namespace) -> tuple[Any, Path]:
    """The recipe to export and its source's folder, from --recipe FILE or --source."""
    from studio.explore.recipe import Recipe
    from studio.explore.source import resolve_source

    if args.recipe is not None:
        recipe, path = recipe_file(args.recipe)
    else:
        recipe = Recipe(source=args.source)
        path = resolve_source(args.source)
    if args.checkpoint is not None:
        recipe = recipe.replace(checkpoint=args.checkpoint)
    return recipe, path


def _load(args: argparse.Namespace) -> tuple[Any, Any]:
    from studio.explore.source import load_source
    from studio.train.device import select_device

    recipe, path = load_recipe(args)
    source = load_source(path, recipe.checkpoint, select_device(args.device))
    say_warnings(source)
    return recipe, source


def say_warnings(source: Any) -> None:
    """Print what loading the source warned of (a damaged newest checkpoint passed over)."""
    for warning in source.warnings:
        print(f"gan-studio: warning: {warning}", file=sys.stderr)


def _run(args: argparse.Namespace, source: Any, recipe: Any, progress: Any) -> Any:
    """Call the export function of args.export_kind."""
    kind = args.export_kind
    if kind == "images":
        from studio.export.samples import export_images

        if args.count < 1:
            raise StudioError(f"--count {args.count}: give 1 or more images")
        return export_images(source, recipe, args.out, count=args.count, force=args.force,
                             progress=progress, contact_sheet=not args.no_contact_sheet)
    if kind == "video":
        from studio.export.video import export_video

        return export_video(source, recipe, args.out, kind=args.kind, fps=args.fps,
                            seconds=args.seconds, loop=not args.no_loop,
                            psi_range=tuple(args.psi_range), direction=args.direction,
                            direction_range=tuple(args.direction_range), scale=args.scale,
                            force=args.force, progress=progress)
    if kind == "onnx":
        from studio.export.onnx_export import export_onnx

        return export_onnx(source, args.out, force=args.force, progress=progress)
    if kind == "model":
        from studio.export.model_files import export_model

        return export_model(source, args.out, name=args.name, title=args.title,
                            force=args.force, progress=progress)
    from studio.export.model_files import export_torchscript

    return export_torchscript(source, args.out, force=args.force, progress=progress)


def _describe(details: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{k} {show(v)}" for k, v in details.items())


def cmd_export(args: argparse.Namespace) -> int:
    """Run one export, printing what was written; errors are StudioErrors (exit 2)."""
    from studio.export.files import Progress, refuse_existing

    refuse_existing(args.out, args.force)  # before the (slow) model load
    recipe, source = _load(args)
    bar = None if args.quiet else ExportBar(sys.stderr)
    t0 = time.perf_counter()
    try:
        result = _run(args, source, recipe, Progress(report=bar))
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    print(f"wrote {args.out} ({source.label}, step {source.step}) in {seconds:.1f} s"
          + (f": {_describe(result.details)}" if result.details else ""))
    return 0
