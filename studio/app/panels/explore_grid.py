"""The Explore tab's Grid view: many seeds at once, and for a cGAN seeds × classes.

A conditional generator's grid has one column per class, headed by the class name (e.g.
Fashion-MNIST's "T-shirt/top"), and one row per seed; an unconditional one lays its seeds out
in a near-square grid. The headers are drawn onto the picture, so a saved image keeps them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from studio.app.panels.explore_views import PictureView, parse_seeds
from studio.explore.recipe import MAX_GRID_SEEDS, MAX_GRID_SIDE, MIX_BACKGROUND, MIX_PAD

HEADER_TEXT = QColor("#e8eaed")  # light on the picture's dark grey, in either theme
MIN_TILE = 96  # small tiles are enlarged (nearest neighbour) until names fit above them
MAX_WIDTH = 1800  # …but the picture is never made wider than this


def parse_seed_list(text: str, most: int) -> list[int]:
    """'1, 2, 5-8' → [1, 2, 5, 6, 7, 8]: seeds and ranges; ValueError with a plain message."""
    expanded = []
    for part in text.replace(",", " ").split():
        lo, dash, hi = part.partition("-")
        if dash and lo.isdigit() and hi.isdigit() and int(lo) <= int(hi):
            if int(hi) - int(lo) >= most:
                raise ValueError(f"at most {most} seeds")
            expanded += [str(s) for s in range(int(lo), int(hi) + 1)]
        else:
            expanded.append(part)
    return parse_seeds(" ".join(expanded), most)


def parse_classes(text: str, classes: tuple[str, ...]) -> list[int]:
    """'all', or class numbers and names separated by commas ('0, Trouser, 9') → indices."""
    if text.strip().lower() in ("", "all"):
        return list(range(min(len(classes), MAX_GRID_SIDE)))
    lower = [c.lower() for c in classes]
    chosen = []
    for part in (p.strip() for p in text.split(",")):
        if part.isdigit() and int(part) < len(classes):
            chosen.append(int(part))
        elif part.lower() in lower:
            chosen.append(lower.index(part.lower()))
        elif part:
            raise ValueError(f"{part!r} is not a class; classes: 0–{len(classes) - 1} or "
                             f"{', '.join(classes)}")
    if not chosen:
        raise ValueError("give 'all' or at least one class")
    if len(chosen) > MAX_GRID_SIDE:
        raise ValueError(f"at most {MAX_GRID_SIDE} classes")
    return chosen


def with_column_headers(picture: np.ndarray, headers: list[str], rows: int) -> np.ndarray:
    """`picture` (a grid of `rows` × len(headers) tiles with MIX_PAD gaps), enlarged so names
    fit, with each column's name written above it: uint8 [H', W', 3]."""
    cols = len(headers)
    tile_w = (picture.shape[1] - MIX_PAD) // cols - MIX_PAD
    scale = max(1, min(math.ceil(MIN_TILE / max(tile_w, 1)),
                       MAX_WIDTH // max(picture.shape[1], 1)))
    grid = np.repeat(np.repeat(picture, scale, 0), scale, 1)
    if grid.shape[-1] == 1:
        grid = np.repeat(grid, 3, -1)
    font = QFont()
    font.setPixelSize(max(11, min(18, tile_w * scale // 7)))
    metrics = QFontMetrics(font)
    band = metrics.height() + 8
    out = np.full((grid.shape[0] + band, grid.shape[1], 3), MIX_BACKGROUND, np.uint8)
    out[band:] = grid
    out = np.ascontiguousarray(out)
    image = QImage(out.data, out.shape[1], out.shape[0], out.shape[1] * 3,
                   QImage.Format.Format_RGB888)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(HEADER_TEXT)
    step = (tile_w + MIX_PAD) * scale
    for c, name in enumerate(headers):
        cell = QRect(MIX_PAD * scale + c * step, 0, tile_w * scale, band)
        text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, cell.width())
        painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return out.copy()


class GridView(PictureView):
    """Seeds in rows (and a cGAN's classes in columns); the picture carries class headers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("A grid of seeds", parent)
        self.seeds = self._seed_edit("0-3", "Seeds, one per row for a cGAN: numbers and "
                                     "ranges such as 0-7")
        self.classes_label = QLabel("Classes")
        self.classes = QLineEdit("all")
        self.classes.setToolTip("The classes to show as columns: 'all', or numbers and "
                                "names separated by commas")
        self.classes.editingFinished.connect(self._on_seeds_edited)
        for widget in (QLabel("Seeds"), self.seeds, self.classes_label, self.classes):
            self._inputs.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
        self.class_names: tuple[str, ...] = ()
        self.set_classes(())

    def set_classes(self, names: tuple[str, ...]) -> None:
        """A cGAN's class names (columns); () for an unconditional generator."""
        self.class_names = tuple(names)
        for widget in (self.classes_label, self.classes):
            widget.setVisible(bool(names))
        if not names and self.seeds.text() == "0-3":
            self.seeds.setText("0-15")
        elif names and self.seeds.text() == "0-15":
            self.seeds.setText("0-3")

    def spec(self, *_: Any) -> dict[str, Any] | None:
        most = MAX_GRID_SIDE if self.class_names else MAX_GRID_SEEDS
        try:
            seeds = parse_seed_list(self.seeds.text(), most)
        except ValueError as exc:
            return self._refuse(self.seeds, str(exc))
        self.seeds.setStyleSheet("")
        if not self.class_names:
            return {"seeds": seeds, "classes": None, "columns": 0}
        try:
            classes = parse_classes(self.classes.text(), self.class_names)
        except ValueError as exc:
            return self._refuse(self.classes, str(exc))
        self.classes.setStyleSheet("")
        return {"seeds": seeds, "classes": classes, "columns": 0}

    def _refuse(self, edit: QLineEdit, why: str) -> None:
        edit.setStyleSheet("border: 1px solid #d32f2f")
        edit.setToolTip(why)
        self.timing.setText(why)
        return None

    def show_grid(self, picture: np.ndarray | None, seconds: float,
                  recipe: Any) -> None:
        """Show a rendered grid, with class names over the columns of a cGAN's grid."""
        spec = recipe.grid if recipe is not None else None
        if picture is not None and spec is not None and spec.classes:
            names = [self.class_names[k] if k < len(self.class_names) else str(k)
                     for k in spec.classes]
            picture = with_column_headers(picture, names, len(spec.seeds))
        self.show_picture(picture, seconds)
