"""Parts of the New run tab: the time estimate shown before Start, and the skipped-files table.

The estimate comes from a few timed steps of the very run the form describes (an estimate
worker answers with a RunEstimate-like object: seconds, device, step_s, steps_timed,
scaled_from); a preset that takes far longer than its name promises says so.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import ConfigError

ESTIMATE_DELAY_MS = 700  # settle time after an edit before a few steps are timed
# what each preset's name promises, in seconds: beyond this the estimate warns
PROMISES = {"Quick look": 10 * 60, "Quality": 24 * 3600}


def format_duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '2 h 05 min', '3 days 4 h': two units at most."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s" if s < 600 else f"{round(s / 60)} min"
    if s < 86400:
        return f"{s // 3600} h {(s % 3600) // 60:02d} min"
    days, hours = s // 86400, (s % 86400) // 3600
    return f"{days} day{'s' * (days != 1)}" + (f" {hours} h" if hours else "")


def device_label(device: str) -> str:
    return "CPU" if device == "cpu" else "Apple GPU (MPS)" if device == "mps" else device.upper()


class EstimateView(QLabel):
    """One wrapped line: 'Estimated time to finish on CPU: about 2 min 40 s', with a warning
    when the preset promises far less."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runEstimate")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.seconds: float | None = None
        self.warning = ""
        self.clear_estimate("")

    def clear_estimate(self, why: str) -> None:
        """No estimate now (`why` says what it waits for, '' hides the line)."""
        self.seconds, self.warning = None, ""
        self.setText(f"<i>{why}</i>" if why else "")
        self.setVisible(bool(why))

    def measuring(self) -> None:
        self.seconds, self.warning = None, ""
        self.setText("<i>Estimating the time to finish: timing a few steps…</i>")
        self.setVisible(True)

    def failed(self, message: str) -> None:
        self.seconds, self.warning = None, ""
        self.setText(f"<i>No time estimate: {message}</i>")
        self.setVisible(True)

    def show_estimate(self, estimate: Any, preset: str) -> None:
        """Show `estimate` (seconds, device, step_s, steps_timed, scaled_from) for `preset`."""
        self.seconds = float(estimate.seconds)
        how = (f"{estimate.steps_timed} steps timed, {estimate.step_s:.2g} s each"
               if not estimate.scaled_from else
               f"{estimate.steps_timed} steps timed at batch {estimate.scaled_from}, "
               f"scaled up: {estimate.step_s:.2g} s a step")
        text = (f"Estimated time to finish on {device_label(estimate.device)}: "
                f"<b>about {format_duration(self.seconds)}</b> <small>({how})</small>")
        promise = PROMISES.get(preset)
        self.warning = ""
        if promise is not None and self.seconds > 1.5 * promise:
            self.warning = (f"{preset} is meant to take at most {format_duration(promise)}, "
                            f"but here it needs about {format_duration(self.seconds)}. Lower "
                            "the steps, resolution or batch size, or train on a GPU.")
            text += f"<br><span style='color:#c0392b'>⚠ {self.warning}</span>"
        self.setText(text)
        self.setToolTip("Measured by running a few steps of this very run on this machine; "
                        "other programs using the processor make the run slower.")
        self.setVisible(True)


class EstimateControl(QObject):
    """Asks for an estimate a moment after the last edit while the panel could start, and
    shows only the answer for the settings on screen now. `panel` has can_start(),
    current_config(), the `preset` combo box and the `estimate_requested` signal."""

    def __init__(self, panel: Any, view: EstimateView) -> None:
        super().__init__(panel)
        self.panel, self.view = panel, view
        self.attached = False
        self.paused = False  # a run is training: timing steps now would slow it down
        self.timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self.timer.timeout.connect(self._request)

    def attach(self, worker: Any) -> None:
        self.attached = True
        self.panel.estimate_requested.connect(worker.request)
        worker.estimated.connect(self.show)
        worker.failed.connect(self.view.failed)

    def update(self, can_start: bool) -> None:
        """The settings changed: measure again once they settle (nothing while they cannot
        start)."""
        if not self.attached:
            return
        if self.paused:
            self.timer.stop()
            self.view.clear_estimate("The time estimate waits until the run ends.")
        elif can_start:
            self.view.measuring()
            self.timer.start()
        else:
            self.timer.stop()
            self.view.clear_estimate("")

    def _request(self) -> None:
        try:
            if self.panel.can_start()[0]:
                self.panel.estimate_requested.emit(self.panel.current_config())
        except ConfigError:
            pass

    def show(self, estimate: Any) -> None:
        """Show a worker's estimate if it is for the run the form describes now."""
        try:
            current = self.panel.current_config()
        except ConfigError:
            return
        if estimate.config == current:
            self.view.show_estimate(estimate, self.panel.preset.currentText())


class SkippedDialog(QDialog):
    """Every file a dataset skipped, with the reason."""

    def __init__(self, skipped: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Skipped files")
        self.resize(720, 360)
        table = QTableWidget(len(skipped), 2)
        table.setHorizontalHeaderLabels(["File", "Why it was skipped"])
        for row, s in enumerate(skipped):
            table.setItem(row, 0, QTableWidgetItem(s.path))
            table.setItem(row, 1, QTableWidgetItem(s.reason))
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnToContents(0)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
