"""The built-in shapes dataset: shapes, determinism, balance, and visible, distinct classes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from studio.data.base import IMAGES
from studio.data.shapes import (
    _BG_KIND,
    _NUM_UNIFORMS,
    SHAPE_CLASSES,
    _compose,
    _masks,
    _uniforms,
    make_shapes,
    render_mask,
)
from studio.errors import DatasetError


@pytest.mark.parametrize("resolution", [16, 32, 64, 128])
def test_shape_and_dtype(resolution: int) -> None:
    data = make_shapes(24, resolution, seed=3)
    assert data.name == "shapes" and data.kind == IMAGES and data.source == "built-in"
    assert data.samples.shape == (24, 3, resolution, resolution)
    assert data.samples.dtype == torch.uint8
    assert data.labels is not None and data.labels.dtype == torch.int64
    assert data.labels.shape == (24,)
    assert data.classes == SHAPE_CLASSES


def test_gray_has_one_channel() -> None:
    data = make_shapes(12, 32, channels="gray")
    assert data.samples.shape == (12, 1, 32, 32)
    assert make_shapes(12, 32, channels="rgb").samples.shape == (12, 3, 32, 32)


@pytest.mark.parametrize("resolution", [8, 48, 100, 256, 0])
def test_bad_resolution_raises(resolution: int) -> None:
    with pytest.raises(DatasetError, match=f"16, 32, 64 or 128 px; got {resolution}"):
        make_shapes(10, resolution)


def test_deterministic_per_seed() -> None:
    a, b = make_shapes(40, 32, seed=7), make_shapes(40, 32, seed=7)
    assert torch.equal(a.samples, b.samples) and torch.equal(a.labels, b.labels)
    other = make_shapes(40, 32, seed=8)
    assert not torch.equal(a.samples, other.samples)


def test_smaller_dataset_is_a_prefix() -> None:
    small, large = make_shapes(30, 16, seed=5), make_shapes(100, 16, seed=5)
    assert torch.equal(small.samples, large.samples[:30])
    assert torch.equal(small.labels, large.labels[:30])


def test_labels_balanced_and_in_range() -> None:
    assert len(SHAPE_CLASSES) >= 8 and len(set(SHAPE_CLASSES)) == len(SHAPE_CLASSES)
    data = make_shapes(len(SHAPE_CLASSES) * 7, 16)
    counts = torch.bincount(data.labels, minlength=data.num_classes)
    assert data.num_classes == len(SHAPE_CLASSES)
    assert counts.tolist() == [7] * len(SHAPE_CLASSES)
    assert int(data.labels.min()) >= 0 and int(data.labels.max()) < len(SHAPE_CLASSES)


def test_images_are_not_blank() -> None:
    data = make_shapes(200, 32, seed=1)
    std = data.samples.float().flatten(1).std(dim=1)  # [N]
    assert float(std.min()) > 10.0


def test_images_vary() -> None:
    data = make_shapes(50, 32, seed=2)
    flat = data.samples.flatten(1)
    assert len({bytes(row.numpy()) for row in flat}) == 50


@pytest.mark.parametrize("resolution", [16, 32])
def test_shape_contrasts_with_background_in_gray(resolution: int) -> None:
    """Pixels fully inside the shape differ in luma from every background pixel."""
    n = 100
    u = _uniforms(4, n)
    labels = np.arange(n) % len(SHAPE_CLASSES)
    masks = _masks(u, labels, resolution)  # [N, R, R]
    rgb = _compose(u, masks, resolution).astype(np.float64)  # [N, R, R, 3]
    luma = rgb @ np.array([0.299, 0.587, 0.114])  # [N, R, R]
    for i in range(n):
        inside, outside = luma[i][masks[i] == 255], luma[i][masks[i] == 0]
        assert inside.size > 0 and outside.size > 0, SHAPE_CLASSES[labels[i]]
        gap = np.abs(inside.mean() - outside).min()
        assert gap > 50.0, (i, SHAPE_CLASSES[labels[i]], gap)


def test_shape_centre_differs_from_corner() -> None:
    """Composited on a plain background, the shape's fullest pixel differs from a corner."""
    resolution = 32
    u = np.full((1, _NUM_UNIFORMS), 0.5)  # mid-range colours
    u[0, _BG_KIND] = 0.1  # solid background
    for index, name in enumerate(SHAPE_CLASSES):
        mask = render_mask(index, resolution, (16.0, 16.0), 11.0, 0.3)
        image = _compose(u, mask[None], resolution)[0].astype(int)  # [R, R, 3]
        y, x = np.unravel_index(np.argmax(mask), mask.shape)
        assert mask[y, x] == 255, name
        assert np.abs(image[y, x] - image[0, 0]).sum() > 60, name


def test_masks_are_antialiased() -> None:
    mask = render_mask(0, 32, (16.0, 16.0), 10.0, 0.0)
    partial = (mask > 0) & (mask < 255)
    assert partial.sum() > 10


def test_classes_have_distinct_masks() -> None:
    """Each pair of classes, drawn at the same place, size and angle, overlaps with IoU < 0.9."""
    masks = [render_mask(i, 64, (32.0, 32.0), 24.0, 0.0).astype(float) / 255.0
             for i in range(len(SHAPE_CLASSES))]
    for (a, ma), (b, mb) in itertools.combinations(enumerate(masks), 2):
        iou = np.minimum(ma, mb).sum() / np.maximum(ma, mb).sum()
        assert iou < 0.9, (SHAPE_CLASSES[a], SHAPE_CLASSES[b], iou)


def test_classes_stay_distinct_at_16px_under_rotation() -> None:
    """Even at 16 px and any rotation, no two classes' masks coincide (IoU < 0.9)."""
    for angle in (0.0, math.pi / 5, math.pi / 2):
        masks = [render_mask(i, 16, (8.0, 8.0), 6.0, angle).astype(float) / 255.0
                 for i in range(len(SHAPE_CLASSES))]
        for (a, ma), (b, mb) in itertools.combinations(enumerate(masks), 2):
            iou = np.minimum(ma, mb).sum() / np.maximum(ma, mb).sum()
            assert iou < 0.9, (angle, SHAPE_CLASSES[a], SHAPE_CLASSES[b], iou)


def test_batch_gives_floats_in_range() -> None:
    data = make_shapes(20, 32)
    x, labels = data.batch(torch.arange(8))
    assert x.dtype == torch.float32 and x.shape == (8, 3, 32, 32)
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    assert labels is not None and labels.tolist() == list(range(8))
