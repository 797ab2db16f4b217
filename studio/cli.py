"""The `gan-studio` command: the studio window, or headless subcommands (`train`, `eval`,
`render`, `export`, `list`, `runs`), or `--self-test` (what an installed copy runs to prove it
works).

A StudioError prints one plain line (no traceback) and exits with status 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio import __version__
from studio.cli_export import add_export_parser, cmd_export, recipe_file, say_warnings
from studio.config import DataConfig, RunConfig, TrainConfig, load_toml, parse_value
from studio.errors import ConfigError, StudioError
from studio.progress import ProgressBar
from studio.train.controls import RunControls
from studio.variants import VARIANTS, default_train_settings, model_config_class

EXIT_USER_ERROR = 2
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n))
TRAIN_EXAMPLES = """examples:
  gan-studio train --variant gan --dataset ring8 --steps 2000
  gan-studio train --variant dcgan --dataset shapes --resolution 32 --set train.lr_g=1e-4
  gan-studio train --variant dcgan --dataset ~/Pictures/cats --resolution 64
  gan-studio train --config run.toml --out runs/my-run --seed 3
  gan-studio train --resume runs/my-run --steps 5000

Ctrl+C or SIGTERM stops after the current step and saves a checkpoint (a second one aborts).
Every setting can be given as --set SECTION.KEY=VALUE; the studio's form lists them all."""


