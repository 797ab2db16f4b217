"""resources/: the app icon in every size and format, the theme files the window applies, and
finding resources and bundled models both in a checkout and inside a PyInstaller bundle."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QPalette
from PySide6.QtSvg import QSvgRenderer

from studio import resources
from studio.app.style import (
    ICON_SIZES,
    app_icon,
    apply_style,
    style_sheet,
    theme_colours,
    theme_palette,
)
from studio.errors import StudioError
from studio.explore.catalog import (
    MODEL_FORMAT,
    default_models_root,
    find_bundled,
    list_bundled_models,
)

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"


@pytest.fixture
def app_as_it_was(qapp):
    """The application's style, palette and sheet restored after the test."""
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    yield qapp
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def frozen(tmp_path, monkeypatch):
    """Pretend to be an app frozen by PyInstaller, unpacked into tmp_path/bundle."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


def test_resources_are_found_in_the_checkout():
    assert resources.bundle_root() is None
    assert resources.resources_root() == ROOT / "resources"
    assert resources.resource_path("icons", "gan-studio.svg") == ICONS / "gan-studio.svg"
    assert default_models_root() == ROOT / "models"
    assert find_bundled("landscapes-64") == ROOT / "models" / "landscapes-64"


def test_a_missing_resource_says_which_and_where():
    with pytest.raises(StudioError, match=r"themes/sepia\.qss.*checkout.*reinstall") as caught:
        resources.resource_path("themes", "sepia.qss")
    assert str(ROOT / "resources" / "themes" / "sepia.qss") in str(caught.value)


def test_a_frozen_app_finds_resources_and_models_in_its_bundle(frozen):
    (frozen / "resources" / "themes").mkdir(parents=True)
    (frozen / "resources" / "themes" / "dark.json").write_text("{}", encoding="utf-8")
    model = frozen / "models" / "tiny"
    model.mkdir(parents=True)
    (model / "manifest.json").write_text(json.dumps(
        {"format": MODEL_FORMAT, "name": "tiny", "title": "Tiny"}), encoding="utf-8")
    assert resources.resources_root() == frozen / "resources"
    assert resources.resource_path("themes", "dark.json") == frozen / "resources/themes/dark.json"
    with pytest.raises(StudioError, match="app bundle is incomplete"):
        resources.resource_path("icons", "gan-studio.svg")  # the checkout's is not looked at
    assert default_models_root() == frozen / "models"
    assert [m.name for m in list_bundled_models()] == ["tiny"]
    assert find_bundled("tiny") == model


def test_the_icon_has_every_size_and_format(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(ICON_SIZES)
    for size in ICON_SIZES:
        image = QImage(str(ICONS / f"gan-studio-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # the tile is opaque
        assert image.pixelColor(0, 0).alpha() == 0  # outside its rounded corner: clear
        assert icon.pixmap(QSize(size, size)).width() == size
    assert QSvgRenderer(str(ICONS / "gan-studio.svg")).isValid()
    with Image.open(ICONS / "gan-studio.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "gan-studio.icns") as icns:
        assert icns.size == (1024, 1024)
        assert {(16, 16, 2), (128, 128, 1), (512, 512, 2)} <= set(icns.info["sizes"])


def test_the_desktop_entry_names_the_app_and_its_icon():
    lines = (ROOT / "resources" / "gan-studio.desktop").read_text(encoding="utf-8").splitlines()
    entry = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    assert lines[0] == "[Desktop Entry]"
    assert (entry["Name"], entry["Exec"], entry["Icon"]) == ("GAN Studio", "gan-studio",
                                                             "gan-studio")
    assert entry["Categories"] == "Graphics;2DGraphics;RasterGraphics;"
    assert entry["Terminal"] == "false"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_theme_applies_the_colours_and_sheet_of_its_files(app_as_it_was, theme):
    app = app_as_it_was
    apply_style(app, theme)
    spec = theme_colours(theme)
    palette = app.palette()
    assert spec["colors"] and spec["disabled"]
    for name, value in spec["colors"].items():
        role = QPalette.ColorRole[name]
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            assert palette.color(group, role).name() == value, (name, group)
        if name not in spec["disabled"]:
            assert palette.color(QPalette.ColorGroup.Disabled, role).name() == value
    for name, value in spec["disabled"].items():
        role = QPalette.ColorRole[name]
        assert palette.color(QPalette.ColorGroup.Disabled, role).name() == value
    own = (ROOT / "resources" / "themes" / f"{theme}.qss").read_text(encoding="utf-8")
    assert app.styleSheet() == style_sheet(theme) and own in app.styleSheet()
    assert "QFrame#variantCard" in app.styleSheet()  # the shared rules come too


def test_a_broken_theme_file_is_a_clear_error(qapp, frozen):
    themes = frozen / "resources" / "themes"
    themes.mkdir(parents=True)
    (themes / "dark.json").write_text('{"start": "empty", "colors": {"Windw": "#000000"}}',
                                      encoding="utf-8")
    with pytest.raises(StudioError, match="unknown palette role 'Windw'"):
        theme_palette("dark")
    (themes / "dark.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StudioError, match=r"dark\.json cannot be read"):
        theme_palette("dark")
    with pytest.raises(StudioError, match="no theme called 'sepia'"):
        theme_palette("sepia")
