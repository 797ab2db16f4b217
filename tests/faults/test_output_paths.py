"""Output paths (issue 11, items 9 and 14): GAN Studio writes only new paths and regular files.

Devices, FIFOs, sockets and folders are never replaced (not even with --force); a dangling
symbolic link counts as existing, and --force replaces the link itself, never writing through
it; a path under a file or in a place that takes no new files is one line and status 2, for
`render`, every `export` kind, `train --out` and the studio's saves (`save_png`). About 7 s on
one core: the bundled 64 px StyleGAN renders and exports in-process; one subprocess render
(~3 s, slow) and one export under a private read-only mount (`unshare`, root only).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.errors import StudioError
from studio.explore.recipe import Recipe
from studio.export.files import (
    EXPORT_MARK,
    check_folder_target,
    check_output_path,
    replace_file,
    staged,
)
from studio.export.images import save_png

REPO = Path(__file__).resolve().parents[2]
CPU = ["--device", "cpu"]
SOURCE = ["--source", "bundled:landscapes-64"]
PICTURE = np.zeros((4, 4, 3), dtype=np.uint8)  # [H, W, C]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _device_node(path: Path) -> Path:
    """A character device like /dev/full (1, 7), made in a test folder (needs root)."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return path


def _special(tmp_path: Path, kind: str) -> Path:
    """A FIFO, a device node or a listening socket at tmp_path/<kind>."""
    path = tmp_path / kind
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs a POSIX system (FIFOs, device nodes, Unix sockets)")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        if not IS_ROOT:
            pytest.skip("making a device node needs root")
        _device_node(path)
    else:
        import socket
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    return path


def _same_node(path: Path, before: os.stat_result) -> bool:
    after = path.lstat()
    return (stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
            and after.st_ino == before.st_ino and after.st_rdev == before.st_rdev)


def _one_error(capsys) -> str:
    """The stderr of a failed command: exactly one line `gan-studio: error: …`, no traceback."""
    err = capsys.readouterr().err
    assert err.startswith("gan-studio: error: ") and err.count("\n") == 1, err
    return err


def _read_only_place(tmp_path: Path) -> Path:
    """A folder that takes no new files even for root: /proc accepts no new entries."""
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc")
    return Path("/proc") / f"gan-studio-test-{os.getpid()}"


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    """A recipe of the bundled 64 px StyleGAN's image view (no training needed)."""
    path = tmp_path_factory.mktemp("recipe") / "r.json"
    path.write_text(Recipe(source="bundled:landscapes-64", seed=3).to_json(), encoding="utf-8")
    return path


# --- save_png and replace_file: the studio's saves, render, run snapshots -----------------

