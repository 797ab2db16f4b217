"""The built-in landscapes dataset: determinism, prefix property, labels, and scenes that read
as landscapes (bright sky over darker ground, night darker than day, same place at any size)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.config import DataConfig
from studio.data import BUILTINS, IMAGES, describe, open_dataset
from studio.data.landscapes import LANDSCAPE_CLASSES, _disc, _edge, _grid, make_landscapes
from studio.errors import DatasetError

_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)


def _luma(samples: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 3, H, W] → float luma [N, H, W]."""
    return (samples.float() * _LUMA).sum(1)


@pytest.fixture(scope="module")
def scenes64():
    return make_landscapes(120, 64, seed=3)


@pytest.mark.parametrize("resolution", [16, 32, 64])
def test_shape_dtype_and_range(resolution: int) -> None:
    data = make_landscapes(12, resolution, seed=1)
    assert data.name == "landscapes" and data.kind == IMAGES and data.source == "built-in"
    assert data.samples.shape == (12, 3, resolution, resolution)
    assert data.samples.dtype == torch.uint8
    assert data.labels is not None and data.labels.dtype == torch.int64
    assert data.classes == LANDSCAPE_CLASSES
    x, _ = data.batch(torch.arange(12))
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    assert float(data.samples.float().flatten(1).std(1).min()) > 5.0  # never a flat picture


def test_odd_sizes_and_gray() -> None:
    assert make_landscapes(4, 48).samples.shape == (4, 3, 48, 48)
    assert make_landscapes(4, 24, channels="gray").samples.shape == (4, 1, 24, 24)


@pytest.mark.parametrize("resolution", [8, 15, 513])
def test_bad_resolution_raises(resolution: int) -> None:
    with pytest.raises(DatasetError, match=f"16 to 512 px; got {resolution}"):
        make_landscapes(4, resolution)


def test_bad_size_and_channels_raise() -> None:
    with pytest.raises(DatasetError, match="at least one image"):
        make_landscapes(0, 32)
    with pytest.raises(DatasetError, match="channels"):
        make_landscapes(4, 32, channels="cmyk")


def test_deterministic_per_seed() -> None:
    a, b = make_landscapes(40, 32, seed=7), make_landscapes(40, 32, seed=7)
    assert torch.equal(a.samples, b.samples) and torch.equal(a.labels, b.labels)
    other = make_landscapes(40, 32, seed=8)
    assert not torch.equal(a.samples, other.samples)
    assert (a.samples.float() - other.samples.float()).abs().mean() > 10.0


def test_smaller_dataset_is_a_prefix() -> None:
    # 300 images at 32 px span several render chunks, so chunk borders are covered too
    small, large = make_landscapes(70, 32, seed=5), make_landscapes(300, 32, seed=5)
    assert torch.equal(small.samples, large.samples[:70])
    assert torch.equal(small.labels, large.labels[:70])


def test_images_vary() -> None:
    flat = make_landscapes(40, 16, seed=2).samples.flatten(1)
    assert len({bytes(row.numpy()) for row in flat}) == 40


def test_labels_cover_all_classes() -> None:
    data = make_landscapes(400, 16, seed=0)
    assert int(data.labels.min()) >= 0 and int(data.labels.max()) < len(LANDSCAPE_CLASSES)
    counts = torch.bincount(data.labels, minlength=len(LANDSCAPE_CLASSES))
    assert counts.tolist() == [100] * len(LANDSCAPE_CLASSES)


def test_sky_is_brighter_than_ground(scenes64) -> None:
    """In every scene the top third (sky) is brighter than the bottom rows (foreground)."""
    luma = _luma(scenes64.samples)  # [N, H, W]
    sky, ground = luma[:, :21].mean((1, 2)), luma[:, -8:].mean((1, 2))
    day = scenes64.labels == LANDSCAPE_CLASSES.index("day")
    assert float((sky - ground)[day].min()) > 15.0
    assert float((sky - ground).min()) > 0.0


