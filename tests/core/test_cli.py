"""The headless CLI: train, resume, config files, list, and one-line errors with status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from studio.cli import main
from studio.config import load_toml, save_toml
from studio.runs.reader import read_events, read_metrics
from tests.core.helpers import tiny_config

SMALL = ["--set", "data.size=128", "--set", "model.g_channels=8", "--set", "model.d_channels=8",
         "--set", "train.snapshot_every=5", "--set", "train.checkpoint_every=5",
         "--set", "train.log_every=2", "--batch-size", "8", "--device", "cpu"]


def test_train_writes_a_run_folder_with_the_flags_applied(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--variant", "dcgan", "--dataset", "shapes", "--steps", "6",
                 "--out", str(out), "--seed", "3", "--loss", "hinge", *SMALL])
    assert code == 0
    config = load_toml(out / "config.toml")
    assert (config.variant, config.train.steps, config.train.seed) == ("dcgan", 6, 3)
    assert (config.train.loss, config.model.g_channels, config.data.size) == ("hinge", 8, 128)
    assert [r["step"] for r in read_metrics(out)] == [2, 4, 6]
    printed = capsys.readouterr()
    assert f"run folder: {out}" in printed.out and "finished at step 6" in printed.out
    assert "it/s" in printed.err and "ETA" in printed.err


def test_resume_with_more_steps_continues_the_run(tmp_path):
    out = tmp_path / "run"
    main(["train", "--variant", "gan", "--dataset", "ring8", "--steps", "4", "--out",
          str(out), "--quiet", "--set", "train.log_every=2", "--device", "cpu"])
    assert main(["train", "--resume", str(out), "--steps", "8", "--quiet"]) == 0
    assert [r["step"] for r in read_metrics(out)] == [2, 4, 6, 8]
    assert [e["kind"] for e in read_events(out)][-2:] == ["resumed", "finished"]
    assert load_toml(out / "config.toml").train.steps == 8


def test_config_file_then_flags(tmp_path):
    save_toml(tiny_config("gan", "ring8", steps=50), tmp_path / "run.toml")
    out = tmp_path / "run"
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--steps", "3", "--out",
                 str(out), "--quiet"]) == 0
    config = load_toml(out / "config.toml")
    assert config.train.steps == 3 and config.model.hidden == 32


def test_a_variant_starts_from_its_own_train_defaults():
    from studio.cli import build_parser, config_from_args

    args = build_parser().parse_args(["train", "--variant", "stylegan", "--dataset",
                                      "landscapes", "--set", "train.beta2=0.9"])
    t = config_from_args(args).train
    assert (t.lr_g, t.lr_d, t.beta1, t.ema_decay) == (0.002, 0.002, 0.0, 0.999)
    assert t.beta2 == 0.9  # --set still wins
    dcgan = config_from_args(build_parser().parse_args(["train", "--variant", "dcgan"])).train
    assert (dcgan.lr_g, dcgan.beta1) == (2e-4, 0.5)


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--dataset", "/no/such/folder", "--steps", "1"], "does not exist"),
    (["train", "--set", "train.lr_g=-3"], "train.lr_g = -3.0 is out of range"),
    (["train", "--set", "lr_g=1"], "SECTION.KEY=VALUE"),
    (["train", "--variant", "cgan", "--dataset", "spiral", "--device", "tpu"],
     "device 'tpu' is not available"),
    (["train", "--resume", "/no/such/run"], "not a run folder"),
    (["train", "--config", "/no/such.toml"], "does not exist"),
])
def test_errors_are_one_line_with_status_2(tmp_path, capsys, argv, message):
    code = main([*argv, "--out", str(tmp_path / "run")] if "--resume" not in argv else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_dcgan_on_points_is_refused_with_the_reason(tmp_path, capsys):
    code = main(["train", "--variant", "dcgan", "--dataset", "ring8", "--out",
                 str(tmp_path / "r"), "--quiet"])
    assert code == 2 and "DCGAN trains on images, not points" in capsys.readouterr().err


def test_list_names_every_variant_and_builtin_dataset(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("gan", "cgan", "dcgan", "ring8", "grid25", "spiral", "shapes"):
        assert f"  {name} " in out


def test_the_installed_script_exits_2_on_a_user_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "studio.cli", "train", "--dataset",
                             str(tmp_path / "missing"), "--out", str(tmp_path / "r")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("gan-studio: error:") and "Traceback" not in result.stderr


def test_no_arguments_without_a_display_explains_and_prints_help(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main([]) == 0
    captured = capsys.readouterr()
    assert "no display" in captured.err and "train" in captured.out
