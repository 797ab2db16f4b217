"""The frozen app: build the CPU bundle (or use the one built) and run its --self-test.

Skipped unless PyInstaller is importable in the test venv (`pip install '.[packaging]'`); the
bundle is built in its own venv by packaging/build.py. Costs: about 1 min with a built folder,
10–20 min when it has to build one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PyInstaller")

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "build" / "bundle" / "dist-cpu" / "gan-studio"


def snapshot(folder: Path) -> set[str]:
    """Every file under `folder`, relative."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_frozen_self_test_passes_and_writes_only_into_the_data_folder(tmp_path):
    if not (APP / "gan-studio.bin").exists():
        venv = ROOT / ".venv-bundle-cpu" / "bin" / "python"
        args = ["--skip-venv"] if venv.exists() else []
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--flavour", "cpu",
                        "--no-installer", *args], check=True, cwd=ROOT, timeout=3600)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": "1"}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    cwd.chmod(0o555)  # a read-only current folder: nothing may be written there
    done = subprocess.run([str(APP / "gan-studio"), "--self-test"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("SELF-TEST OK"), done.stdout + done.stderr
    assert sum(line.lstrip().startswith("ok ") for line in lines) == 9, done.stdout
    assert "torchvision absent" in done.stdout  # the CPU flavour runs without it
    assert not snapshot(cwd)
    written = snapshot(home)
    outside = [f for f in written if not f.startswith((".local/share/gan-studio/", ".config/",
                                                       ".cache/"))]
    assert outside == [], outside
    assert not [f for f in written if "self-test-" in f]  # the scratch folder is removed
    assert os.access(APP / "gan-studio", os.X_OK)
