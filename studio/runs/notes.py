"""A run's display name and free-text note, kept in `<run>/notes.json` (torch-free).

The folder name never changes when a person renames a run: the name they choose is stored
beside the run's files, so scripts, checkpoints and recipes that point at the folder keep
working. The file is written whole to a temporary name and renamed over the old one, so a
crash leaves either the old notes or the new ones, never half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from studio.errors import StudioError

NOTES = "notes.json"
MAX_NAME = 120  # characters
MAX_NOTE = 10_000  # characters


@dataclass(frozen=True)
class RunNotes:
    """What a person wrote about a run: a display name ("" keeps the config's) and a note."""

    name: str = ""
    note: str = ""


def read_notes(folder: Path) -> RunNotes:
    """The run's notes; empty ones when the file is missing or unreadable (never an error:
    a damaged notes file must not hide the run)."""
    try:
        raw = json.loads((Path(folder) / NOTES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunNotes()
    if not isinstance(raw, dict):
        return RunNotes()
    name, note = raw.get("name", ""), raw.get("note", "")
    return RunNotes(name if isinstance(name, str) else "", note if isinstance(note, str) else "")


def clean_name(name: str) -> str:
    """A display name on one line, without outer spaces; StudioError when it is too long."""
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise StudioError(f"A run name can have at most {MAX_NAME} characters "
                          f"(this one has {len(name)}); shorten it.")
    return name


def write_notes(folder: Path, notes: RunNotes) -> None:
    """Store `notes` in the run folder atomically (temporary file, then rename)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StudioError(f"The run folder {folder} no longer exists; refresh the Runs list.")
    if len(notes.note) > MAX_NOTE:
        raise StudioError(f"A note can have at most {MAX_NOTE:,} characters "
                          f"(this one has {len(notes.note):,}); shorten it.")
    text = json.dumps({"name": notes.name, "note": notes.note}, ensure_ascii=False, indent=1)
    try:
        handle, temp = tempfile.mkstemp(prefix=".notes-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                f.write(text + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, folder / NOTES)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise StudioError(f"Could not save the run's name and note in {folder}: "
                          f"{exc.strerror or exc}. Check that the folder is writable.") from exc


def set_name(folder: Path, name: str) -> RunNotes:
    """Rename the run for display ("" goes back to the name in its config); returns the notes."""
    notes = replace(read_notes(folder), name=clean_name(name))
    write_notes(folder, notes)
    return notes


def set_note(folder: Path, note: str) -> RunNotes:
    """Replace the run's note (outer blank lines dropped); returns the notes."""
    notes = replace(read_notes(folder), note=note.strip())
    write_notes(folder, notes)
    return notes