def test_time_of_day_orders_brightness(scenes64) -> None:
    """Day is brighter than sunset, sunset than dusk, dusk than night, on average."""
    luma = _luma(scenes64.samples).mean((1, 2))  # [N]
    means = [float(luma[scenes64.labels == c].mean()) for c in range(len(LANDSCAPE_CLASSES))]
    assert means == sorted(means, reverse=True), means
    assert means[0] - means[-1] > 60.0


def test_night_has_stars_and_day_has_none(scenes64) -> None:
    """Stars are isolated pixels much brighter than all their neighbours, seen at night."""
    luma = _luma(scenes64.samples)[:, :24]  # [N, 24, W] upper sky
    padded = torch.nn.functional.pad(luma[:, None], (1, 1, 1, 1), mode="replicate")[:, 0]
    shifts = [padded[:, 1 + dy:25 + dy, 1 + dx:65 + dx]
              for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
    brightest_neighbour = torch.stack(shifts).amax(0)  # [N, 24, W]
    spikes = ((luma - brightest_neighbour) > 20.0).flatten(1).sum(1)  # [N]
    night = scenes64.labels == LANDSCAPE_CLASSES.index("night")
    day = scenes64.labels == LANDSCAPE_CLASSES.index("day")
    assert float(spikes[night].float().mean()) > 3.0
    assert float(spikes[day].float().mean()) < 0.5  # at most a stray snowy peak or cloud tip


def test_day_skies_are_blue(scenes64) -> None:
    top = scenes64.samples[:, :, :6].float().mean((2, 3))  # [N, 3] mean colour of the top rows
    day = top[scenes64.labels == LANDSCAPE_CLASSES.index("day")]
    assert bool((day[:, 2] > day[:, 0] + 30).all())


def test_same_scene_at_every_size() -> None:
    """The scene lives in continuous coordinates: a 64 px image box-filtered to 32 px is close
    to the 32 px image of the same (seed, i), far closer than another seed's."""
    big = make_landscapes(24, 64, seed=3).samples.float()
    small = make_landscapes(24, 32, seed=3).samples.float()
    other = make_landscapes(24, 32, seed=4).samples.float()
    same = (torch.nn.functional.avg_pool2d(big, 2) - small).abs().mean()
    assert float(same) < 4.0
    assert float((other - small).abs().mean()) > 4 * float(same)


def test_edges_are_antialiased() -> None:
    """Edge coverage is fractional and integrates to the exact area under the curve."""
    resolution = 32
    xs = _grid(resolution)
    top = (0.3 + 0.4 * xs + 0.05 * np.sin(9.0 * xs))[None].astype(np.float32)  # [1, R]
    cover = _edge(xs, top, resolution)[0]  # [R, R]
    assert ((cover > 0.05) & (cover < 0.95)).sum() > resolution // 2  # in-between pixels
    area = cover.sum(0) / resolution  # [R] covered fraction of each column
    assert np.abs(area - (1.0 - top[0])).max() < 0.02
    one = np.array([0.5], dtype=np.float32)
    disc = _disc(xs, one, one, np.array([0.3], dtype=np.float32), resolution)[0]
    assert abs(disc.sum() / resolution**2 - np.pi * 0.09) < 0.005
    assert ((disc > 0.05) & (disc < 0.95)).sum() > 40


def test_registered_and_openable() -> None:
    assert "landscapes" in BUILTINS and BUILTINS["landscapes"].kind == IMAGES
    cfg = DataConfig(dataset="landscapes", resolution=32, size=64, seed=2)
    data = open_dataset(cfg)
    assert data.samples.shape == (64, 3, 32, 32)
    assert torch.equal(data.samples, make_landscapes(64, 32, seed=2).samples)
    info = describe(cfg, previews=8)
    assert info.name == "landscapes" and info.kind == IMAGES and info.count == 64
    assert info.classes == LANDSCAPE_CLASSES and info.class_counts == (16, 16, 16, 16)
    assert info.resolution == 32 and info.channels == 3
    assert info.previews.shape == (8, 32, 32, 3) and info.previews.dtype == np.uint8
    gray = describe(DataConfig(dataset="landscapes", resolution=32, size=64, channels="gray"))
    assert gray.channels == 1 and gray.previews.shape[-1] == 3
