"""Loading a local image folder: labels, skipped files, mode handling, resizing, errors."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from studio.data.base import IMAGES, Dataset
from studio.data.folder import IMAGE_EXTENSIONS, load_folder, looks_like_image_folder
from studio.errors import ConfigError, DatasetError

RES = 16


def _noise(h: int, w: int, seed: int, channels: int = 3) -> np.ndarray:
    shape = (h, w, channels) if channels > 1 else (h, w)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _save(path: Path, img: Image.Image, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kwargs)
    return path


def _rgba_half_transparent() -> Image.Image:
    """Left half fully transparent black, right half opaque blue."""
    pixels = np.zeros((32, 32, 4), dtype=np.uint8)
    pixels[:, 16:] = (0, 0, 255, 255)
    return Image.fromarray(pixels, "RGBA")


def _palette(transparent: bool) -> Image.Image:
    img = Image.new("P", (20, 20), 1)
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    img.paste(0, (0, 0, 10, 20))  # left half index 0, right half index 1
    if transparent:
        img.info["transparency"] = 0
    return img


def _gray16() -> Image.Image:
    """24×24 16-bit gray: three 8-px bands of 0, 32768 and 65535."""
    bands = np.repeat(np.array([0, 32768, 65535], dtype=np.uint16), 8)
    return Image.fromarray(np.tile(bands, (24, 1)))


def _truncated_png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.fromarray(_noise(64, 64, 7)).save(buffer, format="PNG")
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    """cats/ and dogs/ with good images plus every kind of unusable file."""
    root = tmp_path / "pets"
    cats, dogs = root / "cats", root / "dogs"
    _save(cats / "a.png", Image.fromarray(_noise(32, 32, 1)))
    _save(cats / "b.jpg", Image.fromarray(_noise(30, 40, 2)), quality=90)
    _save(cats / "rgba.png", _rgba_half_transparent())
    _save(cats / "palette.png", _palette(transparent=False))
    _save(cats / "nested" / "deeper" / "deep.png", Image.fromarray(_noise(20, 20, 3)))
    _save(dogs / "c.png", Image.fromarray(_noise(24, 24, 4)))
    _save(dogs / "g16.png", _gray16())
    _save(dogs / "gray.png", Image.fromarray(_noise(24, 24, 5, channels=1)))
    _truncated_png(dogs / "truncated.png")
    (dogs / "empty.jpg").write_bytes(b"")
    (dogs / "notes.jpg").write_text("these are not pixels\n")
    (dogs / "readme.txt").write_text("hello\n")
    _save(dogs / "tiny.png", Image.new("RGB", (1, 1), "red"))
    _save(dogs / "long.png", Image.new("L", (4000, 20), 128))
    # a subfolder with nothing usable is not a class; hidden files and folders are ignored
    (root / "docs").mkdir()
    (root / "docs" / "info.txt").write_text("about the data\n")
    (root / ".DS_Store").write_bytes(b"\0\1\2")
    _save(root / ".cache" / "thumb.png", Image.fromarray(_noise(16, 16, 6)))
    return root


def _reasons(ds: Dataset, root: Path) -> dict[str, str]:
    return {Path(s.path).relative_to(root).as_posix(): s.reason for s in ds.skipped}


def _single(tmp_path: Path, name: str, img: Image.Image, channels: str = "auto",
            resolution: int = RES, **kwargs: object) -> Dataset:
    root = tmp_path / "single"
    _save(root / name, img, **kwargs)
    ds = load_folder(root, resolution, channels)
    assert len(ds) == 1 and not ds.skipped
    return ds


def test_class_folder_labels_shapes_and_skips(class_folder: Path) -> None:
    ds = load_folder(class_folder, RES)
    assert ds.kind == IMAGES and ds.name == "pets" and ds.source == str(class_folder)
    assert ds.classes == ("cats", "dogs")
    assert ds.samples.dtype == torch.uint8
    assert ds.samples.shape == (8, 3, RES, RES)  # a colour image is present, so auto → RGB
    assert ds.labels is not None and ds.labels.dtype == torch.int64
    assert ds.labels.tolist() == [0] * 5 + [1] * 3  # nested images count for their class
    assert ds.num_classes == 2
    reasons = _reasons(ds, class_folder)
    assert set(reasons) == {"dogs/truncated.png", "dogs/empty.jpg", "dogs/notes.jpg",
                            "dogs/readme.txt", "dogs/tiny.png", "dogs/long.png",
                            "docs/info.txt"}
    assert "damaged or incomplete" in reasons["dogs/truncated.png"]
    assert reasons["dogs/empty.jpg"] == "empty file (0 bytes)"
    assert reasons["dogs/notes.jpg"].startswith("not an image")
    assert ".jpg" in reasons["dogs/notes.jpg"]
    assert reasons["dogs/readme.txt"].startswith("not an image")
    assert reasons["docs/info.txt"].startswith("not an image")
    assert reasons["dogs/tiny.png"] == (
        "too small: 1×1 px; images need at least 8 px on each side")
    assert reasons["dogs/long.png"] == (
        "too elongated: 4000×20 px; a centre crop would keep under 1/8 of it")


def test_batch_lies_in_minus_one_to_one(class_folder: Path) -> None:
    ds = load_folder(class_folder, RES)
    x, labels = ds.batch(torch.arange(len(ds)))
    assert x.dtype == torch.float32 and x.shape == (8, 3, RES, RES)
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    assert labels is not None and torch.equal(labels, ds.labels)


def test_loading_twice_gives_identical_results(class_folder: Path) -> None:
    first, second = load_folder(class_folder, RES), load_folder(class_folder, RES)
    assert torch.equal(first.samples, second.samples)
    assert first.labels is not None and second.labels is not None
    assert torch.equal(first.labels, second.labels)
    assert first.skipped == second.skipped


def test_channel_choices(class_folder: Path) -> None:
    assert load_folder(class_folder, RES, "rgb").samples.shape == (8, 3, RES, RES)
    gray = load_folder(class_folder, RES, "gray")
    assert gray.samples.shape == (8, 1, RES, RES) and gray.samples.dtype == torch.uint8
    with pytest.raises(ConfigError, match="channels"):
        load_folder(class_folder, RES, "cmyk")


def test_other_resolutions(class_folder: Path) -> None:
    for resolution in (8, 32, 64):
        ds = load_folder(class_folder, resolution)
        assert ds.samples.shape == (8, 3, resolution, resolution)


def test_root_image_is_skipped_when_class_folders_exist(class_folder: Path) -> None:
    _save(class_folder / "stray.png", Image.fromarray(_noise(16, 16, 9)))
    ds = load_folder(class_folder, RES)
    assert len(ds) == 8
    assert _reasons(ds, class_folder)["stray.png"] == (
        "not inside a class folder; move it into one of the class subfolders")


def test_flat_folder_is_unlabelled(tmp_path: Path) -> None:
    for i in range(3):
        _save(tmp_path / "flat" / f"{i}.png", Image.fromarray(_noise(20, 30, i)))
    (tmp_path / "flat" / "list.csv").write_text("a,b\n")
    ds = load_folder(tmp_path / "flat", RES)
    assert ds.labels is None and ds.classes == () and ds.num_classes == 0
    assert ds.samples.shape == (3, 3, RES, RES)
    assert [Path(s.path).name for s in ds.skipped] == ["list.csv"]
    x, labels = ds.batch(torch.tensor([0, 2]))
    assert labels is None and x.shape == (2, 3, RES, RES)


def test_transparent_pixels_become_white(tmp_path: Path) -> None:
    pixels = _single(tmp_path, "rgba.png", _rgba_half_transparent()).samples[0]
    assert pixels[:, 0, 0].tolist() == [255, 255, 255]  # transparent half
    assert pixels[:, -1, -1].tolist() == [0, 0, 255]  # opaque blue half


def test_palette_images(tmp_path: Path) -> None:
    pixels = _single(tmp_path, "p.png", _palette(transparent=False), resolution=20).samples[0]
    assert pixels[:, 0, 0].tolist() == [10, 20, 30]
    assert pixels[:, -1, -1].tolist() == [200, 100, 50]
    see_through = _single(tmp_path / "t", "p.png", _palette(transparent=True), resolution=20)
    assert see_through.samples[0][:, 0, 0].tolist() == [255, 255, 255]  # index 0 is clear
    assert see_through.samples[0][:, -1, -1].tolist() == [200, 100, 50]


def test_16_bit_gray_is_scaled_not_clipped(tmp_path: Path) -> None:
    ds = _single(tmp_path, "g16.png", _gray16(), resolution=24)
    assert ds.samples.shape == (1, 1, 24, 24)  # gray only, so auto → 1 channel
    row = ds.samples[0, 0, 0]
    assert row[0] == 0 and row[23] == 255
    assert abs(int(row[8]) - 128) <= 1  # 32768 → about half brightness, not 255


@pytest.mark.parametrize(("array", "expected"), [
    (np.array([0, 1000, 40000, 65535], dtype=np.int32), [0, 4, 156, 255]),  # 16-bit data in "I"
    (np.array([0, 10, 100, 255], dtype=np.int32), [0, 10, 100, 255]),  # 8-bit data in "I"
    (np.array([0.0, 0.25, 0.5, 1.0], dtype=np.float32), [0, 64, 128, 255]),  # float [0, 1]
])
def test_deep_tiff_modes(tmp_path: Path, array: np.ndarray, expected: list[int]) -> None:
    img = Image.fromarray(np.tile(np.repeat(array, 4), (16, 1)))
    assert img.mode in ("I", "F")
    row = _single(tmp_path, "deep.tif", img).samples[0, 0, 0]
    assert row[::4].tolist() == expected


def test_gray_png_and_channel_conversion(tmp_path: Path) -> None:
    gray = Image.fromarray(_noise(RES, RES, 11, channels=1))
    auto = _single(tmp_path / "a", "g.png", gray)
    assert auto.samples.shape == (1, 1, RES, RES)
    assert torch.equal(auto.samples[0, 0], torch.from_numpy(np.array(gray)))
    rgb = _single(tmp_path / "b", "g.png", gray, channels="rgb")
    assert rgb.samples.shape == (1, 3, RES, RES)
    assert torch.equal(rgb.samples[0, 0], rgb.samples[0, 1])
    assert torch.equal(rgb.samples[0, 0], rgb.samples[0, 2])
    colour = Image.fromarray(_noise(RES, RES, 12))
    as_gray = _single(tmp_path / "c", "c.png", colour, channels="gray")
    assert torch.equal(as_gray.samples[0, 0], torch.from_numpy(np.array(colour.convert("L"))))


def test_rgb_file_without_colour_counts_as_gray(tmp_path: Path) -> None:
    img = Image.fromarray(_noise(RES, RES, 13, channels=1)).convert("RGB")
    assert _single(tmp_path, "g.png", img).samples.shape == (1, 1, RES, RES)


def test_cmyk_bilevel_and_large_jpeg(tmp_path: Path) -> None:
    cmyk = _single(tmp_path / "a", "c.jpg", Image.new("CMYK", (20, 20), (0, 255, 255, 0)))
    red = cmyk.samples[0][:, RES // 2, RES // 2].tolist()
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    bilevel = _single(tmp_path / "b", "b.png", Image.new("1", (20, 20), 1))
    assert bilevel.samples.shape == (1, 1, RES, RES) and int(bilevel.samples.min()) == 255
    big = Image.fromarray(np.full((1500, 2000, 3), (30, 160, 90), dtype=np.uint8))
    photo = _single(tmp_path / "c", "big.jpg", big, quality=95)
    assert photo.samples.shape == (1, 3, RES, RES)
    assert np.allclose(photo.samples[0][:, 8, 8].numpy(), [30, 160, 90], atol=4)


def test_crop_keeps_the_centre(tmp_path: Path) -> None:
    pixels = np.zeros((20, 60, 3), dtype=np.uint8)
    pixels[:, 20:40] = 255  # white centre square between black side bands
    ds = _single(tmp_path, "wide.png", Image.fromarray(pixels), resolution=20)
    assert int(ds.samples.min()) == 255


def test_folder_with_no_usable_images_explains_why(tmp_path: Path) -> None:
    root = tmp_path / "junk"
    root.mkdir()
    (root / "a.txt").write_text("text")
    (root / "b.jpg").write_bytes(b"")
    _save(root / "c.png", Image.new("RGB", (4, 4)))
    with pytest.raises(DatasetError) as caught:
        load_folder(root, RES)
    message = str(caught.value)
    assert f"No images found in {root}" in message
    assert "3 files were skipped" in message
    assert "a.txt: not an image" in message and "b.jpg: empty file (0 bytes)" in message
    assert ".png" in message and "subfolder per class" in message


def test_empty_missing_and_file_paths_raise(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"is empty.*subfolder per class"):
        load_folder(tmp_path / "empty", RES)
    with pytest.raises(DatasetError, match="does not exist"):
        load_folder(tmp_path / "nowhere", RES)
    picture = _save(tmp_path / "one.png", Image.new("RGB", (16, 16)))
    with pytest.raises(DatasetError, match="is a file, not a folder"):
        load_folder(picture, RES)
    with pytest.raises(ConfigError, match="resolution"):
        load_folder(tmp_path / "empty", 0)


def test_file_that_cannot_be_opened_is_reported(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "locked"
    _save(root / "ok.png", Image.fromarray(_noise(16, 16, 1)))
    secret = _save(root / "secret.png", Image.fromarray(_noise(16, 16, 2)))
    real_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    ds = load_folder(root, RES)
    assert len(ds) == 1
    assert [(Path(s.path).name, s.reason) for s in ds.skipped] == [
        ("secret.png", "cannot be read: Permission denied")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "locked"
    _save(root / "ok.png", Image.fromarray(_noise(16, 16, 1)))
    secret = _save(root / "secret.png", Image.fromarray(_noise(16, 16, 2)))
    secret.chmod(0)
    try:
        ds = load_folder(root, RES)
    finally:
        secret.chmod(0o644)
    assert len(ds) == 1
    assert [s.reason for s in ds.skipped] == ["cannot be read: Permission denied"]


def test_looks_like_image_folder(tmp_path: Path, class_folder: Path) -> None:
    assert looks_like_image_folder(class_folder)
    assert looks_like_image_folder(str(class_folder / "cats"))
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("x")
    assert not looks_like_image_folder(tmp_path / "texts")
    assert not looks_like_image_folder(tmp_path / "nowhere")
    assert not looks_like_image_folder(class_folder / "cats" / "a.png")
    hidden_only = tmp_path / "hidden"
    _save(hidden_only / ".thumbs" / "t.png", Image.new("RGB", (16, 16)))
    assert not looks_like_image_folder(hidden_only)
    assert isinstance(IMAGE_EXTENSIONS, frozenset) and ".png" in IMAGE_EXTENSIONS
