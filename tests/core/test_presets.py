"""Every preset makes a valid config for every variant and kind of data it can train on."""

from __future__ import annotations

import pytest

from studio.config import RunConfig
from studio.presets import PRESETS, preset_overrides
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
