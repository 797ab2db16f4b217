"""Errors a person can act on. Each message says what is wrong and how to fix it."""

from __future__ import annotations


class StudioError(Exception):
    """Base class: the message is written for the person using the studio or the CLI."""


class ConfigError(StudioError):
    """A setting is unknown, has the wrong type, or lies outside what is allowed."""


class DatasetError(StudioError):
    """A dataset cannot be found or read."""


class DeviceError(StudioError):
    """The requested compute device does not exist on this machine."""


class RunFolderError(StudioError):
    """A run folder is missing, incomplete, or would be overwritten."""


class TrainingDiverged(StudioError):
    """A loss or weight became NaN or infinite; the run stopped at its last good checkpoint."""