def _setting_help(cls: type, key: str, metavar: str) -> str:
    """A flag's help: the setting's own help text, its --set spelling and its default."""
    from dataclasses import fields

    f = next(f for f in fields(cls) if f.name == key)
    section = getattr(cls, "SECTION", "")
    text = f.metadata["help"]
    return (f"{text[0].lower()}{text[1:]} (the same as --set {section}.{key}={metavar}; "
            f"default {f.default})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gan-studio", description="Train and explore GANs. Without a subcommand, opens "
        "the studio window.")
    parser.add_argument("--version", action="version", version=f"gan-studio {__version__}")
    parser.add_argument("--self-test", action="store_true", help="train, render and export "
                        "a little, open and close the window offscreen, and print "
                        "SELF-TEST OK (how an installed copy proves it works)")
    sub = parser.add_subparsers(dest="command")
    train = sub.add_parser("train", help="train a model headless, writing a run folder",
                           epilog=TRAIN_EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--config", type=Path, help="a run.toml to start from")
    train.add_argument("--resume", type=Path, metavar="RUNDIR",
                       help="continue the run in RUNDIR from its latest checkpoint")
    train.add_argument("--variant", choices=list(VARIANTS), help="the kind of GAN: "
                       f"{', '.join(VARIANTS)} (`gan-studio list` describes each; default gan)")
    train.add_argument("--dataset", help="a built-in set (see `gan-studio list`) or a folder")
    train.add_argument("--steps", type=int, metavar="N",
                       help=_setting_help(TrainConfig, "steps", "N") + "; with --resume, the "
                       "new total to train to")
    train.add_argument("--batch-size", type=int, metavar="N",
                       help=_setting_help(TrainConfig, "batch_size", "N"))
    train.add_argument("--loss", help="non-saturating, minimax, hinge, least-squares, wgan-gp")
    train.add_argument("--resolution", type=int, metavar="PX",
                       help=_setting_help(DataConfig, "resolution", "PX"))
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--seed", type=int, metavar="N",
                       help=_setting_help(TrainConfig, "seed", "N"))
    train.add_argument("--out", type=Path, help="the run folder to create (default: a new "
                       "folder in the workspace)")
    train.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                       help="any other setting, e.g. --set train.lr_g=1e-4 (repeatable)")
    train.add_argument("--eval-every", type=int, metavar="N", help="measure quality (FD, KID, "
                       "precision/recall) every N steps")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    ev = sub.add_parser("eval", help="measure a run's samples against its data (FD, KID, "
                        "precision, recall, density, coverage)")
    ev.add_argument("run", type=Path, help="the run folder")
    ev.add_argument("--step", type=int, help="the checkpoint to measure (default: the newest)")
    ev.add_argument("--samples", type=int, help="generated and real samples to compare "
                    "(default: the run's train.eval_samples)")
    ev.add_argument("--inception", type=Path, metavar="FILE", help="the FID Inception-v3 "
                    "weights (pt_inception-2015-12-05-6726825d.pth) for standard FID")
    ev.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    ev.add_argument("--json", action="store_true", help="print the row as JSON")
    render = sub.add_parser("render", help="render a recipe copied from the studio to a PNG")
    render.add_argument("recipe", type=Path, help="a recipe .json (the studio's Copy recipe)")
    render.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    render.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    render.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    add_export_parser(sub)
    sub.add_parser("list", help="list the variants and datasets")
    runs = sub.add_parser("runs", help="move run folders to their workspace's trash, or back")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    runs_sub.add_parser("trash", help="move run folders to the trash of their workspace "
                        "(nothing is deleted)").add_argument("run", type=Path, nargs="+")
    back = runs_sub.add_parser("restore", help="list the trash, or put the run NAME back")
    back.add_argument("name", nargs="?", help="a trashed run's name or folder (as listed)")
    back.add_argument("--workspace", type=Path, help="default: the studio's workspace")
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The run config: the --config file (or defaults), then the flags, then each --set."""
    config = load_toml(args.config) if args.config else RunConfig()
    if args.variant and args.variant != config.variant:
        train = config.train.replace(**default_train_settings(args.variant))
        config = config.replace(variant=args.variant, train=train)
    sections = {"data": dict(vars(config.data)), "model": dict(vars(config.model)),
                "train": dict(vars(config.train))}
    flags = {("data", "dataset"): args.dataset, ("data", "resolution"): args.resolution,
             ("train", "steps"): args.steps, ("train", "batch_size"): args.batch_size,
             ("train", "loss"): args.loss, ("train", "device"): args.device,
             ("train", "seed"): args.seed, ("train", "eval_every"): args.eval_every}
    for (section, key), value in flags.items():
        if value is not None:
            sections[section][key] = value
    classes = {"data": DataConfig, "model": model_config_class(config.variant),
               "train": TrainConfig}
    for item in args.set:
        target, sep, text = item.partition("=")
        section, dot, key = target.partition(".")
        if not sep or not dot or section not in classes:
            raise ConfigError(f"--set {item!r} must look like SECTION.KEY=VALUE with SECTION "
                              "one of data, model, train")
        sections[section][key] = parse_value(classes[section], key, text)
    return RunConfig.from_dict({"variant": config.variant, "name": config.name, **sections})


def cmd_train(args: argparse.Namespace) -> int:
    """Train headless; Ctrl+C and SIGTERM both end the run cleanly with a checkpoint."""
    from studio.train import distributed

    distributed.init_from_env()
    bar = ProgressBar(sys.stderr) if not args.quiet and distributed.rank() == 0 else None
    controls = RunControls()
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    if hasattr(signal, "SIGTERM"):  # while the run is prepared, SIGTERM interrupts like Ctrl+C
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        status, session = _train_session(args, controls, bar)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    distributed.shutdown()  # only after a clean end: a failed rank must not wait at a barrier
    if distributed.rank() == 0:
        print(f"{status} at step {session.loop.step}: {session.folder}", flush=True)
    return 0


def _train_session(args: argparse.Namespace, controls: RunControls,
                   bar: ProgressBar | None) -> tuple[str, Any]:
    """Prepare the run (new or resumed), train it, and return its end status and session."""
    from studio.train import distributed

    if args.resume:
        from studio.session import resume_run

        session = resume_run(args.resume, sinks=(bar,), controls=controls, steps=args.steps)
    else:
        config = config_from_args(args)  # bad settings are refused before anything loads
        from studio.export.files import check_folder_target
        from studio.runs.workspace import default_workspace, new_run_folder
        from studio.session import start_run

        folder = args.out or new_run_folder(default_workspace(), config.variant,
                                            config.data.dataset)
        check_folder_target(folder)  # a file, a device, a read-only place: one line
        session = start_run(config, folder, sinks=(bar,), controls=controls)
    if bar:
        bar.begin(session.loop.step, session.config.train.steps)
    if distributed.rank() == 0:
        print(f"run folder: {session.folder}", flush=True)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_on_interrupt(controls))
    return session.run(), session


def _stop_on_interrupt(controls: RunControls) -> Callable[..., None]:
    """First Ctrl+C or SIGTERM (what `timeout`, `docker stop` and schedulers send): stop after
    this step and save a checkpoint, ending with status 0. A second one: interrupt now (130)."""
    def handler(signum: int, frame: object) -> None:
        if controls.stop_requested:
            raise KeyboardInterrupt
        what = "Ctrl+C" if signum == signal.SIGINT else signal.Signals(signum).name
        print(f"\n{what}: stopping after this step and saving a checkpoint (Ctrl+C again to "
              "abort)", file=sys.stderr, flush=True)
        controls.stop(save=True)
    return handler


def cmd_render(args: argparse.Namespace) -> int:
    """Reproduce a recipe's picture: the same pixels as the studio's on the same device."""
    from studio.explore.recipe import render_picture
    from studio.explore.source import load_source
    from studio.export.files import check_output_path
    from studio.export.images import save_png
    from studio.train.device import select_device

    out: Path = args.out
    if out.is_dir():
        raise StudioError(f"--out {out} is a folder; give the path of the PNG file to write")
    if out.exists() and not args.force:
        raise StudioError(f"{out} already exists; pass --force to overwrite it")
    check_output_path(out, args.force, folder=False)  # links, devices, read-only places
    if not out.parent.is_dir():
        raise StudioError(f"cannot write {out}: the folder {out.parent} does not exist")
    recipe, path = recipe_file(args.recipe)
    source = load_source(path, recipe.checkpoint, select_device(args.device))
    say_warnings(source)
    picture = render_picture(source.G, recipe)
    try:
        save_png(picture, out)
    except OSError as exc:
        raise StudioError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} ({source.label}, step {source.step})")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Measure a checkpoint, print the figures and add them to the run as an `eval` row."""
    import json

    from studio.metrics.names import format_evaluation
    from studio.session import evaluate_run

    if args.samples is not None and args.samples < 100:
        raise StudioError(f"--samples {args.samples} is too few to measure; give 100 or more")
    if args.inception is not None and not args.inception.is_file():
        raise StudioError(f"--inception {args.inception} does not exist; give the path of "
                          "pt_inception-2015-12-05-6726825d.pth")
    log = None if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    step, row = evaluate_run(args.run, args.step, args.samples, args.inception, args.device,
                             log)
    if args.json:
        print(json.dumps({"step": step, **row}))
    else:
        print(f"{args.run} at step {step}:")
        print(format_evaluation(row))
    return 0


