"""Panels: the studio's pages. They see numpy arrays and plain dataclasses, never torch."""
