"""The New run tab's dataset list: built-ins, installed sets and added folders, with previews."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from studio.data import BUILTINS, system_datasets
from studio.export.images import image_grid

ROLE_DATASET = Qt.ItemDataRole.UserRole


class DatasetList(QListWidget):
    """One row per dataset; a row's data is the built-in's name or the folder's path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlternatingRowColors(True)
        self.setIconSize(QSize(40, 40))
        for b in BUILTINS.values():
            self.add_dataset(b.name, b.summary)
        for name, path in system_datasets().items():
            self.add_dataset(name, f"installed at {path}")

    def add_dataset(self, name: str, tip: str) -> QListWidgetItem:
        """A row named `name`; a folder icon until describe() sends a preview, so every row
        has the same height."""
        item = QListWidgetItem(self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon), name)
        item.setData(ROLE_DATASET, name)
        item.setToolTip(tip)
        self.addItem(item)
        return item

    def choose(self, name_or_path: str) -> bool:
        """Select a built-in by name, or add (once) and select a folder path, scrolled into
        view; True when a row was added."""
        found = next((self.item(i) for i in range(self.count())
                      if self.item(i).data(ROLE_DATASET) == name_or_path), None)
        item = found or self.add_dataset(Path(name_or_path).name or name_or_path, name_or_path)
        item.setData(ROLE_DATASET, name_or_path)
        self.setCurrentItem(item)
        self.scrollToItem(item)  # a new folder is seen where it was added
        return found is None

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the chosen row in view when the list shrinks (e.g. as a description with
        previews takes room below it)."""
        super().resizeEvent(event)
        if self.currentItem() is not None:
            self.scrollToItem(self.currentItem())

    def current_dataset(self) -> str:
        item = self.currentItem()
        return item.data(ROLE_DATASET) if item else "ring8"

    def set_thumbnail(self, desc: Any, item: QListWidgetItem | None = None) -> None:
        """Give a dataset's row (`item`, or the built-in named `desc.name`) a preview icon,
        its kind and classes."""
        target = item or next((self.item(i) for i in range(self.count())
                               if self.item(i).data(ROLE_DATASET) == desc.name), None)
        if target is None:
            return
        if desc.previews is not None and len(desc.previews):
            picture = np.ascontiguousarray(desc.previews[0])  # [H, W, 3] uint8
            h, w, _ = picture.shape
            image = QImage(picture.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            target.setIcon(QIcon(QPixmap.fromImage(image)))
        kind = "2-D points" if desc.kind == "points" else "images"
        target.setText(f"{desc.name}  ·  {kind}"
                       + (f", {len(desc.classes)} classes" if desc.classes else ""))


def description_html(desc: Any) -> str:
    """'<b>name</b><br>200 images · 64×64 RGB · unlabelled' for a dataset description."""
    what = (f"{desc.count:,} points in 2-D" if desc.kind == "points" else
            f"{desc.count:,} images · {desc.resolution}×{desc.resolution} "
            f"{'RGB' if desc.channels == 3 else 'grayscale'}")
    classes = f" · {len(desc.classes)} classes" if desc.classes else " · unlabelled"
    return f"<b>{desc.name}</b><br>{what}{classes}"


def preview_picture(desc: Any) -> np.ndarray:
    """The previews of an image set as one grid [H, W, 3], or a 2-D set's scatter picture."""
    if desc.kind != "images":
        return desc.previews[0]
    pictures = desc.previews.astype(np.float32) / 127.5 - 1.0  # [K, H, W, 3]
    return image_grid(pictures.transpose(0, 3, 1, 2), columns=8)
