"""Render the app icon (PNG sizes, Windows .ico, macOS .icns) from resources/icons/gan-studio.svg.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_icons.py

Each bitmap is drawn from the SVG at its own size by Qt's SVG renderer (crisper than scaling
one large bitmap down); Pillow packs those bitmaps into the .ico and .icns. Run it after editing
the SVG and commit what it writes.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "gan-studio.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 32, 48, 64, 128, 256)  # what Windows reads from an .ico
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # macOS's icon slots


def png_path(size: int) -> Path:
    """Where the PNG of `size`×`size` pixels lives."""
    return ICONS / f"gan-studio-{size}.png"


def render(size: int) -> Image.Image:
    """The SVG drawn at `size`×`size` pixels (transparent outside the tile), as RGBA."""
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> int:
    bitmaps = {size: render(size) for size in (*SIZES, 1024)}
    written = []
    for size in SIZES:
        bitmaps[size].save(png_path(size), optimize=True)
        written.append(png_path(size))
    ico = [bitmaps[s] for s in ICO_SIZES]
    ico[-1].save(ICONS / "gan-studio.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=ico[:-1])
    icns = [bitmaps[s] for s in ICNS_SIZES]  # 1024 is the 512 slot at double density
    icns[-1].save(ICONS / "gan-studio.icns", format="ICNS", append_images=icns[:-1])
    written += [ICONS / "gan-studio.ico", ICONS / "gan-studio.icns"]
    for path in written:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
