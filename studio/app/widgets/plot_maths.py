"""The numbers behind the plots: smoothing, the symmetric log scale, round axis ends, readouts.

Plain numpy, no Qt, so each piece is tested on its own and reused by every plot.
"""

from __future__ import annotations

import math

import numpy as np

_NEGLIGIBLE = 1e-18  # EMA weights below this (relative to 1) no longer change a float64 sum
_NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # step-axis ends: data fills ≥ 3/4
SYMLOG_WIDTH = 0.01  # the symmetric log scale is linear within about ± this


def nice_ceiling(x: float) -> float:
    """The smallest 'round' number (1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k) that is ≥ x."""
    if x <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(x))
    return next(m * scale for m in _NICE if m * scale >= x * (1 - 1e-12))


def ema_smooth(values: np.ndarray, factor: float) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard draws it.

    ``s_t = a*s_{t-1} + (1-a)*x_t`` with ``s_0 = 0``, reported as ``s_t / (1 - a^t)`` so early
    points are not dragged towards zero. Non-finite inputs are skipped (they stay NaN in the
    output and do not poison later points). The recurrence is solved by a log-depth doubling
    scan whose weights are all ≤ 1, so it cannot overflow, and it stops once ``a^k`` becomes
    negligible: about 2 ms for 200k points. Returns a new float64 array; input is untouched.
    """
    x = np.asarray(values, dtype=np.float64)
    a = float(factor)
    if not 0.0 <= a < 1.0:
        raise ValueError(f"smoothing factor must be in [0, 1), got {factor}")
    out = np.array(x, dtype=np.float64, copy=True)
    finite = np.isfinite(x)
    if a == 0.0 or x.size == 0:
        return out
    all_finite = bool(finite.all())
    if not all_finite:
        out[~finite] = np.nan
    out[finite] = _ema_finite(x if all_finite else x[finite], a)
    return out


def _ema_finite(x: np.ndarray, a: float) -> np.ndarray:
    """Debiased EMA of a 1-D array of finite values (helper of :func:`ema_smooth`)."""
    n = x.size
    s = x * (1.0 - a)
    tmp = np.empty_like(s)
    shift, coef = 1, a
    # After the step with shift 2^k, s_t holds sum_{j < 2^(k+1)} a^j (1-a) x_{t-j}.
    while shift < n and coef > _NEGLIGIBLE:
        m = n - shift
        np.multiply(s[:m], coef, out=tmp[:m])
        s[shift:] += tmp[:m]
        shift *= 2
        coef *= coef
    # Debiasing only matters while a^t is not negligible.
    k = min(n, math.ceil(math.log(_NEGLIGIBLE) / math.log(a)))
    s[:k] /= 1.0 - a ** np.arange(1, k + 1, dtype=np.float64)
    return s


def symlog(y: np.ndarray | float, width: float = SYMLOG_WIDTH) -> np.ndarray:
    """Symmetric log: ``sign(y)·log10(1 + |y|/width)``. Like log10 for |y| ≫ width, linear
    near 0, and defined for negative values (the minimax G loss is negative)."""
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y) * np.log10(1.0 + np.abs(y) / width)


def symlog_inverse(t: np.ndarray | float, width: float = SYMLOG_WIDTH) -> np.ndarray:
    """The value whose :func:`symlog` is ``t``."""
    t = np.asarray(t, dtype=np.float64)
    return np.sign(t) * width * (10.0 ** np.abs(t) - 1.0)


def symlog_candidates(lo: float, hi: float, width: float = SYMLOG_WIDTH) -> list[tuple[float, int]]:
    """Round values (0, ±1·2·5 × 10^k) inside real range [lo, hi], each with a priority:
    0 for zero and decades, 1 for fives, 2 for twos (lower is labelled first)."""
    top = max(abs(lo), abs(hi), width)
    out: list[tuple[float, int]] = [(0.0, 0)] if lo <= 0.0 <= hi else []
    for k in range(math.floor(math.log10(width)), math.ceil(math.log10(top)) + 1):
        for m, rank in ((1.0, 0), (5.0, 1), (2.0, 2)):
            for v in (m * 10.0**k, -m * 10.0**k):
                if lo <= v <= hi:
                    out.append((v, rank))
    return out


def spaced(positions: list[tuple[float, int]], gap: float) -> list[float]:
    """Pick positions (pixel, priority) in priority order, keeping each ≥ `gap` from those
    already picked, so that no two labels overlap; returns them sorted."""
    picked: list[float] = []
    for pos, _rank in sorted(positions, key=lambda p: p[1]):
        if all(abs(pos - q) >= gap for q in picked):
            picked.append(pos)
    return sorted(picked)


def stack_rows(spans: list[tuple[float, float]], rows: int, gap: float = 4.0) -> list[int | None]:
    """Give each label (left, right pixel span, in any order) the first of `rows` rows where it
    does not overlap a label placed before it; None where no row is free."""
    ends: list[float] = [-math.inf] * rows
    out: list[int | None] = [None] * len(spans)
    for i in sorted(range(len(spans)), key=lambda j: spans[j][0]):
        left, right = spans[i]
        for row in range(rows):
            if left >= ends[row] + gap:
                ends[row], out[i] = right, row
                break
    return out


def crowding(xs: np.ndarray, ys: list[np.ndarray], box: tuple[float, float, float, float]) -> int:
    """How many curve points fall inside `box` = (x0, x1, y0, y1); `xs` sorted ascending."""
    x0, x1, y0, y1 = box
    i, j = np.searchsorted(xs, [x0, x1], side="left")
    j = max(j, i)
    return sum(int(np.count_nonzero((y[i:j] >= y0) & (y[i:j] <= y1))) for y in ys)


def format_step(step: float) -> str:
    """Steps are integers in practice; print them without a trailing ``.0``."""
    return str(int(step)) if float(step).is_integer() else f"{step:g}"


def format_value(value: float) -> str:
    """Four significant digits, NaN spelled out (trailing zeros dropped: "12.5")."""
    return "nan" if not math.isfinite(value) else f"{value:.4g}"


def format_reading(value: float) -> str:
    """Four significant digits, always (trailing zeros kept), so readings line up: "1.370",
    "0.7301", "-0.6515", "1234"; NaN spelled out."""
    if not math.isfinite(value):
        return "nan"
    text = f"{value:#.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa.rstrip('.')}e{exponent}"
    return text.rstrip(".")


def format_tick(value: float) -> str:
    """An axis label: up to three significant digits, no float noise ("0.5", "-10", "0")."""
    value = float(value)
    return "0" if abs(value) < 1e-12 else f"{value:.3g}"
