"""How every export writes: never over an existing file unless asked, never a half-written file.

A file or folder is written under a hidden sibling name (`.<name>.part-<pid>`) and renamed into
place only when complete; on any failure or a Cancel the partial output is removed. Long exports
report progress through `Progress` and stop at the next `check_cancel` when asked to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from studio.errors import StudioError

ProgressFn = Callable[[int, int, str], None]  # (done, total, what is being done)
CancelFn = Callable[[], bool]  # True once the person asked to stop


class ExportCancelled(StudioError):
    """The person cancelled an export; nothing it started to write is left behind."""


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


def refuse_existing(path: Path, force: bool) -> None:
    """Raise a clear error when `path` exists and `force` was not given."""
    if path.exists() and not force:
        raise StudioError(f"{path} already exists; choose another name, or pass --force "
                          "(Overwrite in the studio) to replace it")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def staged(path: str | Path, force: bool = False, folder: bool = False) -> Iterator[Path]:
    """Yield a hidden sibling path to write `path` into; rename it into place on success.

    With `folder` the staging path is created as an empty folder. An existing `path` is an
    error unless `force`, and is replaced only after the new output is complete.
    """
    path = Path(path)
    refuse_existing(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part-{os.getpid()}")
    _remove(part)
    if folder:
        part.mkdir()
    try:
        yield part
        if path.exists():
            if not force:  # appeared while we wrote: still never overwrite
                refuse_existing(path, force)
            _remove(path)
        os.replace(part, path)
    finally:
        if part.exists():
            _remove(part)
