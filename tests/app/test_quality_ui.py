"""Run quality and the health doctor in the studio: the quality plot, the doctor's banners, the
Runs tab's FD and recall columns, and the Inception weights preference. Each test builds its
run folders by hand (no training), so the file takes about two seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from studio.app.bridge import LatestSlot, MetricBuffer, RunStateEvent
from studio.app.dialogs import PreferencesDialog
from studio.app.main_window import MainWindow
from studio.app.panels.monitor import MonitorPanel
from studio.app.panels.runs import BEST_FD, BEST_RECALL, FD, NAME, RunsPanel
from studio.app.widgets.doctor_banner import fix_text
from studio.app.widgets.quality_plot import HINT, QualityPlot
from studio.app.widgets.run_quality import summarize_quality
from studio.config import save_toml
from studio.errors import ConfigError
from tests.core.helpers import tiny_config

STUDIO = "studio[shapes-32]"


def eval_row(step: int, fd: float, features: str = STUDIO, **more: Any) -> dict[str, Any]:
    """An evaluation row as a run writes it into metrics.jsonl."""
    return {"step": step, "time": 0.0, "kind": "eval", "features": features, "samples": 2000,
            "fd": fd, "kid": fd / 100, "kid_std": fd / 1000, "precision": 0.5 + step / 1e4,
            "recall": 0.2 + step / 1e4, "density": 0.9, "coverage": 0.3 + step / 1e4,
            "seconds": 2.0, **more}


def warning(step: int, detector: str = "d_wins", fix: dict[str, Any] | None = None,
            title: str = "D is winning") -> dict[str, Any]:
    """A doctor's warning event as events.jsonl holds it."""
    fix = {"loss": "non-saturating"} if fix is None else fix
    return {"step": step, "time": 0.0, "kind": "warning", "message": f"{title}.",
            "data": {"detector": detector, "title": title,
                     "explanation": "D tells real from fake with ease, so G learns little.",
                     "suggestion": "Switch G's loss to non-saturating.", "fix": fix,
                     "evidence": {"d_real": 0.99, "d_fake": 0.01}}}


