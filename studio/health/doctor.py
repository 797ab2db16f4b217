"""The doctor: watches a run's metric and evaluation rows and diagnoses common GAN failures.

Each detector must see its condition on several consecutive rows before the doctor speaks, it
speaks once per episode (again only after the condition has cleared for a while, or after a live
change of the settings starts a new episode), and rows from the warm-up are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.health.detectors import Detector, Divergence, DWins, ModeCollapse, Oscillation
from studio.health.diagnosis import Diagnosis, History, Settings

if TYPE_CHECKING:
    from studio.config import TrainConfig

TRAIN_ROWS, EVAL_ROWS = 500, 200  # how much history the detectors see


def warmup_steps(steps: int) -> int:
    """Steps whose rows are ignored: the first 10 % of the run, at least 200, at most 2000."""
    return max(200, min(steps // 10, 2000))


@dataclass
class Episode:
    """Whether a detector may speak, and how long its condition has held or stayed away."""

    armed: bool = True
    streak: int = 0  # consecutive rows with the condition
    quiet: int = 0  # consecutive rows without it


class Doctor:
    """Feeds rows to the detectors and turns persistent findings into one Diagnosis each."""

    def __init__(self, config: TrainConfig) -> None:
        self.settings = Settings(config.loss, float(config.lr_g), float(config.lr_d),
                                 float(config.r1_gamma), int(config.d_steps))
        self.warmup = warmup_steps(config.steps)
        every = config.log_every

        def rows(steps: int, least: int) -> int:
            return max(least, math.ceil(steps / every))

        self.detectors: list[Detector] = [
            DWins(smooth=rows(50, 3), persist=rows(100, 5), clear=rows(300, 10)),
            Oscillation(window=rows(200, 8), persist=rows(100, 5), clear=rows(300, 10)),
            Divergence(smooth=rows(30, 3), persist=rows(30, 3), clear=rows(300, 10)),
            ModeCollapse(persist=2, clear=2),
        ]
        self.history = {"train": History(TRAIN_ROWS), "eval": History(EVAL_ROWS)}
        self.episodes = {d.id: Episode() for d in self.detectors}

    def observe(self, step: int, row: dict[str, Any]) -> list[Diagnosis]:
        """A training metric row; the diagnoses that are due now (usually none)."""
        return self._observe("train", step, row)

    def observe_eval(self, step: int, row: dict[str, Any]) -> list[Diagnosis]:
        """An evaluation row (recall, coverage, diversity, modes, classes …)."""
        return self._observe("eval", step, row)

    def note_change(self, key: str, value: Any) -> None:
        """A live setting changed (by the person, a fix or a rollback): a new episode begins."""
        if key == "loss":
            self.settings.loss = str(value)
        elif key in ("lr_g", "lr_d"):
            setattr(self.settings, key, float(value))
        else:
            return
        for episode in self.episodes.values():
            episode.armed, episode.streak = True, 0

    def rewind(self, step: int) -> None:
        """The run went back to `step`: forget the later rows and the streaks they built."""
        for history in self.history.values():
            history.rewind(step)
        for episode in self.episodes.values():
            episode.streak = episode.quiet = 0

    def _observe(self, stream: str, step: int, row: dict[str, Any]) -> list[Diagnosis]:
        if step < self.warmup:
            return []
        self.history[stream].add(step, row)
        found = []
        for detector in self.detectors:
            if detector.stream != stream:
                continue
            diagnosis = detector.check(self.history[stream], self.settings)
            if self._due(self.episodes[detector.id], diagnosis is not None, detector):
                found.append(diagnosis)
        return found

    @staticmethod
    def _due(episode: Episode, active: bool, detector: Detector) -> bool:
        """Count the streak; True exactly when an armed detector's condition has persisted."""
        if not active:
            episode.streak = 0
            episode.quiet += 1
            if episode.quiet >= detector.clear:
                episode.armed = True
            return False
        episode.quiet = 0
        episode.streak += 1
        if episode.armed and episode.streak >= detector.persist:
            episode.armed = False
            return True
        return False
