"""The doctor's detectors: each reads a History and says whether its problem shows right now.

A detector only judges the current row (`check` returns a Diagnosis while the condition holds,
None otherwise); persistence, warm-up and once-per-episode firing are the Doctor's job.
Thresholds are deliberately wide: a warning a healthy run never earns is worth more than one
that comes a few hundred steps early.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, ClassVar, Protocol

from studio.health.diagnosis import (
    D_BALANCE,
    G_BALANCE,
    Diagnosis,
    History,
    Settings,
    held_best,
    is_number,
    rounded,
)

BCE_LOSSES = ("non-saturating", "minimax")


class Detector(Protocol):
    id: str
    stream: str  # "train" (metric rows) or "eval" (evaluation rows)
    persist: int  # consecutive rows the condition must hold before the doctor speaks
    clear: int  # consecutive healthy rows before it may speak again

    def check(self, history: History, settings: Settings) -> Diagnosis | None: ...


def halved(value: float) -> float:
    return float(f"{value / 2:.3g}")


class DWins:
    """D tells real from fake almost perfectly and G's loss has climbed: G stops learning."""

    id, stream = "d_wins", "train"
    # smoothed D(x) at least, D(G(z)) at most. The minimax loss saturates early (G's gradient
    # shrinks with D(G(z))), so a clear lead is enough; other losses only at near-certainty,
    # since D ahead of G is normal for image GANs and harmless while G's gradient stays strong
    VERDICTS: ClassVar = {"minimax": (0.8, 0.2), "non-saturating": (0.95, 0.05)}
    D_LOSS_FRACTION = 0.05  # hinge / least squares: D's loss below this share of its balance
    G_RISE: ClassVar = {"minimax": 0.35, "non-saturating": 0.5, "hinge": 0.5,
                        "least-squares": 0.15}

    def __init__(self, smooth: int, persist: int, clear: int) -> None:
        self.smooth, self.persist, self.clear = smooth, persist, clear

    def check(self, history: History, settings: Settings) -> Diagnosis | None:
        loss, n = settings.loss, self.smooth
        loss_g = history.mean("loss_g", n)
        if loss not in G_BALANCE or loss_g is None:
            return None  # a Wasserstein critic has no "winning" probability
        evidence: dict[str, Any] = {"loss_g": loss_g, "loss_g_balance": G_BALANCE[loss]}
        if loss in BCE_LOSSES:
            d_real, d_fake = history.mean("d_real", n), history.mean("d_fake", n)
            least_real, most_fake = self.VERDICTS[loss]
            if d_real is None or d_fake is None or d_real < least_real or d_fake > most_fake:
                return None
            evidence.update(d_real=d_real, d_fake=d_fake)
            verdict = (f"D scores real samples {d_real:.2f} and generated ones {d_fake:.2f} "
                       "(1 means \"surely real\")")
        else:
            loss_d = history.mean("loss_d", n)
            if loss_d is None or loss_d > self.D_LOSS_FRACTION * D_BALANCE[loss]:
                return None
            evidence.update(loss_d=loss_d, loss_d_balance=D_BALANCE[loss])
            verdict = f"D's loss is down to {loss_d:.3g} (it is {D_BALANCE[loss]:.3g} when " \
                      "neither side is ahead)"
        if loss_g - G_BALANCE[loss] < self.G_RISE[loss]:
            return None
        return self.diagnose(settings, verdict, evidence)

    def diagnose(self, s: Settings, verdict: str, evidence: dict[str, Any]) -> Diagnosis:
        explanation = (
            f"The discriminator is winning: {verdict}, and G's loss has climbed to "
            f"{evidence['loss_g']:.3g} (it is {evidence['loss_g_balance']:.3g} at balance). "
            "When D rejects every fake this easily, G gets almost no useful signal about how "
            "to improve, so its samples stop getting better.")
        if s.loss == "minimax":
            explanation += (" With the minimax loss this is expected: its gradient vanishes "
                            "exactly when D is confident, which is why it saturates.")
            fix: dict[str, Any] = {"loss": "non-saturating"}
            first = ("Switch G's loss to non-saturating: it pushes G hardest exactly when D "
                     "rejects its samples.")
        else:
            fix = {"lr_d": halved(s.lr_d)}
            first = f"Halve D's learning rate (to {fix['lr_d']:g}) so G can catch up."
        others = ["a lower D learning rate"] if s.loss == "minimax" else []
        if s.r1_gamma == 0:
            others.append("an R1 penalty (R1 γ around 0.1–10) to keep D smooth")
        if s.d_steps > 1:
            others.append(f"fewer D steps per G step (now {s.d_steps})")
        suggestion = first + (f" Also worth trying: {', '.join(others)}." if others else "")
        return Diagnosis(self.id, "The discriminator is overpowering the generator",
                         explanation, suggestion, fix, rounded(evidence))


