"""Config: round trips through TOML, and every kind of bad input names the key and the fix."""

from __future__ import annotations

import pytest

from studio.config import DataConfig, RunConfig, TrainConfig, load_toml, parse_value, save_toml
from studio.errors import ConfigError
from studio.model_configs import CganModelConfig, DcganModelConfig


def test_toml_round_trip_is_exact(tmp_path):
    config = RunConfig(variant="cgan", name="trial",
                       data=DataConfig(dataset="shapes", resolution=64, size=500),
                       model=CganModelConfig(backbone="mlp", d_condition="concat"),
                       train=TrainConfig(loss="hinge", lr_g=1e-4, steps=123))
    save_toml(config, tmp_path / "run.toml")
    assert load_toml(tmp_path / "run.toml") == config
    assert not list(tmp_path.glob("*.tmp"))


def test_defaults_pick_the_variant_model_config():
    assert isinstance(RunConfig(variant="dcgan").model, DcganModelConfig)
    assert isinstance(RunConfig(variant="gan").replace(variant="cgan").model, CganModelConfig)


@pytest.mark.parametrize(("raw", "words"), [
    ({"train": {"lr_g": -1}}, ["train.lr_g", "out of range", "1e-07"]),
    ({"train": {"loss": "wasserstein"}}, ["train.loss", "'minimax'", "'non-saturating'"]),
    ({"train": {"stepz": 5}}, ["'stepz'", "[train]", "steps"]),
    ({"colour": 1}, ["'colour'", "top level"]),
    ({"variant": "biggan"}, ["'biggan'", "dcgan"]),
    ({"data": {"resolution": "big"}}, ["resolution", "whole number"]),
    ({"train": {"steps": True}}, ["steps", "whole number"]),
    ({"model": {"backbone": "resnet"}, "variant": "cgan"}, ["model.backbone", "'conv'"]),
    ({"schema_version": 99}, ["schema_version", "newer"]),
    ({"data": 3}, ["[data]", "table"]),
])
def test_bad_values_raise_config_error_naming_key_and_allowed(raw, words):
    with pytest.raises(ConfigError) as info:
        RunConfig.from_dict(raw)
    for word in words:
        assert word in str(info.value)


def test_ints_are_accepted_for_float_fields():
    assert RunConfig.from_dict({"train": {"lr_g": 1}}).train.lr_g == 1.0


def test_field_metadata_drives_the_form():
    from dataclasses import fields

    for f in fields(TrainConfig):
        assert f.metadata["label"] and f.metadata["help"], f.name
    live = {f.name for f in fields(TrainConfig) if f.metadata["live"]}
    assert live == {"loss", "lr_g", "lr_d"}


def test_parse_value_converts_cli_text():
    assert parse_value(TrainConfig, "lr_g", "1e-4") == 1e-4
    assert parse_value(TrainConfig, "steps", "7") == 7
    with pytest.raises(ConfigError, match="not a whole number"):
        parse_value(TrainConfig, "steps", "seven")
    with pytest.raises(ConfigError, match="unknown setting 'nope'"):
        parse_value(TrainConfig, "nope", "1")


def test_broken_toml_file_is_a_config_error(tmp_path):
    (tmp_path / "bad.toml").write_text("[train\nsteps = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        load_toml(tmp_path / "missing.toml")