def cmd_list() -> int:
    from studio.data import BUILTINS, system_datasets

    print("variants:")
    for v in VARIANTS.values():
        print(f"  {v.name:<8} {v.title} — trains on {' or '.join(v.data_kinds)}"
              + (", needs labels" if v.needs_labels else ""))
    print("datasets:")
    for b in BUILTINS.values():
        print(f"  {b.name:<14} {b.summary}")
    for name, path in system_datasets().items():
        print(f"  {name:<14} installed at {path}")
    print("  PATH           a local folder: images (class subfolders → labels), "
          "MNIST/Fashion-MNIST idx files, or CIFAR-10 batches")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    """`runs trash RUN…` moves runs to the trash; `runs restore [NAME]` lists it or restores."""
    from studio.runs.trash import list_trash, restore, trash_run
    from studio.runs.workspace import default_workspace

    if args.runs_command == "trash":
        for run in args.run:
            print(f"moved {run} to {trash_run(run).entry}")
        return 0
    workspace = args.workspace or default_workspace()
    entries = list_trash(workspace)
    if args.name is None:
        for t in entries:
            print(f"{t.entry.name}  {t.name}  (was {t.original})")
        print(f"{len(entries)} run{'s' * (len(entries) != 1)} in the trash of {workspace}")
        return 0
    found = [t for t in entries if args.name in (t.entry.name, t.name, t.original.name)]
    if not found:
        raise StudioError(f"no run {args.name!r} in the trash of {workspace}; "
                          "`gan-studio runs restore` lists what is there")
    print(f"restored {restore(found[0].entry)}")
    return 0


def open_studio(parser: argparse.ArgumentParser) -> int:
    """The window; on a machine without a display, say so and show the headless commands."""
    import os

    headless = (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
                and not os.environ.get("WAYLAND_DISPLAY")
                and not os.environ.get("QT_QPA_PLATFORM"))
    if headless:
        print("gan-studio: no display here, so the studio window cannot open. Run it under "
              "a desktop (or `xvfb-run gan-studio`), or use the headless commands:",
              file=sys.stderr)
        parser.print_help()
        return 0
    try:
        from studio.app.main import run
    except ImportError as exc:
        raise StudioError(f"the studio window needs PySide6 and pyqtgraph ({exc}); install "
                          "them with: pip install 'gan-studio[gui]'") from None
    return run([sys.argv[0]])


def main(argv: list[str] | None = None) -> int:
    from studio.runs.workspace import keep_to_user_folders

    keep_to_user_folders()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.self_test:
            from studio.self_test import run_self_test
            return run_self_test()
        if args.command == "train":
            return cmd_train(args)
        if args.command == "eval":
            return cmd_eval(args)
        if args.command == "render":
            return cmd_render(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "list":
            return cmd_list()
        if args.command == "runs":
            return cmd_runs(args)
        return open_studio(parser)
    except StudioError as exc:
        print(f"gan-studio: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("gan-studio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