def share_of(classes: dict[str, Any], name: str) -> float:
    """The share of samples given to class `name` (0 when absent or not a number)."""
    value = classes.get(name)
    return float(value) if is_number(value) else 0.0


class ModeCollapse:
    """G covers less and less of the data: recall, coverage, diversity, modes or classes fall.

    A figure's best is the highest level it held for HOLD evaluations in a row, so the lucky
    rows of a GAN still searching for the data early on are not taken for a state it lost.
    """

    id, stream = "mode_collapse", "eval"
    FALL = 0.5  # a figure at or below this share of its best has collapsed
    HOLD = 3  # evaluations in a row a best must have held
    MIN_BEST: ClassVar = {"recall": 0.2, "coverage": 0.2, "diversity": 0.5}
    MIN_MODES = 3.0  # modes G must once have spread over before losing them counts
    GONE, WAS_THERE = 0.25, 0.5  # class share vs the data's share: vanished / once present
    WORDS: ClassVar = {"recall": "recall (the share of real data G can produce)",
                       "coverage": "coverage (the share of real data G comes close to)",
                       "diversity": "the variety among G's samples"}

    def __init__(self, persist: int = 2, clear: int = 2) -> None:
        self.persist, self.clear = persist, clear

    def check(self, history: History, settings: Settings) -> Diagnosis | None:
        row, evidence, signs = history.latest(), {}, []
        for key, words in self.WORDS.items():
            now, best = row.get(key), history.held_best(key, self.HOLD)
            if is_number(now) and best is not None and best >= self.MIN_BEST[key] \
                    and now <= self.FALL * best:
                evidence.update({key: now, f"{key}_best": best})
                signs.append(f"{words} fell from {best:.2f} to {now:.2f}")
        sign = self.lost_modes(history, evidence)
        if sign:
            signs.append(sign)
        vanished = self.vanished_classes(history)
        if vanished:
            signs.append(f"these classes have all but vanished: {', '.join(vanished)}")
        if not signs:
            return None
        missing = vanished or self.missing_classes(row)
        return self.diagnose(settings, signs, missing, evidence)

    def lost_modes(self, history: History, evidence: dict[str, Any]) -> str | None:
        """A sign when G's samples now crowd onto at most FALL of the modes they once used.

        With the modes' histogram (mode_kl) the count is its effective number K·e^(−KL), which
        blur does not change; otherwise the modes covered (with sharp samples), a noisier count.
        """
        row = history.latest()
        total = row.get("modes_total")
        of = f" of {total:g}" if is_number(total) else ""
        if is_number(row.get("mode_kl")) and is_number(total):
            spread = [total * math.exp(-kl) for kl in history.values("mode_kl")]
            now, best = spread[-1], held_best(spread, self.HOLD)
            if best is None or best < self.MIN_MODES or now > self.FALL * best:
                return None
            evidence.update(modes_effective=now, modes_effective_best=best)
            if is_number(row.get("modes_covered")):
                evidence["modes_covered"] = row["modes_covered"]
            return (f"its samples crowd onto about {now:.1f}{of} modes, where they once spread "
                    f"evenly over about {best:.1f}")
        now, best = row.get("modes_covered"), history.held_best("modes_covered", self.HOLD)
        if not is_number(now) or best is None or best < self.MIN_MODES or now > self.FALL * best:
            return None
        evidence.update(modes_covered=now, modes_best=best)
        return f"the modes it covers fell from {best:g} to {now:g}{of}"

    @staticmethod
    def data_shares(row: dict[str, Any]) -> dict[str, float]:
        """Each class's share of the data (uniform when the row does not say)."""
        classes = row.get("classes")
        if not isinstance(classes, dict) or not classes:
            return {}
        given = row.get("data_classes")
        if isinstance(given, dict) and given:
            return {str(k): float(v) for k, v in given.items() if is_number(v) and v > 0}
        return {str(k): 1.0 / len(classes) for k in classes}

    def missing_classes(self, row: dict[str, Any]) -> list[str]:
        """Classes G now makes at most GONE times as often as the data holds them."""
        made = row.get("classes") or {}
        return [c for c, share in self.data_shares(row).items()
                if share_of(made, c) <= self.GONE * share]

    def vanished_classes(self, history: History) -> list[str]:
        """Missing classes that G once made at least WAS_THERE times their data share, for
        HOLD evaluations in a row (one lucky row of a G still searching does not count)."""
        row = history.latest()
        shares = self.data_shares(row)
        past = [r.get("classes") for _, r in list(history.rows)[:-1]]
        past = [p for p in past if isinstance(p, dict)]
        return [c for c in self.missing_classes(row)
                if (held_best([share_of(p, c) for p in past], self.HOLD) or 0.0)
                >= self.WAS_THERE * shares[c]]

    def diagnose(self, s: Settings, signs: list[str], missing: list[str],
                 evidence: dict[str, Any]) -> Diagnosis:
        explanation = (
            "The generator is collapsing onto a few kinds of sample: " + "; ".join(signs) +
            ". This is mode collapse: G has found outputs that fool D and keeps making them "
            "instead of covering everything in the data. D soon learns to reject them, G jumps "
            "to other favourites, and the variety rarely comes back on its own.")
        fix = {"lr_g": halved(s.lr_g)}
        suggestion = (f"Halve G's learning rate (to {fix['lr_g']:g}) so it stops jumping "
                      "between favourites. A minibatch standard-deviation layer in D (StyleGAN's "
                      "D has one) lets D notice batches that lack variety")
        suggestion += "; an R1 penalty (R1 γ) steadies D." if s.r1_gamma == 0 else "."
        data = rounded(evidence)
        if missing:
            data["missing_classes"] = missing
        return Diagnosis(self.id, "Mode collapse: the samples are losing variety",
                         explanation, suggestion, fix, data)


