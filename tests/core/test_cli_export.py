"""`gan-studio export images|video|onnx|model|torchscript`: files written, progress on stderr,
never overwriting without --force, one-line errors with status 2. About 4 s on one core
(the bundled 64 px StyleGAN; ONNX and model exports of a 4-step DCGAN when those exist)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import av
import pytest
import torch
from PIL import Image

from studio.cli import main
from studio.explore.recipe import Recipe
from studio.session import start_run
from tests.core.helpers import tiny_config

REPO = Path(__file__).resolve().parents[2]
CPU = ["--device", "cpu"]


def _errors(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if "error" in line]


def test_images_from_a_bundled_source_with_progress_and_no_overwrite(tmp_path, capsys):
    out = tmp_path / "pngs"
    args = ["export", "images", "--source", "bundled:landscapes-64", "--count", "3",
            "--out", str(out), *CPU]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert sorted(p.name for p in out.glob("*.png")) == [
        "contact-sheet.png", "seed-0000000000.png", "seed-0000000001.png",
        "seed-0000000002.png"]
    assert len((out / "recipes.jsonl").read_text().splitlines()) == 3
    assert f"wrote {out}" in printed.out and "images 3" in printed.out
    assert "3/3 100%" in printed.err and "it/s" in printed.err  # sparse lines in a log
    before = (out / "seed-0000000000.png").stat().st_mtime_ns
    assert main(args) == 2
    assert _errors(capsys) == [f"gan-studio: error: {out} already exists; choose another "
                               "name, or pass --force (Overwrite in the studio) to replace it"]
    assert (out / "seed-0000000000.png").stat().st_mtime_ns == before
    assert main([*args, "--force", "--no-contact-sheet", "--quiet"]) == 0
    assert not (out / "contact-sheet.png").exists()
    assert capsys.readouterr().err == ""


def test_video_from_a_recipe_file_whose_source_is_relative_to_it(tmp_path, capsys):
    folder = tmp_path / "recipes"
    folder.mkdir()
    relative = os.path.relpath(REPO / "models" / "landscapes-64", folder)
    (folder / "r.json").write_text(Recipe(source=relative, seed=11, psi=0.8).to_json())
    out = tmp_path / "sweep.gif"
    assert main(["export", "video", "--recipe", str(folder / "r.json"), "--kind", "psi",
                 "--psi-range", "0.2", "1", "--fps", "5", "--seconds", "1", "--no-loop",
                 "--scale", "1", "--out", str(out), "--quiet", *CPU]) == 0
    with Image.open(out) as gif:
        assert (gif.n_frames, gif.size, "loop" in gif.info) == (5, (64, 64), False)
    assert "frames 5, fps 5, width 64, height 64, scale 1, kind psi" in capsys.readouterr().out
    mp4 = tmp_path / "walk.mp4"
    assert main(["export", "video", "--source", "bundled:landscapes-64", "--fps", "6",
                 "--seconds", "0.5", "--out", str(mp4), "--quiet", *CPU]) == 0
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width) == ("h264", 256)
        assert sum(1 for _ in container.decode(stream)) == 3


@pytest.mark.parametrize(("extra", "message"), [
    (["video", "--out", "{tmp}/v.avi"], "must end in .mp4 (H.264) or .gif"),
    (["video", "--kind", "direction", "--out", "{tmp}/d.mp4"], "needs directions"),
    (["video", "--fps", "0", "--out", "{tmp}/z.mp4"], "frames per second"),
    (["images", "--count", "0", "--out", "{tmp}/none"], "give 1 or more images"),
    (["images", "--checkpoint", "5", "--out", "{tmp}/c"], "holds only the weights of step"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, extra, message):
    kind, *rest = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert main(["export", kind, "--source", "bundled:landscapes-64", *rest, *CPU]) == 2
    errors = _errors(capsys)
    assert len(errors) == 1 and message in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_a_missing_source_or_recipe_is_one_line(tmp_path, capsys):
    out = str(tmp_path / "x")
    assert main(["export", "images", "--source", str(tmp_path / "nowhere"), "--out", out]) == 2
    assert main(["export", "images", "--recipe", str(tmp_path / "r.json"), "--out", out]) == 2
    errors = _errors(capsys)
    assert "does not exist" in errors[0] and "recipe file" in errors[1]


@pytest.fixture(scope="module")
def dcgan(tmp_path_factory) -> Path:
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("dc") / "run"
    start_run(tiny_config("dcgan", "shapes", steps=2, batch_size=4, log_every=1,
                          snapshot_every=2, checkpoint_every=2), folder).run()
    return folder


@pytest.mark.skipif(importlib.util.find_spec("studio.export.onnx_export") is None,
                    reason="studio.export.onnx_export is not written yet")
def test_onnx_of_a_run(dcgan, tmp_path, capsys):
    out = tmp_path / "onnx"
    assert main(["export", "onnx", "--source", str(dcgan), "--out", str(out), "--quiet",
                 *CPU]) == 0
    assert (out / "generator.onnx").is_file()
    spec = json.loads((out / "model.json").read_text())
    assert spec and "max_abs_diff" in capsys.readouterr().out
    assert main(["export", "onnx", "--source", str(dcgan), "--out", str(out), *CPU]) == 2


@pytest.mark.skipif(importlib.util.find_spec("studio.export.model_files") is None,
                    reason="studio.export.model_files is not written yet")
@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
def test_model_folder_and_torchscript_of_a_run(dcgan, tmp_path):
    from studio.explore.source import load_source

    out = tmp_path / "model"
    assert main(["export", "model", "--source", str(dcgan), "--out", str(out), "--name",
                 "tiny-dc", "--title", "Tiny DC", "--quiet", *CPU]) == 0
    assert load_source(out).label == "Tiny DC"
    pt = tmp_path / "g.pt"
    assert main(["export", "torchscript", "--source", str(dcgan), "--out", str(pt), "--quiet",
                 *CPU]) == 0
    assert pt.is_file() and torch.jit.load(str(pt)) is not None
