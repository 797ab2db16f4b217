"""A desktop notification when a long run ends while the person looks elsewhere: a tray
message where the desktop has a system tray, else a lasting line in the status bar."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QStyle, QSystemTrayIcon

LONG_RUN_S = 120.0  # runs shorter than this end while the person still watches
TRAY_MESSAGE_MS = 10_000


def should_notify(seconds: float, window_active: bool) -> bool:
    """Tell of a run's end only when it ran long and the window is not the active one."""
    return seconds >= LONG_RUN_S and not window_active


def end_message(name: str, status: str) -> tuple[str, str]:
    """The notification's title and text for a run that `status` ("finished" or "failed")."""
    if status == "failed":
        return ("GAN Studio: a run failed",
                f"{name} stopped with an error; its last good checkpoint is kept")
    return "GAN Studio: a run finished", f"{name} finished training"


class Notifier:
    """Shows run-end messages for one main window."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        self.last: tuple[str, str] | None = None  # the last message given, for tests

    def run_ended(self, name: str, status: str, seconds: float, window_active: bool) -> bool:
        """Notify of a run's end if it ran long and the window is inactive; True if it did."""
        if not should_notify(seconds, window_active):
            return False
        title, text = end_message(name, status)
        self.last = (title, text)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                icon = self.window.windowIcon()
                if icon.isNull():
                    icon = self.window.style().standardIcon(
                        QStyle.StandardPixmap.SP_ComputerIcon)
                self.tray = QSystemTrayIcon(icon, self.window)
                self.tray.setToolTip("GAN Studio")
            self.tray.show()
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information,
                                  TRAY_MESSAGE_MS)
        else:  # stays until another message replaces it: the person sees it on return
            self.window.statusBar().showMessage(f"{title} — {text}")
        return True

    def hide(self) -> None:
        """Remove the tray icon (on shutdown)."""
        if self.tray is not None:
            self.tray.hide()
