"""Grab every tab of the studio as a person sees it, at one screen size and theme.

    xvfb-run -a -s "-screen 0 1024x640x24" .venv/bin/python tools/screenshots.py \\
        --size 1024x640 --theme dark --workspace ~/gan-studio/runs --out shots/

Opens New run (shapes, DCGAN), then in the Monitor the newest image run, 2-D run and cGAN run
found in the workspace, then Explore with the bundled model, then Runs; one PNG per view.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1366x700", help="WIDTHxHEIGHT of the screen")
    parser.add_argument("--theme", default="light", choices=("light", "dark"))
    parser.add_argument("--workspace", type=Path, required=True, help="a folder of runs")
    parser.add_argument("--out", type=Path, default=Path("shots"))
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    from studio.app.main_window import MainWindow
    from studio.runs.reader import list_runs

    settings = QSettings(str(args.out / "studio.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(settings)
    window.apply_preferences(str(args.workspace), args.theme)
    window.resize(width, height)
    window.move(0, 0)
    window.show()

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def grab(name: str) -> None:
        wait(700)
        path = args.out / f"{name}_{width}x{height}_{args.theme}.png"
        app.primaryScreen().grabWindow(0, 0, 0, width, height).save(str(path))
        print(path)

    wait(3000)
    window.tabs.setCurrentIndex(0)
    window.setup.choose_dataset("shapes")
    wait(2500)
    window.setup.select_variant("dcgan")
    grab("1newrun")
    runs = list_runs(args.workspace)
    picks = {"2monitor_images": lambda r: r.variant != "cgan" and "ring" not in r.dataset
             and "grid" not in r.dataset and "spiral" not in r.dataset,
             "3monitor_points": lambda r: any(k in r.dataset for k in ("ring", "grid", "spiral")),
             "4monitor_cgan": lambda r: r.variant == "cgan"}
    for name, wanted in picks.items():
        run = next((r for r in runs if wanted(r)), None)
        if run is not None and window.open_run(run.folder):
            wait(3000)
            grab(name)
    window.explorer.explore_bundled()
    wait(8000)
    grab("5explore")
    window.tabs.setCurrentIndex(3)
    wait(2500)
    grab("6runs")
    window.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