def swing(values: list[float]) -> float:
    """How far consecutive rows jump: RMS of first differences / √2 (≈ std for pure noise)."""
    diffs = [b - a for a, b in itertools.pairwise(values)]
    return math.sqrt(sum(d * d for d in diffs) / (2 * len(diffs))) if diffs else 0.0


def back_and_forth(values: list[float]) -> float:
    """Total distance travelled over the net change: 1 for a steady climb, large for swings."""
    travelled = sum(abs(b - a) for a, b in itertools.pairwise(values))
    return travelled / max(abs(values[-1] - values[0]), 1e-12 * travelled, 1e-300)


def reversals(values: list[float], least: float) -> int:
    """How often the moves of at least `least` between consecutive rows change direction (an
    up-and-down spike: 1; each further swing back: 1 more). Smaller moves are skipped."""
    signs = [b > a for a, b in itertools.pairwise(values) if abs(b - a) >= least]
    return sum(s != t for s, t in itertools.pairwise(signs))


class Oscillation:
    """The losses swing ever wider: the two players overshoot each other, round after round.

    A swing must come back again and again: one spike (up, down, fading) is no oscillation, so
    the window's big moves (each at least half its swing, at least the threshold) must change
    direction REVERSALS times or more; one spike's moves change it once, noise's are too small.
    """

    id, stream = "oscillation", "train"
    GROWTH = 3.0  # the recent swing, at least this many times the run's usual swing
    FLOOR = 0.15  # … and at least this share of the loss's balance value (1 for WGAN)
    BACK_AND_FORTH = 3.0  # distance travelled / net change: a swing returns, a blow-up does not
    REVERSALS = 4  # direction changes among the window's big moves: two full swings back
    BIG_MOVE = 0.5  # a big move: at least this share of the window's swing

    def __init__(self, window: int, persist: int, clear: int) -> None:
        self.window, self.persist, self.clear = window, persist, clear

    def check(self, history: History, settings: Settings) -> Diagnosis | None:
        w = self.window
        for key in ("loss_d", "loss_g"):
            values = history.values(key)
            if len(values) < 3 * w or len(values) != len(history):
                continue
            now, before = swing(values[-w:]), swing(values[-2 * w:-w])
            # the median swing of the earlier windows, laid end to end back from `before`
            usual = sorted(swing(values[i - w:i]) for i in range(len(values) - w, w - 1, -w))
            usual_swing = usual[len(usual) // 2]
            scale = abs(D_BALANCE.get(settings.loss, 1.0)) if key == "loss_d" else \
                abs(G_BALANCE.get(settings.loss, 1.0)) or 1.0
            least = max(self.GROWTH * usual_swing, self.FLOOR * scale)
            if now < least or now <= before or back_and_forth(values[-w:]) < self.BACK_AND_FORTH:
                continue
            turns = reversals(values[-w:], max(least, self.BIG_MOVE * now))
            if turns >= self.REVERSALS:
                evidence = {"loss": key, "swing": now, "swing_before": before,
                            "swing_usual": usual_swing, "reversals": turns,
                            "level": sum(values[-w:]) / w}
                return self.diagnose(settings, key, evidence)
        return None

    def diagnose(self, s: Settings, key: str, evidence: dict[str, Any]) -> Diagnosis:
        who = "D's" if key == "loss_d" else "G's"
        ratio = evidence["swing"] / max(evidence["swing_usual"], 1e-12)
        explanation = (
            f"{who} loss swings up and down ever more widely: from one log row to the next it "
            f"now moves by about {evidence['swing']:.3g}, {ratio:.0f}× its usual amount, and "
            f"it turned back {evidence['reversals']} times in the last {self.window} rows. "
            "The two networks keep overshooting each other instead of "
            "settling; left alone such swings tend to grow until training breaks down.")
        fix, halve = both_halved(s)
        suggestion = f"{halve} so each update moves the game less."
        return Diagnosis(self.id, "The losses are oscillating with growing swings",
                         explanation, suggestion, fix, rounded(evidence))


def both_halved(s: Settings) -> tuple[dict[str, float], str]:
    """The fix that halves both learning rates, and the words that say so."""
    fix = {"lr_g": halved(s.lr_g), "lr_d": halved(s.lr_d)}
    return fix, f"Halve both learning rates (G to {fix['lr_g']:g}, D to {fix['lr_d']:g})"


class Divergence:
    """A loss or penalty explodes to many times its usual size: training is about to break."""

    id, stream = "divergence", "train"
    FACTOR = 10.0  # the recent mean |value|, at least this many times its usual size
    FLOOR: ClassVar = {"loss_d": 10.0, "loss_g": 10.0, "gp": 100.0, "r1": 100.0}

    def __init__(self, smooth: int, persist: int, clear: int) -> None:
        self.smooth, self.persist, self.clear = smooth, persist, clear

    def check(self, history: History, settings: Settings) -> Diagnosis | None:
        n = self.smooth
        for key, floor in self.FLOOR.items():
            values = [abs(v) for v in history.values(key)]
            if len(values) < 4 * n or (key == "loss_g" and self.d_winning(history, settings)):
                continue
            now = sum(values[-n:]) / n
            usual = sorted(values[:-2 * n])[len(values[:-2 * n]) // 2]
            if settings.loss == "wgan-gp" and key in ("loss_d", "loss_g"):
                floor *= 10  # a critic's scale is free: only a far larger jump counts
            if now >= max(floor, self.FACTOR * usual):
                return self.diagnose(settings, key, {"quantity": key, "recent": now,
                                                     "usual": usual})
        return None

    def d_winning(self, history: History, settings: Settings) -> bool:
        """G's loss grows without bound when D wins outright; that is d_wins' to report."""
        d_fake = history.mean("d_fake", self.smooth)
        return settings.loss in BCE_LOSSES and d_fake is not None and d_fake <= 0.15

    def diagnose(self, s: Settings, key: str, evidence: dict[str, Any]) -> Diagnosis:
        explanation = (
            f"{key} has exploded: it now averages about {evidence['recent']:.3g} in size, "
            f"against a usual {evidence['usual']:.3g}. Updates this large throw the networks "
            "far from where they were; the next stop is usually NaN (not a number), after "
            "which nothing more can be learned.")
        fix, halve = both_halved(s)
        suggestion = f"{halve}; if it keeps happening, a gradient penalty (R1 γ) calms D."
        return Diagnosis(self.id, "Training is diverging", explanation, suggestion, fix,
                         rounded(evidence))

