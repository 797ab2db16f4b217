"""Bad settings get one line `gan-studio: error: …` and exit status 2, wherever they enter.

The cases are generated from the config metadata (every field of every settings class), so a
setting added later is covered without editing this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from typing import Any, get_type_hints

import pytest

from studio.cli import build_parser, main
from studio.config import DataConfig, TrainConfig, check_value
from studio.train.base import LIVE_SETTINGS, check_live_change
from studio.variants import VARIANTS

NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _sections() -> list[tuple[str, type]]:
    """(variant, settings class) for the data and train sections and every model config."""
    out: list[tuple[str, type]] = [("gan", DataConfig), ("gan", TrainConfig)]
    return out + [(name, v.model_config) for name, v in VARIANTS.items()]


def _fields_of(kind: type | None) -> list[tuple[str, type, Any]]:
    """(variant, class, field) for every field whose type is `kind` (None: every field)."""
    out = []
    for variant, cls in _sections():
        hints = get_type_hints(cls)
        out += [(variant, cls, f) for f in fields(cls) if kind is None or hints[f.name] is kind]
    return out


FLOAT_FIELDS = _fields_of(float)
ALL_FIELDS = _fields_of(None)


def _id(case: tuple[str, type, Any]) -> str:
    return f"{case[0]}-{case[1].SECTION}.{case[2].name}"


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The run's stderr, asserted to be exactly one `gan-studio: error:` line."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gan-studio: error: "), err
    return lines[0]


def _toml_value(value: Any) -> str:
    """`value` written as TOML (strings quoted, floats as TOML's nan/inf)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_there_are_float_settings_to_check() -> None:
    """The generator finds the float settings (so an empty parametrisation cannot pass)."""
    keys = {f"{c.SECTION}.{f.name}" for _, c, f in FLOAT_FIELDS}
    assert {"train.lr_g", "train.gp_weight", "train.ema_decay", "train.r1_gamma",
            "model.mixing_prob"} <= keys


@pytest.mark.parametrize("text", list(NON_FINITE))
@pytest.mark.parametrize("case", FLOAT_FIELDS, ids=_id)
def test_non_finite_via_set(case, text, tmp_path, capsys) -> None:
    """`--set train.lr_g=nan` (and every other float setting, ±inf too) is refused by name."""
    variant, cls, f = case
    key = f"{cls.SECTION}.{f.name}"
    rc = main(["train", "--variant", variant, "--set", f"{key}={text}",
               "--out", str(tmp_path / "run"), "--quiet"])
    line = _one_error_line(capsys)
    assert rc == 2
    assert f"{key} = {text}" in line and "not a finite number" in line, line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text", list(NON_FINITE))
@pytest.mark.parametrize("case", FLOAT_FIELDS, ids=_id)
def test_non_finite_via_toml(case, text, tmp_path, capsys) -> None:
    """The same values written in a run.toml given to --config."""
    variant, cls, f = case
    toml = tmp_path / "run.toml"
    toml.write_text(f'variant = "{variant}"\n[{cls.SECTION}]\n{f.name} = {text}\n')
    rc = main(["train", "--config", str(toml), "--out", str(tmp_path / "run"), "--quiet"])
    line = _one_error_line(capsys)
    assert rc == 2
    assert f"{cls.SECTION}.{f.name} = {text}" in line and "not a finite number" in line, line


@pytest.mark.parametrize("case", FLOAT_FIELDS, ids=_id)
def test_non_finite_in_the_shared_check(case) -> None:
    """check_value, which the studio's form and live changes also call, refuses them too."""
    from studio.errors import ConfigError

    _, cls, f = case
    for value in NON_FINITE.values():
        with pytest.raises(ConfigError, match="not a finite number"):
            check_value(f, value, f"{cls.SECTION}.{f.name}")


@pytest.mark.parametrize("key", [k for k in LIVE_SETTINGS
                                 if get_type_hints(TrainConfig)[k] is float])
def test_non_finite_live_change(key) -> None:
    """A live change (studio slider, doctor's fix) of a float setting to NaN or ±inf."""
    from studio.errors import ConfigError

    for value in NON_FINITE.values():
        with pytest.raises(ConfigError, match=f"train.{key} = .* not a finite number"):
            check_live_change(key, value)


def _wrong_type(hint: Any) -> Any:
    return {int: "many", float: "fast", str: 5, bool: "maybe"}[hint]


@pytest.mark.parametrize("case", ALL_FIELDS, ids=_id)
def test_wrong_type_in_toml_names_the_set_key(case, tmp_path, capsys) -> None:
    """A value of the wrong type names the setting as --set spells it (`train.steps`)."""
    variant, cls, f = case
    value = _wrong_type(get_type_hints(cls)[f.name])
    toml = tmp_path / "run.toml"
    toml.write_text(f'variant = "{variant}"\n[{cls.SECTION}]\n{f.name} = {_toml_value(value)}\n')
    rc = main(["train", "--config", str(toml), "--out", str(tmp_path / "run"), "--quiet"])
    line = _one_error_line(capsys)
    assert rc == 2
    assert f"{cls.SECTION}.{f.name} " in line and "Config." not in line, line


def test_wrong_type_via_set_names_the_set_key(tmp_path, capsys) -> None:
    rc = main(["train", "--set", "train.steps=many", "--out", str(tmp_path / "run")])
    line = _one_error_line(capsys)
    assert rc == 2 and "train.steps = 'many' is not a whole number" in line, line


@pytest.mark.parametrize("args", [["--set", "data.dataset="], ["--set", "data.dataset=  "],
                                  ["--dataset", ""]], ids=["set", "blank", "flag"])
def test_empty_dataset_is_an_error(args, tmp_path, monkeypatch, capsys) -> None:
    """An empty dataset name does not mean "the current folder"."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.png").write_bytes(b"")  # what the current folder would have offered
    rc = main(["train", *args, "--steps", "2", "--out", str(tmp_path / "run"), "--quiet"])
    line = _one_error_line(capsys)
    assert rc == 2 and "data.dataset is empty" in line and "gan-studio list" in line, line
    assert not (tmp_path / "run").exists()


def test_empty_dataset_in_toml(tmp_path, capsys) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text('[data]\ndataset = ""\n')
    rc = main(["train", "--config", str(toml), "--out", str(tmp_path / "run")])
    assert rc == 2 and "data.dataset is empty" in _one_error_line(capsys)


@pytest.mark.parametrize("value", ['"x"', "1.5", "true", "0"])
def test_schema_version_of_a_wrong_type(value, tmp_path, capsys) -> None:
    """`schema_version = "x"` is a wrong value, not a config from a newer GAN Studio."""
    toml = tmp_path / "run.toml"
    toml.write_text(f"schema_version = {value}\n")
    rc = main(["train", "--config", str(toml), "--out", str(tmp_path / "run")])
    line = _one_error_line(capsys)
    assert rc == 2 and "schema_version must be a whole number" in line, line
    assert "newer" not in line


def test_schema_version_from_the_future(tmp_path, capsys) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text("schema_version = 99\n")
    assert main(["train", "--config", str(toml)]) == 2
    assert "newer than this GAN Studio" in _one_error_line(capsys)


def test_train_help_explains_every_option_and_gives_examples(capsys) -> None:
    """Every option of `train --help` has a text, the settings' name their --set key, and an
    epilog shows examples."""
    parser = build_parser()
    train = next(a for a in parser._subparsers._group_actions
                 if a.dest == "command").choices["train"]
    silent = [a.option_strings for a in train._actions if not a.help]
    assert silent == []
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # joined across argparse's wrapping
    for key in ("train.steps", "train.batch_size", "data.resolution", "train.seed"):
        assert f"--set {key}=" in out
    assert "examples: gan-studio train --variant gan --dataset ring8" in out
    assert "SIGTERM" in out


def test_cgan_on_points_says_what_to_paste(tmp_path, capsys, one_thread) -> None:
    """The conv backbone on 2-D points names the fix as a person would type it."""
    rc = main(["train", "--variant", "cgan", "--dataset", "ring8", "--steps", "2",
               "--set", "data.size=64", "--out", str(tmp_path / "run"), "--quiet"])
    line = _one_error_line(capsys)
    assert rc == 2 and "--set model.backbone=mlp" in line, line


def test_nan_learning_rate_in_a_real_process(tmp_path) -> None:
    """The installed command itself: one line and status 2, not Adam's traceback (~1.5 s)."""
    env = {**os.environ, "GAN_STUDIO_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "studio.cli", "train", "--variant", "gan", "--dataset", "ring8",
         "--steps", "20", "--set", "data.size=512", "--set", "train.lr_g=nan",
         "--out", str(tmp_path / "run"), "--quiet"],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "gan-studio: error: train.lr_g = nan is not a finite number; allowed: 1e-07 to 1.0"]
    assert not (tmp_path / "run").exists()
