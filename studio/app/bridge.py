"""Thread-safe hand-over points between the training thread and the GUI thread (no Qt, no torch).

The training thread appends scalars to a `MetricBuffer` and puts pictures in `LatestSlot`s;
the GUI reads both on a ~10 Hz timer. Nothing blocks either side for more than a list copy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.runs.game_states import load_game_arrays
from studio.runs.layout import game_state_name  # noqa: F401  (re-exported for callers)


class MetricBuffer:
    """Columns of logged metrics by step; appended by one thread, read by another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: list[float] = []
        self._columns: dict[str, list[float]] = {}
        self.version = 0  # bumps on every change, so a reader can skip redraws

    def append(self, step: int, metrics: dict[str, float]) -> None:
        with self._lock:
            if self._steps and step <= self._steps[-1]:  # a resume redoes steps: drop them
                keep = int(np.searchsorted(np.asarray(self._steps), step, side="left"))
                del self._steps[keep:]
                for col in self._columns.values():
                    del col[keep:]
            n = len(self._steps)
            self._steps.append(float(step))
            for key, value in metrics.items():
                col = self._columns.setdefault(key, [float("nan")] * n)
                col.append(float(value))
            for col in self._columns.values():
                if len(col) < n + 1:
                    col.append(float("nan"))
            self.version += 1

    def extend(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.append(int(row["step"]), {k: v for k, v in row.items()
                                           if k not in ("step", "time")
                                           and isinstance(v, int | float)})

    def arrays(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Copies of the steps and every column as float arrays."""
        with self._lock:
            steps = np.asarray(self._steps, dtype=np.float64)
            return steps, {k: np.asarray(v, dtype=np.float64) for k, v in self._columns.items()}

    def last(self) -> tuple[int, dict[str, float]] | None:
        with self._lock:
            if not self._steps:
                return None
            return int(self._steps[-1]), {k: v[-1] for k, v in self._columns.items()}

    def clear(self) -> None:
        with self._lock:
            self._steps.clear()
            self._columns.clear()
            self.version += 1


class LatestSlot:
    """Holds only the newest value; `take()` returns it once (or None when nothing is new)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Any = None
        self._fresh = False

    def put(self, value: Any) -> None:
        with self._lock:
            self._value, self._fresh = value, True

    def take(self) -> Any:
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            return self._value

    def peek(self) -> Any:
        with self._lock:
            return self._value


@dataclass(frozen=True)
class SamplePicture:
    step: int
    picture: np.ndarray  # uint8 [H, W, 3]


@dataclass(frozen=True)
class Coverage:
    """How many of a mixture's modes the generated points reach, and the share near a mode."""

    modes_covered: int
    modes_total: int
    high_quality: float  # share of points within 3σ of some mode, in [0, 1]

    def text(self) -> str:
        """'modes covered 7/8 · 81 % high quality'."""
        return (f"modes covered {self.modes_covered}/{self.modes_total} · "
                f"{100 * self.high_quality:.0f} % high quality")


@dataclass(frozen=True)
class GameState:
    """What the 2-D game view draws: real and generated points and D(x) on a grid."""

    step: int
    real: np.ndarray | None  # [N, 2]
    fake: np.ndarray  # [M, 2]
    heat: np.ndarray | None  # [G, G] in [0, 1], row 0 = bottom
    extent: float
    coverage: Coverage | None = None  # for mixtures with known modes


def load_game_state(path: Path) -> GameState | None:
    """A kept game state, or None when the file is missing or unreadable."""
    f = load_game_arrays(path)
    if f is None:
        return None
    cov = f.get("coverage")
    return GameState(int(f["step"]), f.get("real"), f["fake"], f.get("heat"),
                     float(f["extent"]),
                     None if cov is None else Coverage(int(cov[0]), int(cov[1]), float(cov[2])))



@dataclass(frozen=True)
class RunStateEvent:
    """A rare event from the run loop, delivered by a queued signal."""

    step: int
    kind: str
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FailureInfo:
    """A failure to show in a dialog: the plain message and the saved traceback."""

    title: str
    message: str
    details: str


# -- exploration ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderRequest:
    """One picture to render: an immutable recipe, stamped so stale answers can be dropped."""

    stamp: int
    view: str  # which view asked: "image", "mix" or "interpolation"
    recipe: Any  # studio.explore.recipe.Recipe (torch-free)


@dataclass(frozen=True)
class SourceInfo:
    """What the explorer needs to know about a loaded generator."""

    source: str
    label: str
    step: int | None
    resolution: int
    num_ws: int
    layer_resolutions: tuple[int, ...]


@dataclass(frozen=True)
class RenderResult:
    """A rendered picture (or the failure), with the recipe that reproduces it exactly."""

    stamp: int
    view: str
    picture: np.ndarray | None  # uint8 [H, W, C]
    recipe: Any  # the request's recipe with the checkpoint step it used filled in
    seconds: float
    failure: FailureInfo | None = None
