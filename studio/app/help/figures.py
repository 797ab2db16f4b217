"""The concept figures by name, drawn in code for a palette (so they follow the light/dark theme)
at a device pixel ratio (so they are sharp on high-density screens)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QImage, QPalette

from studio.app.help import clouds, diagrams, plots
from studio.app.help.canvas import Ink

Painter = Callable[[Ink, float], QImage]

FIGURES: dict[str, Painter] = {
    "players": diagrams.players,
    "densities": plots.densities,
    "g_losses": plots.g_losses,
    "conditional": diagrams.conditional,
    "dcgan_stack": diagrams.dcgan_stack,
    "stylegan_map": diagrams.stylegan_map,
    "r1_dynamics": plots.r1_dynamics,
    "ema_trace": plots.ema_trace,
    "truncation": clouds.truncation,
    "mixing_bands": diagrams.mixing_bands,
    "frechet": clouds.frechet,
    "prdc_balls": clouds.prdc_balls,
    "ring_modes": clouds.ring_modes,
}


def render_figure(name: str, palette: QPalette, dpr: float = 1.0) -> QImage:
    """Figure `name` drawn in the palette's colours; a KeyError names the unknown figure."""
    if name not in FIGURES:
        raise KeyError(f"no concept figure named {name!r}; known: {', '.join(FIGURES)}")
    return FIGURES[name](Ink.from_palette(palette), max(1.0, float(dpr)))


def logical_size(image: QImage) -> tuple[int, int]:
    """The figure's size in device-independent pixels (what the page lays out)."""
    ratio = image.devicePixelRatio() or 1.0
    return round(image.width() / ratio), round(image.height() / ratio)
