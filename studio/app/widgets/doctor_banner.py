"""The health doctor's diagnoses as dismissible banners: what is wrong, why, and a one-click fix.

A diagnosis arrives as the `data` of a `warning` event (detector, title, explanation,
suggestion, fix, evidence). Newest on top, a few at most; the same diagnosis is never shown
twice, and a newer one from the same detector replaces the older banner.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

MAX_VISIBLE = 3
SETTING_NAMES = {"loss": "loss", "lr_g": "lr G", "lr_d": "lr D"}  # as the Monitor labels them
_STYLE = """QFrame#doctorBanner { background: rgba(230, 160, 0, 38);
    border: 1px solid rgba(230, 160, 0, 170); border-radius: 5px; }
QFrame#doctorBanner QLabel { background: transparent; border: none; }"""


def fix_text(fix: dict[str, Any]) -> str:
    """The apply button's text, e.g. "Apply: loss → non-saturating" ("" when no fix)."""
    if not fix:
        return ""
    changes = [f"{SETTING_NAMES.get(k, k)} → {v:g}" if isinstance(v, float)
               else f"{SETTING_NAMES.get(k, k)} → {v}" for k, v in fix.items()]
    return "Apply: " + ", ".join(changes)


def diagnosis_key(step: int, data: dict[str, Any]) -> tuple[str, int, str]:
    """What makes two warnings the same diagnosis."""
    return str(data.get("detector", "")), int(step), str(data.get("title", ""))


class DoctorBanner(QFrame):
    """One diagnosis: title and step, explanation, suggestion, an apply button and a dismiss."""

    apply_clicked = Signal(object)  # the fix dict (object keeps its order; a QVariantMap sorts)
    dismissed = Signal()

    def __init__(self, step: int, data: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doctorBanner")
        self.setStyleSheet(_STYLE)
        self.step, self.data = int(step), dict(data)
        self.detector = str(data.get("detector", ""))
        self.fix: dict[str, Any] = dict(data.get("fix") or {})
        self._live = False
        self.applied = False
        self.title = str(data.get("title", "") or "A problem").strip()
        self.explanation = str(data.get("explanation", "")).strip()
        self.suggestion = str(data.get("suggestion", "")).strip()
        self.text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        evidence = data.get("evidence") or {}
        self._evidence = ("Evidence: " + ", ".join(f"{k} = {v}" for k, v in evidence.items())
                          if evidence else "")
        self.set_compact(False)
        self.apply_button = QPushButton(fix_text(self.fix))
        self.apply_button.setToolTip("Change this setting in the running training now")
        self.apply_button.clicked.connect(self._apply)
        self.dismiss_button = QToolButton(text="✕", autoRaise=True, toolTip="Dismiss")
        self.dismiss_button.clicked.connect(self.dismissed)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.apply_button, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.set_live(False)

    def set_compact(self, compact: bool) -> None:
        """Compact (older banners, short windows): the title and the suggestion in a line; the
        explanation moves to the tooltip."""
        self.compact = compact
        head = (f"⚠ <b>{html.escape(self.title, quote=False)}</b> · step {self.step:,}")
        if compact:
            self.text.setText(f"{head} — {html.escape(self.suggestion, quote=False)}")
        else:
            body = html.escape(f"{self.explanation} {self.suggestion}".strip(), quote=False)
            self.text.setText(f"{head}<br>{body}")
        tip = [self.explanation] if compact else []
        self.setToolTip("\n\n".join(t for t in (*tip, self._evidence) if t))

    def set_live(self, live: bool) -> None:
        """The button shows only for a run training in this window, with a fix to apply."""
        self._live = live
        self.apply_button.setVisible(live and bool(self.fix) and not self.applied)

    def _apply(self) -> None:
        if self._live and self.fix and not self.applied:
            self.applied = True
            self.apply_button.hide()
            self.apply_clicked.emit(dict(self.fix))


class DoctorBanners(QWidget):
    """The stack of banners above the Monitor's plots."""

    fix_requested = Signal(object)  # the fix dict

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._banners: list[DoctorBanner] = []  # newest first
        self._seen: set[tuple[str, int, str]] = set()
        self._live = False
        self._roomy = True  # room for the newest banner in full
        self.setVisible(False)

    def add(self, step: int, data: dict[str, Any]) -> DoctorBanner | None:
        """Show a diagnosis on top; None when it was shown before (even if dismissed)."""
        key = diagnosis_key(step, data)
        if key in self._seen:
            return None
        self._seen.add(key)
        for old in [b for b in self._banners if b.detector == key[0]]:
            self._remove(old)  # a newer finding of the same detector replaces it
        banner = DoctorBanner(step, data, self)
        banner.set_live(self._live)
        banner.apply_clicked.connect(self.fix_requested)
        banner.dismissed.connect(lambda b=banner: self.dismiss(b))
        self._banners.insert(0, banner)
        self._layout.insertWidget(0, banner)
        for old in self._banners[MAX_VISIBLE:]:
            self._remove(old)
        self._lay_out()
        self.setVisible(True)
        return banner

    def dismiss(self, banner: DoctorBanner) -> None:
        """Hide a banner for good (its diagnosis will not come back)."""
        self._remove(banner)

    def _remove(self, banner: DoctorBanner) -> None:
        if banner in self._banners:
            self._banners.remove(banner)
        banner.hide()
        self._layout.removeWidget(banner)
        banner.deleteLater()
        self._lay_out()
        self.setVisible(bool(self._banners))

    def set_roomy(self, roomy: bool) -> None:
        """Whether there is room to show the newest banner in full (a tall enough window)."""
        if roomy != self._roomy:
            self._roomy = roomy
            self._lay_out()

    def _lay_out(self) -> None:
        """The newest in full when there is room; older ones in a line each."""
        for i, banner in enumerate(self._banners):
            banner.set_compact(i > 0 or not self._roomy)

    def banners(self) -> list[DoctorBanner]:
        """The banners shown, newest first."""
        return list(self._banners)

    def set_live(self, live: bool) -> None:
        """Whether fixes can be applied (a run training in this window)."""
        self._live = live
        for banner in self._banners:
            banner.set_live(live)

    def clear(self) -> None:
        """Remove every banner and forget what was seen (another run is shown)."""
        for banner in list(self._banners):
            self._remove(banner)
        self._seen.clear()
