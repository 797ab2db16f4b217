"""A run's quality in a few numbers (latest and best FD and recall) for the Runs tab, Qt-free.

Only evaluations on the newest row's feature net are compared: an FD in one net says nothing
about an FD in another, so the cells' tooltips name the net.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.metrics.names import fd_label
from studio.runs.layout import METRICS
from studio.runs.reader import read_evals

FIGURES = ("fd", "best_fd", "recall", "best_recall")  # the Runs tab's quality columns
TIPS = {
    "fd": "Fréchet distance at the newest evaluation (lower is better). Values measured by "
          "different feature nets cannot be compared: the cell's tooltip names the net",
    "best_fd": "The lowest FD of the run's evaluations (on the newest one's feature net)",
    "recall": "Recall at the newest evaluation: the share of real samples the generator can "
              "make (higher is better)",
    "best_recall": "The highest recall of the run's evaluations"}


def number(row: dict[str, Any], key: str) -> float:
    """`row[key]` as a float; NaN when it is missing or not a finite number."""
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value) if math.isfinite(value) else math.nan


@dataclass(frozen=True)
class RunQuality:
    """A run's latest and best FD and recall, on the feature net of its newest evaluation."""

    features: str
    count: int  # evaluations on that feature net
    fd: float | None
    best_fd: float | None  # the lowest
    best_fd_step: int | None
    recall: float | None
    best_recall: float | None  # the highest
    best_recall_step: int | None
    other_nets: bool = False  # some evaluations used another feature net (not compared)

    def value(self, figure: str) -> float | None:
        """One of FIGURES; None when the run never measured it."""
        return getattr(self, figure)

    def text(self, figure: str) -> str:
        value = self.value(figure)
        if value is None:
            return ""
        return f"{value:.4g}" if figure.endswith("fd") else f"{value:.3f}"

    def tooltip(self, figure: str) -> str:
        """Names the feature net, the step of a best value and how many evaluations count."""
        value = self.value(figure)
        if value is None:
            return ""
        name = fd_label(self.features) if figure.endswith("fd") else "recall"
        step = getattr(self, f"{figure}_step", None)
        where = f"the best, at step {step:,}," if step is not None else "at the newest"
        note = " (evaluations on other feature nets are left out)" if self.other_nets else ""
        return (f"{name} {value:.4g}: {where} of {self.count} evaluation"
                f"{'s' * (self.count != 1)} on {self.features}{note}")


def _last_and_best(rows: list[dict[str, Any]], key: str, lowest: bool
                   ) -> tuple[float | None, float | None, int | None]:
    found = [(number(r, key), int(r.get("step", 0))) for r in rows]
    found = [(v, s) for v, s in found if math.isfinite(v)]
    if not found:
        return None, None, None
    best = (min if lowest else max)(found, key=lambda vs: vs[0])
    return found[-1][0], best[0], best[1]


def summarize_quality(rows: list[dict[str, Any]]) -> RunQuality | None:
    """The figures of a run's evaluation rows (in step order); None without any."""
    if not rows:
        return None
    features = str(rows[-1].get("features", ""))
    same = [r for r in rows if str(r.get("features", "")) == features]
    fd, best_fd, fd_step = _last_and_best(same, "fd", lowest=True)
    recall, best_recall, recall_step = _last_and_best(same, "recall", lowest=False)
    return RunQuality(features, len(same), fd, best_fd, fd_step, recall, best_recall,
                      recall_step, other_nets=len(same) < len(rows))


class QualityCache:
    """Each run's RunQuality, re-read only when its metrics file has changed (a stat a call)."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[tuple[int, int], RunQuality | None]] = {}

    def get(self, folder: Path) -> RunQuality | None:
        try:
            stat = (Path(folder) / METRICS).stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(Path(folder))
        if known is None or known[0] != stamp:
            known = (stamp, summarize_quality(read_evals(folder)))
            self._known[Path(folder)] = known
        return known[1]
