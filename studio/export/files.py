"""How every export writes: never over an existing file unless asked, never a half-written file.

A file or folder is written under a hidden sibling name (`.<name>.part-<pid>`) and renamed into
place only when complete; on any failure or a Cancel the partial output is removed. Only a new
path, a regular file, a folder (for folder outputs) or a symbolic link (the link itself, never
its target) is ever replaced: devices, FIFOs and sockets are refused. Long exports report
progress through `Progress` and stop at the next `check_cancel` when asked to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from studio.errors import StudioError

EXPORT_MARK = ".gan-studio-export"  # in every folder an export writes
ProgressFn = Callable[[int, int, str], None]  # (done, total, what is being done)
CancelFn = Callable[[], bool]  # True once the person asked to stop

_SPECIAL = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
            (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


class ExportCancelled(StudioError):
    """The person cancelled an export; nothing it started to write is left behind."""


class OutputPathError(StudioError, OSError):
    """An output path that must not be written (a device, a folder, a path under a file…).

    Also an OSError, so callers that report failed writes (the studio's save dialogs, `render`)
    show its message like any other write failure.
    """


@dataclass
class Progress:
    """Progress reporting and cancelling for one export; both callbacks are optional."""

    report: ProgressFn | None = None
    cancelled: CancelFn | None = None

    def __call__(self, done: int, total: int, what: str = "") -> None:
        """Report `done` of `total`, then stop (ExportCancelled) if a Cancel was asked for."""
        if self.report is not None:
            self.report(done, total, what)
        self.check()

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ExportCancelled("export cancelled; nothing was written")


@dataclass
class ExportResult:
    """What an export wrote, and the figures a person or a test can check."""

    paths: list[Path]
    details: dict[str, float | int | str] = field(default_factory=dict)


def _lstat(path: Path) -> os.stat_result | None:
    """The path's own status (a link is not followed); None when nothing is there."""
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise OutputPathError(f"cannot write {path}: {exc.strerror or exc}") from None


def special_kind(mode: int) -> str | None:
    """'a character device', 'a named pipe (FIFO)', … for a special file's mode; else None."""
    for test, what in _SPECIAL:
        if test(mode):
            return what
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return None
    return "a special file"


def refuse_special(path: str | Path) -> None:
    """Raise OutputPathError when `path` is a device, FIFO, socket or other special file:
    GAN Studio writes only new paths and regular files, and never replaces a device node."""
    path = Path(path)
    st = _lstat(path)
    what = special_kind(st.st_mode) if st is not None else None
    if what is not None:
        raise OutputPathError(f"{path} is {what}, not a regular file; GAN Studio writes only "
                              "new files or replaces regular ones; choose another name")


def _refuse_folder_mismatch(path: Path, st: os.stat_result, folder: bool | None) -> None:
    """A folder where a file is wanted, or a file where a folder is wanted, is never replaced."""
    is_dir = stat.S_ISDIR(st.st_mode)
    if is_dir and folder is False:
        raise OutputPathError(f"{path} is a folder; give the path of the file to write")
    if stat.S_ISREG(st.st_mode) and folder:
        raise OutputPathError(f"{path} is a file, but this writes a folder; give the "
                              "name of a new folder")


def _refuse_foreign_folder(path: Path) -> None:
    """Replacing a folder is allowed only when it is empty or an earlier export wrote it (its
    EXPORT_MARK file), so `--force` can never delete a folder of the person's own files."""
    if (path / EXPORT_MARK).is_file() or not any(path.iterdir()):
        return
    raise OutputPathError(f"{path} is a folder holding other files, not an earlier export; "
                          "GAN Studio replaces only folders it exported. Choose a new name")


def check_place(path: str | Path) -> None:
    """Raise OutputPathError unless files can be created where `path` will go: the nearest
    existing folder above it must be a folder (not a file) and accept new files."""
    path = Path(os.path.abspath(path))
    above = path.parent
    while _lstat(above) is None and above != above.parent:
        above = above.parent
    if not above.is_dir():
        what = "a file, not a folder" if above.is_file() else "not a folder"
        raise OutputPathError(f"cannot write {path}: {above} is {what}; choose "
                              "a path inside a folder")
    probe = above / f".gan-studio-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise OutputPathError(f"cannot write {path}: {above} does not accept new files "
                              f"({exc.strerror or exc}); choose a folder you can write to"
                              ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def check_output_path(path: str | Path, force: bool = False, folder: bool | None = None) -> Path:
    """Raise a one-line StudioError unless `path` may be written as an output.

    Allowed: a new path in a writable place, or with `force` an existing regular file (or,
    with `folder`, a folder) or a symbolic link, which is replaced itself. `folder` says what
    is written (None: either). A dangling link counts as existing; devices, FIFOs and sockets
    are always refused.
    """
    path = Path(path)
    st = _lstat(path)
    if st is not None:
        refuse_special(path)
        _refuse_folder_mismatch(path, st, folder)
        if force and stat.S_ISDIR(st.st_mode):
            _refuse_foreign_folder(path)
        if not force:
            link = " (a symbolic link)" if stat.S_ISLNK(st.st_mode) else ""
            raise OutputPathError(f"{path}{link} already exists; choose another name, or pass "
                                  "--force (Overwrite in the studio) to replace it")
    check_place(path)
    return path


def check_folder_target(path: str | Path) -> Path:
    """Raise a one-line StudioError unless `path` is a folder to create, or an existing folder
    (a link to one is followed), in a place that accepts new files: `train --out`."""
    path = Path(path)
    st = _lstat(path)
    if st is not None:
        refuse_special(path)
        if stat.S_ISLNK(st.st_mode) and not path.exists():
            raise OutputPathError(f"--out {path} is a symbolic link to nothing; remove it or "
                                  "choose another folder")
        if not path.is_dir():
            raise OutputPathError(f"--out {path} is a file; give the name of a new folder")
        check_place(path / "x")  # the folder itself must accept new files
    else:
        check_place(path)
    return path


def refuse_existing(path: Path, force: bool, folder: bool | None = None) -> None:
    """Raise a clear error when `path` exists (a dangling link included) and `force` was not
    given, or when it can never be written (see `check_output_path`)."""
    check_output_path(path, force, folder)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def replace_file(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Write `path` by `write(temp path)` into a hidden sibling, then rename it into place.

    `path` may be new, a regular file or a link (the link is replaced, never written
    through); a device, FIFO, socket or folder raises OutputPathError and is left untouched.
    """
    path = Path(path)
    st = _lstat(path)
    if st is not None:
        refuse_special(path)
        _refuse_folder_mismatch(path, st, False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    _remove(tmp)  # never write through something left under the temp name
    try:
        write(tmp)
        refuse_special(path)  # appeared while we wrote: still never replace a device
        os.replace(tmp, path)
    finally:
        _remove(tmp)
    return path


@contextlib.contextmanager
def staged(path: str | Path, force: bool = False, folder: bool = False) -> Iterator[Path]:
    """Yield a hidden sibling path to write `path` into; rename it into place on success.

    With `folder` the staging path is created as an empty folder. An existing `path` is an
    error unless `force`, and is replaced only after the new output is complete; a path
    that can never be written (see `check_output_path`) is refused before anything is made.
    An OSError while writing becomes a one-line StudioError; nothing partial is left.
    """
    path = Path(path)
    check_output_path(path, force, folder)
    part = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove(part)
        if folder:
            part.mkdir()
        yield part
        if folder:  # marks the folder as an export that --force may replace later
            (part / EXPORT_MARK).write_text("written by a GAN Studio export\n",
                                            encoding="utf-8")
        if _lstat(path) is not None:  # appeared while we wrote: check it again
            check_output_path(path, force, folder)
            _remove(path)
        os.replace(part, path)
    except OutputPathError:
        raise
    except OSError as exc:
        raise OutputPathError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if _lstat(part) is not None:
            _remove(part)
