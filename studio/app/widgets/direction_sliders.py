"""A column of sliders, one per latent direction, each an offset in standard deviations."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSlider, QWidget

TICKS_PER_UNIT = 10  # slider resolution: 0.1 σ
LIMIT = 5.0  # each slider spans −5 σ … +5 σ


class DirectionSliders(QWidget):
    """`count` sliders; `changed` carries every offset whenever one of them moves."""

    changed = Signal(tuple)  # tuple[float, ...], one offset per direction

    def __init__(self, count: int = 6, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sliders: list[QSlider] = []
        self._values: list[QLabel] = []
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for i in range(count):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(int(-LIMIT * TICKS_PER_UNIT), int(LIMIT * TICKS_PER_UNIT))
            slider.setPageStep(TICKS_PER_UNIT)
            slider.setToolTip(f"Move w along direction {i + 1}, in standard deviations of "
                              "the sampled w along it")
            slider.valueChanged.connect(self._on_moved)
            value = QLabel()
            value.setMinimumWidth(value.fontMetrics().horizontalAdvance("−5.0σ "))
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(QLabel(f"{i + 1}"), i, 0)
            grid.addWidget(slider, i, 1)
            grid.addWidget(value, i, 2)
            self._sliders.append(slider)
            self._values.append(value)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Put every direction back to 0")
        self.reset_button.clicked.connect(self.reset)
        grid.addWidget(self.reset_button, count, 1, 1, 2, Qt.AlignmentFlag.AlignRight)
        self._update_labels()

    def offsets(self) -> tuple[float, ...]:
        """The offset of every direction, in σ."""
        return tuple(s.value() / TICKS_PER_UNIT for s in self._sliders)

    def set_offsets(self, offsets: tuple[float, ...]) -> None:
        """Move the sliders (missing entries go to 0); emits `changed` once."""
        for i, slider in enumerate(self._sliders):
            slider.blockSignals(True)
            slider.setValue(round((offsets[i] if i < len(offsets) else 0.0) * TICKS_PER_UNIT))
            slider.blockSignals(False)
        self._on_moved()

    def slider(self, index: int) -> QSlider:
        return self._sliders[index]

    def reset(self) -> None:
        if any(self.offsets()):
            self.set_offsets(())

    def _on_moved(self, *_: object) -> None:
        self._update_labels()
        self.changed.emit(self.offsets())

    def _update_labels(self) -> None:
        for slider, label in zip(self._sliders, self._values, strict=True):
            label.setText(f"{slider.value() / TICKS_PER_UNIT:+.1f}σ".replace("-", "−"))