@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_save_png_never_replaces_a_special_file(tmp_path, kind):
    path = _special(tmp_path, kind)
    before = path.lstat()
    with pytest.raises(OSError, match="not a regular file"):
        save_png(PICTURE, path)
    assert _same_node(path, before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [kind]  # no temp file left behind


def test_save_png_replaces_a_link_itself_never_its_target(tmp_path):
    target = tmp_path / "target.png"
    target.write_bytes(b"keep me")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to(tmp_path / "nowhere" / "x.png")
    for path in (link, dangling):
        save_png(PICTURE, path)
        assert path.is_file() and not path.is_symlink()
        assert np.array_equal(np.asarray(Image.open(path)), PICTURE)
    assert target.read_bytes() == b"keep me" and not (tmp_path / "nowhere").exists()
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(OSError, match="is a folder"):
        save_png(PICTURE, folder)
    assert folder.is_dir()


def test_replace_file_removes_its_temp_file_when_writing_fails(tmp_path):
    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    with pytest.raises(OSError, match="No space"):
        replace_file(tmp_path / "a.png", fail)
    assert list(tmp_path.iterdir()) == []


# --- staged: every export kind --------------------------------------------------------------

@pytest.mark.parametrize("folder", [False, True])
@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_staged_refuses_special_files_even_with_force(tmp_path, kind, folder):
    path = _special(tmp_path, kind)
    before = path.lstat()
    for force in (False, True):
        with pytest.raises(StudioError, match="not a regular file"), \
                staged(path, force=force, folder=folder) as part:
            Path(part, "x").write_bytes(b"x") if folder else part.write_bytes(b"x")
    assert _same_node(path, before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [kind]


def test_staged_treats_a_dangling_link_as_existing_and_force_replaces_the_link(tmp_path):
    link = tmp_path / "model.pt"
    link.symlink_to(tmp_path / "elsewhere" / "model.pt")
    with pytest.raises(StudioError, match=r"\(a symbolic link\) already exists"), \
            staged(link) as part:
        part.write_bytes(b"new")
    assert link.is_symlink()
    with staged(link, force=True) as part:
        part.write_bytes(b"new")
    assert not link.is_symlink() and link.read_bytes() == b"new"
    assert not (tmp_path / "elsewhere").exists()


def test_staged_never_swaps_a_folder_for_a_file_or_a_file_for_a_folder(tmp_path):
    folder = tmp_path / "keep"
    folder.mkdir()
    (folder / "precious.txt").write_text("x")
    with pytest.raises(StudioError, match="is a folder; give the path of the file"), \
            staged(folder, force=True) as part:
        part.write_bytes(b"model")
    assert (folder / "precious.txt").read_text() == "x"
    file = tmp_path / "file.png"
    file.write_bytes(b"keep me")
    with pytest.raises(StudioError, match="is a file, but this writes a folder"), \
            staged(file, force=True, folder=True) as part:
        (part / "a.png").write_bytes(b"x")
    assert file.read_bytes() == b"keep me"


def test_staged_under_a_file_or_in_a_place_without_new_files_is_a_clear_error(tmp_path):
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    for path in (file / "x.pt", file / "deeper" / "x.pt"):
        with pytest.raises(StudioError, match=r"file\.png is a file, not a folder"), \
                staged(path) as part:
            part.write_bytes(b"x")
    with pytest.raises(StudioError, match="does not accept new files"), \
            staged(_read_only_place(tmp_path) / "out", folder=True):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.png"]


def test_staged_turns_a_failed_write_into_one_clear_error(tmp_path):
    with pytest.raises(StudioError, match=r"cannot write .*out\.pt: No space left"), \
            staged(tmp_path / "out.pt") as part:
        part.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_check_folder_target_for_train_out(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_folder_target(empty) == empty  # the run writer decides about its content
    assert check_folder_target(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    fifo = _special(tmp_path, "fifo")
    for path, message in [(file, "is a file; give the name of a new folder"),
                          (file / "run", "is a file, not a folder"),
                          (dangling, "symbolic link to nothing"),
                          (fifo, "not a regular file"),
                          (_read_only_place(tmp_path) / "run", "does not accept new files")]:
        with pytest.raises(StudioError, match=message):
            check_folder_target(path)
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / "new").exists()


def test_check_output_path_allows_new_paths_and_forced_regular_files(tmp_path):
    file = tmp_path / "a.png"
    assert check_output_path(tmp_path / "sub" / "a.png") == tmp_path / "sub" / "a.png"
    file.write_bytes(b"x")
    with pytest.raises(StudioError, match="already exists"):
        check_output_path(file)
    assert check_output_path(file, force=True) == file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]  # the probe is gone


# --- the real commands ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_render_never_replaces_a_device_or_fifo(recipe, tmp_path, capsys, kind):
    path = _special(tmp_path, kind)
    before = path.lstat()
    for force in ([], ["--force"]):
        assert main(["render", str(recipe), "--out", str(path), *CPU, *force]) == 2
        _one_error(capsys)
        assert _same_node(path, before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [kind]


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_render_force_onto_a_device_node_in_a_subprocess(recipe, tmp_path):
    node = _device_node(tmp_path / "full")
    before = node.lstat()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GAN_STUDIO_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "studio.cli", "render", str(recipe), "--out",
                           str(node), "--force", *CPU], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("gan-studio: error: ") and done.stderr.count("\n") == 1
    assert "character device" in done.stderr and _same_node(node, before)


def test_render_treats_a_dangling_link_as_existing(recipe, tmp_path, capsys):
    """Needs cli.py's cmd_render to call check_output_path (the no --force half)."""
    link = tmp_path / "out.png"
    link.symlink_to(tmp_path / "elsewhere.png")
    assert main(["render", str(recipe), "--out", str(link), *CPU]) == 2
    assert "already exists" in _one_error(capsys) and link.is_symlink()
    assert main(["render", str(recipe), "--out", str(link), *CPU, "--force"]) == 0
    assert link.is_file() and not link.is_symlink()
    assert not (tmp_path / "elsewhere.png").exists()


@pytest.mark.parametrize("kind", ["torchscript", "images"])
def test_export_refuses_special_files_and_forces_only_the_link(tmp_path, capsys, kind):
    fifo = _special(tmp_path, "fifo")
    before = fifo.lstat()
    extra = ["--count", "1", "--no-contact-sheet"] if kind == "images" else []
    args = ["export", kind, *SOURCE, *CPU, "--quiet", *extra, "--out"]
    assert main([*args, str(fifo), "--force"]) == 2
    assert "not a regular file" in _one_error(capsys) and _same_node(fifo, before)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    assert main([*args, str(link)]) == 2
    assert "already exists" in _one_error(capsys) and link.is_symlink()
    assert main([*args, str(link), "--force"]) == 0
    capsys.readouterr()
    assert not link.is_symlink() and link.exists() and not (tmp_path / "elsewhere").exists()


def test_export_under_a_file_or_in_a_place_without_new_files(tmp_path, capsys):
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    places = [file / "model.pt", _read_only_place(tmp_path) / "model.pt"]
    for out in places:
        assert main(["export", "torchscript", *SOURCE, *CPU, "--quiet", "--out",
                     str(out)]) == 2
        _one_error(capsys)
    assert main(["export", "images", *SOURCE, *CPU, "--quiet", "--count", "1", "--force",
                 "--out", str(file)]) == 2
    assert "is a file, but this writes a folder" in _one_error(capsys)
    assert file.read_bytes() == b"x"


def test_train_out_on_a_file_under_a_file_or_in_a_read_only_place(tmp_path, capsys):
    """Needs cli.py's train to call check_folder_target on its run folder."""
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    fifo = _special(tmp_path, "fifo")
    train = ["train", "--variant", "gan", "--dataset", "ring8", "--steps", "2", "--set",
             "data.size=64", "--device", "cpu", "--quiet", "--out"]
    for out in (file, file / "run", fifo, _read_only_place(tmp_path) / "run"):
        assert main([*train, str(out)]) == 2
        _one_error(capsys)
    assert file.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "file.png"]


def test_config_naming_a_folder_and_dataset_of_an_unknown_user(tmp_path, capsys):
    """Needs load_toml to refuse a folder and studio.data to catch expanduser's error."""
    assert main(["train", "--config", str(tmp_path), "--quiet", "--out",
                 str(tmp_path / "run")]) == 2
    assert str(tmp_path) in _one_error(capsys)
    assert main(["train", "--variant", "gan", "--dataset", "~no-such-user-gan-studio/x",
                 "--steps", "2", "--quiet", "--out", str(tmp_path / "run2")]) == 2
    assert "no-such-user-gan-studio" in _one_error(capsys)
    assert not any(p.name.startswith("run") and any(p.iterdir()) for p in tmp_path.iterdir())


@pytest.mark.skipif(shutil.which("unshare") is None or not IS_ROOT,
                    reason="needs root and unshare for a private read-only mount")
def test_export_onto_a_read_only_file_system(tmp_path):
    """A real read-only mount, private to one subprocess (gone when it exits)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GAN_STUDIO_HOME": str(tmp_path / "home")}
    script = (f"mount -t tmpfs -o ro,size=1m tmpfs {ro} || exit 77; exec {sys.executable} "
              f"-m studio.cli export torchscript {' '.join(SOURCE)} --device cpu --quiet "
              f"--out {ro}/model.pt")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode == 77:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("gan-studio: error: ") and done.stderr.count("\n") == 1
    assert "Read-only file system" in done.stderr


def test_force_never_replaces_a_folder_of_the_persons_own_files(tmp_path):
    """`export images --out ~ --force` must not delete a home folder: --force replaces only
    an empty folder or one an earlier export wrote (it carries EXPORT_MARK)."""
    own = tmp_path / "pictures"
    own.mkdir()
    (own / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(StudioError, match="not an earlier export"), \
            staged(own, force=True, folder=True) as part:
        (part / "x.png").write_bytes(b"new")
    assert (own / "holiday.jpg").read_bytes() == b"precious"
    out = tmp_path / "export"
    for text in ("first", "second"):  # an export's own folder is replaced with --force
        with staged(out, force=True, folder=True) as part:
            (part / "a.txt").write_text(text)
    assert (out / "a.txt").read_text() == "second" and (out / EXPORT_MARK).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    with staged(empty, force=True, folder=True) as part:
        (part / "a.txt").write_text("x")
    assert (empty / "a.txt").is_file()
