"""Guard against Qt bindings that drop references to None/True/False.

PySide6 6.12.0 on Python 3.11 loses one reference to None per processEvents() call and to
True/False per signal emission; after enough calls the interpreter aborts ("deallocating
None"). A studio that trains for hours must never run on such a build.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication


class Emitter(QObject):
    value = Signal(object)


def drift(fn, n: int = 500) -> tuple[int, int, int]:
    fn()
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for _ in range(n):
        fn()
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    return tuple(a - b for a, b in zip(after, before, strict=True))


def test_process_events_and_signals_keep_singleton_refcounts(qtbot):
    app = QApplication.instance()
    emitter = Emitter()
    received = [0]

    def count(value: object) -> None:  # keeps no reference to what it receives
        received[0] += 1

    emitter.value.connect(count)
    for fn in (app.processEvents, lambda: emitter.value.emit(1),
               lambda: emitter.value.emit(True), lambda: emitter.value.emit(None)):
        change = drift(fn)
        assert all(abs(c) < 50 for c in change), f"refcount drift {change} per 500 calls"
    assert received[0] == 3 * 501
