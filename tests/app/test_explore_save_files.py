"""The shared save helper: where a dialog opens, the names it suggests (no Qt window; ~0 s)."""

from __future__ import annotations

from pathlib import Path

from studio.app import save_files


def test_the_default_folder_is_the_runs_exports_then_beside_the_workspace(tmp_path):
    save_files.remember_folder(None)
    run, workspace = tmp_path / "runs" / "r1", tmp_path / "runs"
    assert save_files.default_folder(workspace, run) == run / "exports"
    assert save_files.default_folder(workspace) == tmp_path / "exports"
    assert save_files.default_folder() == Path.home()
    save_files.remember_folder(tmp_path)  # a save this session: later dialogs open there
    assert save_files.default_folder(workspace, run) == tmp_path
    save_files.remember_folder(tmp_path / "gone")  # a remembered folder since removed
    assert save_files.default_folder(workspace, run) == run / "exports"
    save_files.remember_folder(None)


def test_names_say_what_the_file_holds_and_never_name_an_existing_file(tmp_path):
    name = save_files.file_name("Landscapes 64 px", "image", 7, 4000)
    assert name == "Landscapes-64-px_image_seed7_step4000.png"
    assert save_files.file_name("shapes/cgan", "grid", None, 2, ".json", "T-shirt/top") == \
        "shapes-cgan_grid_T-shirt-top_step2.json"
    (tmp_path / name).write_bytes(b"")
    assert save_files.unique_path(tmp_path / name).name == \
        "Landscapes-64-px_image_seed7_step4000-2.png"


def test_a_cancelled_dialog_leaves_no_empty_exports_folder(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QWidget

    save_files.remember_folder(None)
    parent = QWidget()
    qtbot.addWidget(parent)
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    assert save_files.ask_save_path(parent, "Save", "x.png", run_folder=run) is None
    assert not (run / "exports").exists()
    target = run / "exports" / "kept.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    assert save_files.ask_save_path(parent, "Save", "x.png", run_folder=run) == target
    assert (run / "exports").is_dir()  # chosen: the folder stays for the file
    save_files.remember_folder(None)
