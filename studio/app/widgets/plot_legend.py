"""The line above a plot that is its legend, or its readout while the pointer is over it.

A legend line takes no room from the curves and never sits on them; while hovering, the same
line shows the values at the pointer's step with each name coloured like its curve.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def strip_tags(text: str) -> str:
    """Rich text to plain: tags dropped, entities decoded, the colour dashes as "—"."""
    out, inside = [], False
    for ch in text:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return html.unescape("".join(out)).replace("\u00a0", " ").replace("━", "—")


def nbsp(text: str) -> str:
    """Spaces outside tags made non-breaking, so the text breaks only where we say."""
    out, inside = [], False
    for ch in text:
        inside = (inside or ch == "<") and ch != ">"
        out.append("&nbsp;" if ch == " " and not inside else ch)
    return "".join(out)


class LegendLine(QLabel):
    """One line: coloured dashes and names of the series, or a reading of their values."""

    def __init__(self, series: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = {key: label for key, label, _colour in series}
        self._colours = {key: colour for key, _label, colour in series}
        self.setContentsMargins(6, 0, 6, 0)
        self.setWordWrap(True)  # a narrow plot's legend takes a second line, never clips
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_legend()

    def _name(self, key: str, short: bool) -> str:
        dash = f"<span style='color:{self._colours[key]}'>━</span>"
        return dash if short else f"{dash}&nbsp;{nbsp(html.escape(self._labels[key]))}"

    def _fits(self, plain: str) -> bool:
        return self.fontMetrics().horizontalAdvance(plain + " ━ ━ ━") <= self.width() - 12

    def show_legend(self) -> None:
        """Each series' dash and name."""
        self.setText("&nbsp; ".join(self._name(k, False) for k in self._labels))
        self.setToolTip("")

    def show_reading(self, step: str, values: list[tuple[str, str]], plain: str) -> None:
        """`values` as (key, text) at `step`, on one line that never wraps; where the names do
        not fit, coloured dashes stand for them (the tooltip, `plain` line by line, has all)."""
        short = not self._fits(plain)
        cells = [f"step {step}"] + [f"{self._name(k, short)} {html.escape(v)}" for k, v in values]
        self.setText("&nbsp;·&nbsp;".join(nbsp(c) for c in cells))
        self.setToolTip(plain.replace(" · ", "\n"))

    def plain_text(self) -> str:
        """What the line shows now, as plain text."""
        return strip_tags(self.text())