def write_run(folder: Path, evals: list[dict], events: list[dict] = (), status: str = "finished",
              **train: Any) -> Path:
    """A run folder with a config, training rows every 100 steps, evaluations and events."""
    folder.mkdir(parents=True)
    save_toml(tiny_config(steps=1000, **train).replace(name=folder.name), folder / "config.toml")
    rows = [{"step": s, "time": 0.0, "loss_d": 1.0, "loss_g": 0.7} for s in range(0, 1001, 100)]
    rows += evals
    rows.sort(key=lambda r: r["step"])
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    started = {"step": 0, "time": time.time(), "kind": "started", "message": ""}
    ended = {"step": 1000, "time": time.time(), "kind": status, "message": ""}
    (folder / "events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in [started, *events, ended]))
    return folder


def data_of(plot: QualityPlot, key: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = plot.curve(key).getData()
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


class FakeWorker:
    """Stands in for the training worker: records the live changes the window sends."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, Any]] = []

    def change(self, key: str, value: Any) -> None:
        self.changes.append((key, value))

    def stop(self, save: bool = True) -> None:
        pass

    def wait(self, ms: int = 0) -> bool:
        return True


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings, tmp_path, monkeypatch):
    settings.setValue("workspace", str(tmp_path / "ws"))
    # pytest-qt closes the window before this fixture ends: "stop training?" must not wait
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.worker = None
    w.shutdown()


def watch_live(w: MainWindow, folder: Path) -> FakeWorker:
    """Show `folder` in the Monitor as if it were training in this window."""
    fake = FakeWorker()
    w.worker = fake
    w.monitor.watch(folder, 1000, MetricBuffer(), LatestSlot(), LatestSlot(), True,
                    {"loss": "minimax", "lr_g": 2e-4, "lr_d": 2e-4}, eval_every=100)
    return fake


# -- the quality plot ------------------------------------------------------------------------
def test_quality_plot_draws_the_evaluations_and_names_fd_honestly(qtbot):
    plot = QualityPlot()
    qtbot.addWidget(plot)
    plot.show()
    rows = [eval_row(500, 30.0), eval_row(1000, 12.5), eval_row(1500, 9.25)]
    with qtbot.waitSignal(plot.has_data_changed) as news:
        plot.set_rows(rows)
    assert news.args == [True]
    x, y = data_of(plot, "fd")
    assert x.tolist() == [500, 1000, 1500] and y.tolist() == [30.0, 12.5, 9.25]
    _, low = data_of(plot, "kid_low")
    _, high = data_of(plot, "kid_high")
    assert np.allclose(low, [0.3 - 0.03, 0.125 - 0.0125, 0.0925 - 0.00925])
    assert np.allclose(high, [0.3 + 0.03, 0.125 + 0.0125, 0.0925 + 0.00925])
    for key, start in (("precision", 0.5), ("recall", 0.2), ("coverage", 0.3)):
        assert np.allclose(data_of(plot, key)[1], [start + 0.05, start + 0.1, start + 0.15])
    assert plot.fd_title == "FD_studio[shapes-32]"
    title = plot.plots[0].getPlotItem().titleLabel.text
    assert "FD_studio[shapes-32]" in title and "FID" not in title
    assert "KID_studio[shapes-32]" in plot.plots[1].getPlotItem().titleLabel.text
    plot.show_readout_at(1100)
    text = plot.readout_text()
    assert text.startswith("step 1000 · FD 12.5 · KID 0.125 ± 0.013")
    assert "FD_studio[shapes-32] 12.5" in plot.readout.toolTip()
    assert "recall 0.300" in text and "FID" not in text
    view = plot.plots[2].getPlotItem().vb.viewRange()[1]
    assert view[0] == pytest.approx(0.0) and 1.0 <= view[1] < 1.1  # shares on a 0–1 axis
    plot.set_rows([eval_row(500, 8.0, features="inception")])
    assert plot.fd_title == "FID"
    assert ">FID<" in plot.plots[0].getPlotItem().titleLabel.text


def test_a_resume_replaces_the_evaluations_it_redoes_and_missing_keys_stay_empty(qtbot):
    plot = QualityPlot()
    qtbot.addWidget(plot)
    plot.set_rows([eval_row(500, 30.0), eval_row(1000, 12.0), eval_row(1500, 11.0)])
    plot.add_rows([{"step": 1000, "features": STUDIO, "fd": 14.0}])  # no KID, no recall
    x, y = data_of(plot, "fd")
    assert x.tolist() == [500, 1000] and y.tolist() == [30.0, 14.0]
    assert np.isnan(data_of(plot, "recall")[1][1])


def test_two_d_runs_show_modes_covered_and_hq(qtbot):
    plot = QualityPlot()
    qtbot.addWidget(plot)
    rows = [eval_row(s, 1.0, features="points", modes_covered=m, modes_total=8,
                     high_quality=hq, mode_kl=0.1)
            for s, m, hq in ((100, 2, 0.1), (200, 7, 0.85))]
    plot.set_rows(rows)
    assert data_of(plot, "modes_covered")[1].tolist() == [2, 7]
    assert data_of(plot, "high_quality")[1].tolist() == [0.1, 0.85]
    assert np.isnan(data_of(plot, "kid")[1]).all()  # modes take KID's place
    assert "modes covered (of 8)" in plot.plots[1].getPlotItem().titleLabel.text
    assert plot.fd_title == "FD_points"
    plot.show_readout_at(200)
    assert "modes 7 of 8" in plot.readout_text() and "HQ 0.850" in plot.readout_text()


def test_evaluations_on_different_feature_nets_are_not_mixed(qtbot):
    plot = QualityPlot()
    qtbot.addWidget(plot)
    plot.set_rows([eval_row(500, 30.0), eval_row(1000, 7.0, features="inception")])
    assert plot.fd_title == "FID" and data_of(plot, "fd")[1].tolist() == [7.0]
    assert not plot.choice.isHidden() and plot.choice.count() == 2
    plot.choice.setCurrentIndex(1)
    assert plot.fd_title == "FD_studio[shapes-32]" and data_of(plot, "fd")[1].tolist() == [30.0]


# -- the monitor: evaluations, notes and the doctor ---------------------------------------------
def test_an_opened_run_fills_the_quality_plot_and_shows_banners_without_a_button(qtbot,
                                                                                 tmp_path):
    folder = write_run(tmp_path / "done", [eval_row(500, 20.0), eval_row(1000, 10.0)],
                       [warning(600), warning(600)])  # the same diagnosis twice
    monitor = MonitorPanel()
    qtbot.addWidget(monitor)
    monitor.resize(1200, 800)  # room for the newest banner in full
    monitor.show()
    monitor.follow(folder, 1000, points=False, eval_every=500)
    assert data_of(monitor.quality, "fd")[1].tolist() == [20.0, 10.0]
    assert monitor.quality.isVisible() and monitor.quality_hint.isHidden()
    (banner,) = monitor.banners.banners()
    assert "D is winning" in banner.text.text() and "with ease" in banner.text.text()
    assert banner.apply_button.isHidden()  # a finished run cannot change
    monitor.follow(write_run(tmp_path / "unmeasured", []), 1000, points=False)
    assert monitor.quality.isHidden() and monitor.banners.banners() == []
    assert monitor.quality_hint.isVisible() and monitor.quality_hint.text() == HINT
    monitor.timer.stop()


def test_a_live_fix_is_sent_to_the_training_and_marked(qtbot, window, tmp_path):
    folder = write_run(tmp_path / "live", [])
    fake = watch_live(window, folder)
    m = window.monitor
    assert not m.quality.has_data and "every 100 steps" in m.quality_hint.text()
    window._on_event(RunStateEvent(100, "eval", "", eval_row(100, 25.0)))
    assert data_of(m.quality, "fd")[1].tolist() == [25.0]
    window._on_event(RunStateEvent(600, "warning", "D is winning.", warning(600)["data"]))
    window._on_event(RunStateEvent(600, "warning", "D is winning.", warning(600)["data"]))
    (banner,) = m.banners.banners()
    assert banner.apply_button.text() == "Apply: loss → non-saturating"
    assert not banner.apply_button.isHidden()
    assert "D is winning" in window.statusBar().currentMessage()
    qtbot.mouseClick(banner.apply_button, Qt.MouseButton.LeftButton)
    assert fake.changes == [("loss", "non-saturating")]
    assert m.loss.currentText() == "non-saturating" and banner.apply_button.isHidden()
    qtbot.mouseClick(banner.apply_button, Qt.MouseButton.LeftButton)  # hidden: nothing more
    assert fake.changes == [("loss", "non-saturating")]
    change = {"key": "loss", "old": "minimax", "new": "non-saturating"}
    window._on_event(RunStateEvent(610, "change", "loss: minimax → non-saturating", change))
    assert m.loss_plot.markers == [(610.0, "loss → non-saturating")]
    assert m.quality.markers == [(610.0, "loss → non-saturating")]
    qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert m.banners.banners() == [] and banner.isHidden()
    window._on_event(RunStateEvent(600, "warning", "D is winning.", warning(600)["data"]))
    assert m.banners.banners() == []  # dismissed diagnoses do not come back


def test_learning_rate_fixes_newest_on_top_and_no_button_once_the_run_ends(qtbot, window,
                                                                          tmp_path):
    fake = watch_live(window, write_run(tmp_path / "live", []))
    m = window.monitor
    fix = {"lr_g": 0.0001, "lr_d": 5e-05}
    window._on_event(RunStateEvent(700, "warning", "", warning(700, "oscillation", fix,
                                                               "The game oscillates")["data"]))
    window._on_event(RunStateEvent(800, "warning", "", warning(800, "nan_rollback", {},
                                                               "NaN: rolled back")["data"]))
    newest, older = m.banners.banners()
    assert (newest.detector, older.detector) == ("nan_rollback", "oscillation")
    assert newest.apply_button.isHidden()  # no fix, no button
    assert older.apply_button.text() == "Apply: lr G → 0.0001, lr D → 5e-05"
    qtbot.mouseClick(older.apply_button, Qt.MouseButton.LeftButton)
    assert fake.changes == [("lr_g", 0.0001), ("lr_d", 5e-05)]
    assert (m.lr_g.text(), m.lr_d.text()) == ("0.0001", "5e-05")
    window._on_event(RunStateEvent(900, "warning", "", warning(900)["data"]))
    m.stop_watching("finished")
    assert all(b.apply_button.isHidden() for b in m.banners.banners())


def test_a_newer_finding_of_the_same_detector_replaces_the_banner(qtbot):
    monitor = MonitorPanel()
    qtbot.addWidget(monitor)
    for step in (600, 1200):
        monitor.on_event(RunStateEvent(step, "warning", "", warning(step)["data"]))
    (banner,) = monitor.banners.banners()
    assert banner.step == 1200
    monitor.on_event(RunStateEvent(1300, "warning", "", warning(1300, "divergence")["data"]))
    newest, older = monitor.banners.banners()
    assert (newest.compact, older.compact) == (False, True)  # older ones take a line
    assert "with ease" not in older.text.text() and "with ease" in older.toolTip()
    assert fix_text({}) == "" and fix_text({"lr_d": 1e-4}) == "Apply: lr D → 0.0001"


def test_notes_and_plain_warnings_go_to_the_status_bar_not_the_banners(qtbot, window):
    note = "trained the studio feature net for shapes in 50 s"
    window._on_event(RunStateEvent(0, "note", note))
    assert window.statusBar().currentMessage() == note
    window._on_event(RunStateEvent(0, "warning", "3 files skipped, e.g. a.png: not an image"))
    assert window.statusBar().currentMessage().startswith("3 files skipped")
    assert window.monitor.banners.banners() == []


# -- the Runs tab ------------------------------------------------------------------------------
def test_runs_tab_shows_latest_and_best_and_sorts_numerically(qtbot, tmp_path):
    ws = tmp_path / "ws"
    write_run(ws / "a", [eval_row(500, 9.5), eval_row(1000, 11.0, recall=0.9)])
    write_run(ws / "b", [eval_row(500, 150.0), eval_row(1000, 100.0, features="studio[mnist-28]")])
    write_run(ws / "c", [eval_row(1000, 20.0)])
    write_run(ws / "d", [])
    panel = RunsPanel(ws)
    qtbot.addWidget(panel)
    table, proxy = panel.table(), panel.proxy()

    def column(col: int) -> list[str]:
        return [proxy.index(r, col).data() for r in range(proxy.rowCount())]

    table.sortByColumn(BEST_FD, Qt.SortOrder.AscendingOrder)
    assert column(NAME) == ["a", "c", "b", "d"]  # 9.5 < 20 < 100; never evaluated last
    assert column(BEST_FD) == ["9.5", "20", "100", None]
    assert column(FD) == ["11", "20", "100", None]
    table.sortByColumn(BEST_FD, Qt.SortOrder.DescendingOrder)
    assert column(NAME) == ["b", "c", "a", "d"]
    table.sortByColumn(BEST_RECALL, Qt.SortOrder.DescendingOrder)
    assert column(NAME)[0] == "a" and column(NAME)[-1] == "d"
    assert column(BEST_RECALL)[0] == "0.900"
    assert proxy.headerData(FD, Qt.Orientation.Horizontal) == "FD"  # mixed nets
    row = column(NAME).index("b")
    tip = proxy.index(row, BEST_FD).data(Qt.ItemDataRole.ToolTipRole)
    assert "FD_studio[mnist-28]" in tip and "other feature nets are left out" in tip
    assert "FID" not in tip


def test_runs_tab_says_fid_only_when_every_run_used_the_inception(qtbot, tmp_path):
    ws = tmp_path / "ws"
    write_run(ws / "a", [eval_row(500, 9.5, features="inception")])
    panel = RunsPanel(ws)
    qtbot.addWidget(panel)
    header = panel.proxy().headerData
    assert (header(FD, Qt.Orientation.Horizontal), header(BEST_FD, Qt.Orientation.Horizontal)
            ) == ("FID", "Best FID")
    quality = summarize_quality([eval_row(500, 9.5), eval_row(900, 12.0)])
    assert (quality.fd, quality.best_fd, quality.best_fd_step) == (12.0, 9.5, 500)


# -- preferences -------------------------------------------------------------------------------
def test_preferences_store_the_inception_weights_for_new_runs(qtbot, settings, tmp_path):
    weights = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    weights.write_bytes(b"not really weights")
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    dialog = PreferencesDialog(str(w.workspace), "auto", w, inception="")
    qtbot.addWidget(dialog)
    dialog.inception.setText(str(tmp_path / "missing.pth"))
    assert "no file" in dialog.inception_error.text()
    dialog.open()
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    dialog.inception.setText(str(weights))
    assert dialog.inception_error.isHidden()
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    w.apply_preferences(*dialog.values())
    assert settings.value("inception") == str(weights)
    assert w.setup.current_config().train.inception == str(weights)
    w.shutdown()
    again = MainWindow(settings, load_engine=False)
    qtbot.addWidget(again)
    assert again.setup.current_config().train.inception == str(weights)
    weights.unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        again.setup.current_config()
    again.apply_preferences("", "auto", "")
    assert again.setup.current_config().train.inception == ""
    again.shutdown()


# -- end to end --------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_live_run_in_the_window_fills_the_quality_plot(qtbot, settings, tmp_path):
    """Real training on the worker with evaluations every 10 steps (about 10 s, most of it
    loading the engine)."""
    from tests.app.test_main_window import start

    settings.setValue("workspace", str(tmp_path / "ws"))
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120_000)
    try:
        start(qtbot, w, tiny_config("gan", "ring8", steps=20, eval_every=10, eval_samples=200,
                                    checkpoint_every=10**6))
        qtbot.waitUntil(lambda: w.worker is None, timeout=60_000)
        quality = w.monitor.quality
        assert [r["step"] for r in quality.rows()] == [10, 20]
        assert data_of(quality, "fd")[0].tolist() == [10.0, 20.0]
        assert np.isfinite(data_of(quality, "fd")[1]).all()
        assert quality.fd_title == "FD_points"
        assert "modes covered (of 8)" in quality.plots[1].getPlotItem().titleLabel.text
    finally:
        if w.worker is not None:
            w.worker.stop(save=False)
            w.worker.wait()
            w.worker = None
        w.shutdown()


def test_an_opened_run_shows_its_own_loss_and_rates_then_its_changes(qtbot, tmp_path):
    change = {"step": 400, "time": 0.0, "kind": "change", "message": "lr_d: 0.0002 → 5e-05",
              "data": {"key": "lr_d", "old": 2e-4, "new": 5e-5}}
    folder = write_run(tmp_path / "mm", [], [change], loss="minimax", lr_g=2e-5, lr_d=2e-4)
    monitor = MonitorPanel()
    qtbot.addWidget(monitor)
    monitor.follow(folder, 1000, points=False, settings={"loss": "minimax", "lr_g": 2e-5,
                                                         "lr_d": 2e-4})
    monitor.refresh()
    assert monitor.loss.currentText() == "minimax" and not monitor.loss.isEnabled()
    assert (monitor.lr_g.text(), monitor.lr_d.text()) == ("2e-05", "5e-05")
    monitor.timer.stop()


@pytest.mark.parametrize(("features", "middle"), [(STUDIO, "fd_kid"), ("points", "mode_collapse")])
def test_a_click_on_a_quality_titles_question_mark_asks_for_its_page(qtbot, features, middle):
    plot = QualityPlot()
    qtbot.addWidget(plot)
    plot.resize(260, 480)
    plot.show()
    qtbot.waitExposed(plot)
    extra = {"modes_covered": 7, "modes_total": 8} if features == "points" else {}
    plot.set_rows([eval_row(500, 3.0, features=features, **extra),
                   eval_row(1000, 2.0, features=features, **extra)])
    qtbot.wait(20)  # the plots appear and lay out their titles
    asked: list[str] = []
    plot.concept_requested.connect(asked.append)
    for widget in plot.plots:
        item = widget.getPlotItem()
        assert item.titleLabel.text.rstrip().endswith("?</span>")
        centre = widget.mapFromScene(item.titleLabel.sceneBoundingRect().center())
        qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        data = widget.mapFromScene(item.vb.sceneBoundingRect().center())
        qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=data)  # not a title
    assert asked == ["fd_kid", middle, "precision_recall"]
