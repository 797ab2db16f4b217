"""The layer rules of DESIGN.md, checked by import-linter — and shown to catch a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_contracts_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


def test_a_qt_import_in_the_engine_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "studio", tmp_path / "studio",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "studio" / "nets" / "layers.py", "a") as f:
        f.write("\nimport PySide6  # noqa\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "Only studio.app imports Qt BROKEN" in result.stdout
