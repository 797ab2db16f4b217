"""Generators from run folders and bundled models, the real StyleGAN under the explorer, and
`gan-studio render` reproducing the studio's pixels."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from studio.cli import main
from studio.config import DataConfig, RunConfig, TrainConfig, save_toml
from studio.errors import RunFolderError
from studio.explore.directions import sefa_directions
from studio.explore.mixing import layer_range
from studio.explore.recipe import MixSpec, Recipe, render, render_picture
from studio.explore.source import (
    bundle_model,
    current_checkpoint_key,
    default_models_root,
    list_bundled_models,
    load_source,
    resolve_source,
    write_models_manifest,
)
from studio.model_configs import StyleganModelConfig
from studio.session import start_run
from tests.core.helpers import tiny_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A StyleGAN run of 2 steps at 16 px with tiny channels, checkpointed at steps 1 and 2."""
    folder = tmp_path_factory.mktemp("explore") / "run"
    config = RunConfig(
        variant="stylegan", name="tiny",
        data=DataConfig(dataset="shapes", size=32, resolution=16),
        model=StyleganModelConfig(z_dim=8, w_dim=8, mapping_layers=2, channel_base=64,
                                  max_channels=8, r1_interval=1),
        train=TrainConfig(steps=2, batch_size=4, device="cpu", log_every=1, snapshot_every=2,
                          checkpoint_every=1, snapshot_count=4, ema_decay=0.5, lr_g=0.01))
    assert start_run(config, folder).run() == "finished"
    return folder


@pytest.fixture(scope="module")
def bundled(run_folder) -> Path:
    out = run_folder.parent / "models" / "tiny-shapes"
    bundle_model(run_folder, out, "tiny-shapes", "Tiny shapes", "gan-studio train …")
    return out


def test_a_run_folder_gives_its_latest_ema_generator(run_folder):
    source = load_source(run_folder)
    assert (source.step, source.path, source.config.variant) == (2, run_folder, "stylegan")
    assert source.data.shape == (3, 16, 16) and source.data.kind == "images"
    assert source.label == "tiny"
    assert not source.G.training
    assert all(not p.requires_grad for p in source.G.parameters())
    stored = load_file(str(run_folder / "checkpoints" / "step_0000002" / "weights.safetensors"))
    for name, value in source.G.state_dict().items():
        assert torch.equal(value, stored[f"G_ema.{name}"])
    assert any(not torch.equal(stored[f"G_ema.{k}"], stored[f"G.{k}"])
               for k in source.G.state_dict())  # so the EMA copy really was the one chosen
    older = load_source(run_folder, checkpoint=1)
    assert older.step == 1


def test_the_checkpoint_key_changes_when_a_run_saves_a_newer_checkpoint(run_folder, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_folder, copy)
    latest, first = current_checkpoint_key(copy), current_checkpoint_key(copy, 1)
    assert latest == current_checkpoint_key(copy) and latest != first
    shutil.copytree(copy / "checkpoints" / "step_0000002", copy / "checkpoints" / "step_0000003")
    assert current_checkpoint_key(copy) != latest
    assert current_checkpoint_key(copy, 1) == first
    assert current_checkpoint_key(tmp_path / "gone") is not None  # never raises


def test_a_missing_checkpoint_or_folder_is_a_clear_error(run_folder, tmp_path):
    save_toml(tiny_config("gan"), tmp_path / "config.toml")
    with pytest.raises(RunFolderError, match="has no checkpoint yet"):
        load_source(tmp_path)
    (tmp_path / "config.toml").unlink()
    with pytest.raises(RunFolderError, match="no checkpoint at step 7; it has: 1, 2"):
        load_source(run_folder, checkpoint=7)
    with pytest.raises(RunFolderError, match="does not exist"):
        load_source(tmp_path / "nothing")
    with pytest.raises(RunFolderError, match="neither a run folder"):
        load_source(tmp_path)


def test_the_real_generator_truncates_mixes_and_factorises(run_folder):
    G = load_source(run_folder).G
    assert len(G.layer_resolutions) == G.num_ws == 6
    same = [render(G, Recipe(source="x", seed=s, psi=0.0)) for s in (0, 5)]
    assert torch.equal(same[0], same[1])
    assert same[0].shape == (1, 3, 16, 16)
    recipe = Recipe(source="x", view="mix", mix=MixSpec((1, 2), (3,), (0, G.num_ws)))
    cells = render(G, recipe)
    rows = render(G, Recipe(source="x", seed=2))
    assert torch.allclose(cells[1], rows[0], atol=1e-5)
    coarse = layer_range(G, "coarse")
    assert len(coarse) > 0 and all(G.layer_resolutions[i] <= 8 for i in coarse)
    d = sefa_directions(G, 4, coarse)
    assert torch.allclose(d.vectors @ d.vectors.T, torch.eye(4), atol=1e-5)


