"""The optional emoji dataset: present only with the system's colour emoji font, and a clear
message naming the package to install where the font is missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import studio.data
from studio.config import DataConfig
from studio.data import BUILTINS, EMOJI_FONT, EMOJI_PACKAGE, IMAGES, describe, open_dataset
from studio.errors import DatasetError

needs_font = pytest.mark.skipif(not EMOJI_FONT.is_file(),
                                reason=f"no colour emoji font at {EMOJI_FONT} "
                                       f"(apt-get install {EMOJI_PACKAGE})")


@pytest.fixture
def no_font(monkeypatch, tmp_path):
    """A machine without the font: the path points at a missing file, the set unregistered."""
    missing = tmp_path / "NotoColorEmoji.ttf"
    monkeypatch.setattr(studio.data, "EMOJI_FONT", missing)
    monkeypatch.delitem(BUILTINS, "emoji", raising=False)
    return missing


def test_missing_font_names_the_package(no_font: Path) -> None:
    from studio.data.emoji import make_emoji

    cfg = DataConfig(dataset="emoji", resolution=32, size=32)
    for attempt in (lambda: open_dataset(cfg), lambda: describe(cfg),
                    lambda: make_emoji(8, 32)):
        with pytest.raises(DatasetError, match=EMOJI_PACKAGE) as info:
            attempt()
        assert str(no_font) in str(info.value)


def test_registered_exactly_when_the_font_exists() -> None:
    assert ("emoji" in BUILTINS) == EMOJI_FONT.is_file()


@needs_font
@pytest.mark.parametrize("resolution", [16, 32, 64])
def test_shape_labels_and_range(resolution: int) -> None:
    from studio.data.emoji import EMOJI_CLASSES, make_emoji

    data = make_emoji(70, resolution, seed=1)
    assert data.name == "emoji" and data.kind == IMAGES
    assert data.samples.shape == (70, 3, resolution, resolution)
    assert data.samples.dtype == torch.uint8
    assert data.classes == EMOJI_CLASSES and len(set(EMOJI_CLASSES)) == len(EMOJI_CLASSES)
    assert data.labels.tolist() == [i % len(EMOJI_CLASSES) for i in range(70)]
    assert float(data.samples.float().flatten(1).std(1).min()) > 10.0  # an emoji is drawn


@needs_font
def test_deterministic_prefix_and_seeded() -> None:
    from studio.data.emoji import make_emoji

    a, b = make_emoji(40, 32, seed=3), make_emoji(100, 32, seed=3)
    assert torch.equal(a.samples, b.samples[:40]) and torch.equal(a.labels, b.labels[:40])
    assert torch.equal(a.samples, make_emoji(40, 32, seed=3).samples)
    assert not torch.equal(a.samples, make_emoji(40, 32, seed=4).samples)


@needs_font
def test_background_is_plain_and_varies() -> None:
    """Corners show the plain background; it changes from sample to sample."""
    from studio.data.emoji import make_emoji

    x = make_emoji(64, 64, seed=0).samples.float()  # [N, 3, H, W]
    corners = torch.stack([x[:, :, 0, 0], x[:, :, 0, -1], x[:, :, -1, 0], x[:, :, -1, -1]])
    assert float((corners - corners[0]).abs().max()) == 0.0  # same colour in every corner
    assert len({tuple(c.tolist()) for c in corners[0]}) > 50
    centre = x[:, :, 24:40, 24:40].mean((2, 3))
    assert float((centre - corners[0]).abs().sum(1).mean()) > 60.0  # the emoji covers the middle


@needs_font
def test_samples_of_one_class_vary_in_size_and_place() -> None:
    """The emoji's bounding box (pixels unlike the background) moves and grows per sample."""
    from studio.data.emoji import EMOJI_CLASSES, make_emoji

    k = len(EMOJI_CLASSES)
    x = make_emoji(12 * k, 64, seed=2).samples.float()[::k]  # 12 grinning faces
    foreground = (x - x[:, :, :1, :1]).abs().sum(1) > 30  # [12, H, W]
    boxes = set()
    for mask in foreground:
        rows, cols = mask.any(1).nonzero()[:, 0], mask.any(0).nonzero()[:, 0]
        boxes.add((int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])))
        assert 0.55 * 64 < int(cols[-1] - cols[0]) + 1 < 0.9 * 64  # scaled, never clipped
    assert len(boxes) > 6


@needs_font
def test_open_and_describe() -> None:
    cfg = DataConfig(dataset="emoji", resolution=32, size=64, channels="gray")
    data = open_dataset(cfg)
    assert data.samples.shape == (64, 1, 32, 32)
    info = describe(cfg, previews=4)
    assert info.name == "emoji" and info.count == 64 and info.channels == 1
    assert info.previews.shape == (4, 32, 32, 3) and info.previews.dtype == np.uint8
    assert sum(info.class_counts) == 64 and len(info.classes) == len(info.class_counts)


@needs_font
def test_bad_resolution_raises() -> None:
    from studio.data.emoji import make_emoji

    with pytest.raises(DatasetError, match="16 to 256 px"):
        make_emoji(4, 512)
