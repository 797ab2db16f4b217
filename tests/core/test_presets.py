"""Every preset makes a valid config for every variant and kind of data it can train on."""

from __future__ import annotations

import pytest

from studio.config import RunConfig
from studio.presets import (
    PRESETS,
    SMALL_AUGMENT,
    SMALL_FOLDER,
    DataFacts,
    preset_note,
    preset_overrides,
)
from studio.variants import VARIANTS


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("kind", ["points", "images"])
def test_presets_build_valid_configs(preset, variant, kind):
    info = VARIANTS[variant]
    if kind not in info.data_kinds:
        pytest.skip(f"{variant} does not train on {kind}")
    over = preset_overrides(preset, variant, kind)
    base = RunConfig(variant=variant).to_dict()
    for section in ("data", "model", "train"):
        base[section].update(over[section])
    config = RunConfig.from_dict(base)
    if kind == "images" and info.resolutions:
        assert config.data.resolution in info.resolutions
    quick = preset == "Quick look"
    assert (config.train.steps <= 1500) == quick


@pytest.mark.parametrize("kind", ["points", "images"])
def test_model_overrides_only_name_fields_the_variant_has(kind):
    # a points preset asked for while DCGAN is selected must not break DCGAN's settings
    assert "hidden" not in preset_overrides("Quick look", "dcgan", kind)["model"]
    assert preset_overrides("Quick look", "gan", "points")["model"] == {"hidden": 128,
                                                                        "layers": 4}


def test_points_presets_share_one_recipe_and_image_presets_keep_theirs():
    # the measured 2-D recipe (tests/slow/test_mode_coverage.py, README table)
    quick = preset_overrides("Quick look", "gan", "points")["train"]
    quality = preset_overrides("Quality", "gan", "points")["train"]
    for train in (quick, quality):
        assert (train["beta1"], train["batch_size"], train["r1_gamma"]) == (0.0, 512, 0.01)
        assert train["lr_d"] == 2 * train["lr_g"]
    assert (quick["steps"], quality["steps"]) == (1500, 6000)
    assert 0 < quick["ema_decay"] < quality["ema_decay"]
    images = preset_overrides("Quality", "gan", "images")
    assert "beta1" not in images["train"] and images["model"] == {"hidden": 1024}


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="Quick look"):
        preset_overrides("Fast", "gan", "points")


def test_quick_look_stylegan_is_small_enough_for_a_cpu():
    # full width costs about 7 s a step at 32 px on one core; this recipe about 0.1 s
    over = preset_overrides("Quick look", "stylegan", "images")
    assert over["model"]["channel_base"] <= 512 and over["model"]["max_channels"] <= 32
    assert over["train"]["batch_size"] <= 16 and over["data"]["resolution"] == 32
    assert over["train"]["steps"] <= 1000


def test_cgan_on_points_gets_the_mlp_backbone():
    assert preset_overrides("Quick look", "cgan", "points")["model"]["backbone"] == "mlp"
    assert "backbone" not in preset_overrides("Quick look", "cgan", "images")["model"]


@pytest.mark.parametrize(("side", "resolution"), [(0, 64), (40, 32), (64, 64), (100, 64),
                                                    (128, 128), (500, 128)])
def test_quality_on_a_small_folder_augments_at_the_largest_size_the_images_allow(side,
                                                                                resolution):
    facts = DataFacts(count=300, image_side=side, builtin=False)
    over = preset_overrides("Quality", "stylegan", "images", facts)
    assert over["model"]["augment"] == SMALL_AUGMENT
    assert over["data"]["resolution"] == resolution
    assert "300 images" in preset_note("Quality", "stylegan", "images", facts)


@pytest.mark.parametrize("facts", [DataFacts(count=300, image_side=256, builtin=True),
                                   DataFacts(count=SMALL_FOLDER, image_side=256, builtin=False),
                                   None])
def test_large_or_built_in_sets_keep_the_quality_recipe(facts):
    over = preset_overrides("Quality", "stylegan", "images", facts)
    assert over["model"]["augment"] == "none" and over["data"]["resolution"] == 64
    assert preset_note("Quality", "stylegan", "images", facts) == ""


def test_quick_look_ignores_folder_size_and_other_variants_are_told_why():
    facts = DataFacts(count=200, image_side=256, builtin=False)
    assert preset_overrides("Quick look", "stylegan", "images", facts)["model"]["augment"] == \
        "none"
    assert preset_note("Quick look", "stylegan", "images", facts) == ""
    for variant in ("dcgan", "cgan"):  # conv variants augment a small folder too
        assert preset_overrides("Quality", variant, "images", facts)["model"]["augment"] == \
            SMALL_AUGMENT
        assert "augmentation" in preset_note("Quality", variant, "images", facts)
    note = preset_note("Quality", "gan", "images", facts)  # the MLP GAN has no augmentation
    assert "200 images" in note and "has none" in note
    assert "augment" not in preset_overrides("Quality", "gan", "images", facts)["model"]
