"""The run doctor: live detectors over a run's metric rows that explain what goes wrong."""

from studio.health.diagnosis import Diagnosis
from studio.health.doctor import Doctor

__all__ = ["Diagnosis", "Doctor"]