def test_a_bundled_model_loads_the_same_generator(run_folder, bundled):
    manifest = json.loads((bundled / "manifest.json").read_text())
    assert manifest["format"] == "gan-studio/model" and manifest["version"] == 1
    assert (manifest["name"], manifest["resolution"], manifest["steps"]) == ("tiny-shapes", 16, 2)
    assert manifest["size_bytes"] == (bundled / "model.safetensors").stat().st_size
    assert manifest["data"]["shape"][1:] == [16, 16]
    source = load_source(bundled)
    assert (source.label, source.step) == ("Tiny shapes", 2)
    recipe = Recipe(source="x", seed=3, psi=0.7)
    assert torch.equal(render(source.G, recipe), render(load_source(run_folder).G, recipe))
    assert list_bundled_models(bundled.parent)[0].path == bundled  # found by scanning
    write_models_manifest(bundled.parent)
    listed = json.loads((bundled.parent / "manifest.json").read_text())
    assert listed == {"models": [{"name": "tiny-shapes", "title": "Tiny shapes",
                                  "path": "tiny-shapes"}]}
    assert list_bundled_models(bundled.parent)[0].title == "Tiny shapes"


def test_bundling_never_overwrites(run_folder, bundled):
    before = (bundled / "model.safetensors").read_bytes()
    with pytest.raises(RunFolderError, match="already exists"):
        bundle_model(run_folder, bundled, "tiny-shapes", "Again", "x")
    assert (bundled / "model.safetensors").read_bytes() == before
    assert not list(bundled.parent.glob(".*tmp*"))


def test_a_damaged_bundle_is_refused(run_folder, tmp_path):
    out = bundle_model(run_folder, tmp_path / "m", "m", "M", "x")
    data = bytearray((out / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (out / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(RunFolderError, match="does not match its manifest's sha256"):
        load_source(out)
    (out / "config.toml").unlink()
    with pytest.raises(RunFolderError, match=r"incomplete: config\.toml is missing"):
        load_source(out)


def test_relative_sources_resolve_next_to_the_recipe_then_cwd_then_models(tmp_path,
                                                                          monkeypatch):
    (tmp_path / "recipes" / "a").mkdir(parents=True)
    (tmp_path / "cwd" / "a").mkdir(parents=True)
    (tmp_path / "models" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "cwd")
    models = tmp_path / "models"
    assert resolve_source("a", tmp_path / "recipes", models) == tmp_path / "recipes" / "a"
    assert resolve_source("a", tmp_path, models) == Path.cwd() / "a"
    assert resolve_source("b", tmp_path, models) == models / "b"
    with pytest.raises(RunFolderError, match="'c' was not found; looked in"):
        resolve_source("c", tmp_path, models)
    assert default_models_root() == REPO / "models"


def _write_recipe(folder: Path, recipe: Recipe) -> Path:
    path = folder / "recipe.json"
    path.write_text(recipe.to_json(), encoding="utf-8")
    return path


def test_cli_render_reproduces_the_studio_pixels(run_folder, tmp_path):
    recipe = Recipe(source=str(Path("..") / run_folder.parent.name / "run"), view="mix",
                    psi=0.8, noise_mode="random", noise_seed=4,
                    mix=MixSpec((1, 2), (3, 4), (0, 3)))
    folder = run_folder.parent / "recipes"
    folder.mkdir(exist_ok=True)
    path = _write_recipe(folder, recipe)  # source relative to the recipe's folder
    out = tmp_path / "grid.png"
    done = subprocess.run([sys.executable, "-m", "studio.cli", "render", str(path), "--out",
                           str(out), "--device", "cpu"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    expected = render_picture(load_source(run_folder).G, recipe)
    assert np.array_equal(np.asarray(Image.open(out)), expected)


def test_cli_render_refuses_to_overwrite_without_force(run_folder, tmp_path, capsys):
    path = _write_recipe(tmp_path, Recipe(source=str(run_folder), seed=1))
    out = tmp_path / "image.png"
    out.write_bytes(b"keep me")
    assert main(["render", str(path), "--out", str(out), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "already exists; pass --force" in err and err.count("\n") == 1
    assert out.read_bytes() == b"keep me"
    assert main(["render", str(path), "--out", str(out), "--device", "cpu", "--force"]) == 0
    expected = render_picture(load_source(run_folder).G, Recipe(source="x", seed=1))
    assert np.array_equal(np.asarray(Image.open(out)), expected)
    assert not list(tmp_path.glob(".*.tmp"))
    assert main(["render", str(path), "--out", str(tmp_path), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "message"), [
    (Recipe(source="no/such/run").to_json(), "source 'no/such/run' was not found"),
    ('{"format": "gan-studio/recipe", "version": 1, "source": "x", "psi": "a"}',
     "psi must be a number"),
    ("{oops", "not valid JSON"),
    (None, "recipe file"),
])
def test_cli_render_errors_are_one_line_with_status_2(tmp_path, capsys, content, message):
    path = tmp_path / "recipe.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code = main(["render", str(path), "--out", str(tmp_path / "o.png"), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "o.png").exists()


def test_cli_render_names_a_missing_checkpoint(run_folder, tmp_path, capsys):
    path = _write_recipe(tmp_path, Recipe(source=str(run_folder), checkpoint=99))
    assert main(["render", str(path), "--out", str(tmp_path / "o.png"), "--device", "cpu"]) == 2
    assert "no checkpoint at step 99" in capsys.readouterr().err
