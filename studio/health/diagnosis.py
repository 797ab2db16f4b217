"""What the doctor hands out (a Diagnosis) and the small tools its detectors share.

Torch-free: detectors read plain metric rows (dicts of floats) kept in a History.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections import deque
from dataclasses import dataclass, field
from typing import Any

# The loss values at the balance point D(x) = D(G(z)) = 1/2 (logit 0; LSGAN output 1/2).
D_BALANCE = {"non-saturating": 2 * math.log(2), "minimax": 2 * math.log(2), "hinge": 2.0,
             "least-squares": 0.25}
G_BALANCE = {"non-saturating": math.log(2), "minimax": -math.log(2), "hinge": 0.0,
             "least-squares": 0.125}


@dataclass(frozen=True)
class Diagnosis:
    """One finding about a run: what is wrong, why it matters, and a live fix if there is one."""

    detector: str  # "d_wins", "mode_collapse", "oscillation", "divergence"
    title: str  # a short headline
    explanation: str  # for a learner: what is happening and why it matters
    suggestion: str  # what to do
    fix: dict[str, Any] = field(default_factory=dict)  # live changes, e.g. {"lr_d": 1e-4}
    data: dict[str, Any] = field(default_factory=dict)  # the evidence, as numbers

    @property
    def message(self) -> str:
        """One line for logs and the command line."""
        return f"{self.title}. {self.suggestion}"


@dataclass
class Settings:
    """The run's current live settings, as the doctor last heard of them."""

    loss: str
    lr_g: float
    lr_d: float
    r1_gamma: float = 0.0
    d_steps: int = 1


class History:
    """The recent rows of one stream (training metrics or evaluations), oldest first."""

    def __init__(self, maxlen: int) -> None:
        self.rows: deque[tuple[int, dict[str, Any]]] = deque(maxlen=maxlen)
        self._numbers: deque[dict[str, float]] = deque(maxlen=maxlen)  # each row's numbers

    def add(self, step: int, row: dict[str, Any]) -> None:
        self.rows.append((step, row))
        self._numbers.append({k: float(v) for k, v in row.items() if is_number(v)})

    def rewind(self, step: int) -> None:
        """Forget the rows after `step` (the run went back to it)."""
        while self.rows and self.rows[-1][0] > step:
            self.rows.pop()
            self._numbers.pop()

    def __len__(self) -> int:
        return len(self.rows)

    def values(self, key: str, last: int | None = None) -> list[float]:
        """The finite numbers of `key` in the `last` rows (all rows if None), oldest first."""
        start = 0 if last is None else max(0, len(self._numbers) - last)
        return [r[key] for r in itertools.islice(self._numbers, start, None) if key in r]

    def mean(self, key: str, last: int) -> float | None:
        """Mean of `key` over the `last` rows; None unless each of them holds a number."""
        vals = self.values(key, last)
        return sum(vals) / len(vals) if len(vals) == last else None

    def held_best(self, key: str, hold: int) -> float | None:
        """The highest level `key` kept for `hold` rows in a row (the best of each run of `hold`
        rows' lowest): one lucky row early in a run does not count as a level it reached."""
        return held_best(self.values(key), hold)

    def latest(self) -> dict[str, Any]:
        return self.rows[-1][1] if self.rows else {}


def held_best(values: list[float], hold: int) -> float | None:
    """The highest level `values` kept for `hold` entries in a row; None when fewer."""
    runs = [min(values[i:i + hold]) for i in range(len(values) - hold + 1)]
    return max(runs) if runs else None


def is_number(value: Any) -> bool:
    """A finite real number (numpy scalars too; not a bool, not text)."""
    if type(value) is float:  # the common case, fast
        return math.isfinite(value)
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def rounded(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence numbers rounded to 4 significant digits, for display and JSON."""
    return {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in evidence.items()}
