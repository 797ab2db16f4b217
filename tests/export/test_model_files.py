"""Model folders (safetensors + config + manifest + model card) that the studio opens to the
same pixels, and TorchScript modules that match PyTorch with any batch; failures and cancels
leave nothing. Cost: ~8 s on one thread (two 10-step runs, the bundled 64 px StyleGAN)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.errors import StudioError
from studio.explore.latents import z_from_seeds
from studio.explore.recipe import Recipe, render_picture
from studio.explore.source import default_models_root, load_source
from studio.export import model_files
from studio.export.files import ExportCancelled, Progress
from studio.export.model_files import MAX_ABS_DIFF, export_model, export_torchscript
from studio.session import start_run
from tests.core.helpers import tiny_config

BUNDLED = default_models_root() / "landscapes-64"
# the tests load the .pt files themselves; torch 2.14 calls torch.jit.load deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """10-step DCGAN and cGAN runs on 32 px shapes; the DCGAN run gets a quality evaluation."""
    root = tmp_path_factory.mktemp("model-runs")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for variant in ("dcgan", "cgan"):
            assert start_run(tiny_config(variant, "shapes", steps=10),
                             root / variant).run() == "finished"
    finally:
        torch.set_num_threads(threads)
    row = {"step": 10, "kind": "eval", "features": "studio[shapes-32]", "samples": 500,
           "fd": 123.456, "kid": 0.0789, "precision": 0.25, "recall": 0.125}
    with open(root / "dcgan" / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    return {v: root / v for v in ("dcgan", "cgan")}


def test_the_bundled_model_exports_to_a_folder_the_studio_opens_identically(tmp_path,
                                                                            one_thread):
    source = load_source(BUNDLED)
    result = export_model(source, tmp_path / "my-landscapes", title="My landscapes")
    out = tmp_path / "my-landscapes"
    assert sorted(p.name for p in result.paths) == ["README.md", "config.toml",
                                                    "manifest.json", "model.safetensors"]
    manifest = json.loads((out / "manifest.json").read_text())
    original = json.loads((BUNDLED / "manifest.json").read_text())
    assert manifest["name"] == "my-landscapes" and manifest["title"] == "My landscapes"
    assert manifest["sha256"] == original["sha256"]  # the same weights, byte for byte
    assert manifest["command"] == original["command"] and manifest["steps"] == 4000
    again = load_source(out)
    assert again.label == "My landscapes" and again.step == 4000
    recipe = Recipe(source="x", seed=3, psi=0.7, noise_mode="random", noise_seed=2)
    assert np.array_equal(render_picture(again.G, recipe), render_picture(source.G, recipe))
    card = (out / "README.md").read_text()
    for text in ("# My landscapes", "StyleGAN generator", "`landscapes` dataset", "step 4000",
                 original["command"], "[model]", "No quality evaluation"):
        assert text in card, text


def test_a_run_exports_with_its_evaluations_and_classes_on_the_card(runs, tmp_path,
                                                                    one_thread):
    source = load_source(runs["cgan"])
    export_model(source, tmp_path / "c")
    card = (tmp_path / "c" / "README.md").read_text()
    assert "Conditional GAN" in card and "0 circle" in card
    assert "gan-studio train --config config.toml --out runs/cgan" in card
    z = z_from_seeds(range(4), source.G.z_dim)
    labels = torch.tensor([0, 3, 5, 9])
    assert torch.equal(load_source(tmp_path / "c").G(z, labels), source.G(z, labels))

    export_model(load_source(runs["dcgan"]), tmp_path / "d")
    card = (tmp_path / "d" / "README.md").read_text()
    assert "| 10 | studio[shapes-32] | 500 | 123.5 | 0.0789 | 0.25 | 0.125 |" in card


def test_model_export_refuses_bad_names_existing_folders_and_a_failed_check(
        runs, tmp_path, monkeypatch, one_thread):
    source = load_source(runs["dcgan"])
    with pytest.raises(StudioError, match="may use only letters"):
        export_model(source, tmp_path / "x", name="no spaces")
    export_model(source, tmp_path / "d")
    with pytest.raises(StudioError, match="already exists"):
        export_model(source, tmp_path / "d")

    def differs(G, loaded):
        raise StudioError("the exported model does not reproduce the generator's images")

    monkeypatch.setattr(model_files, "_same_pixels", differs)
    with pytest.raises(StudioError, match="does not reproduce"):
        export_model(source, tmp_path / "e")
    with pytest.raises(StudioError, match="does not reproduce"):  # force keeps the old one
        export_model(source, tmp_path / "d", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]
    assert (tmp_path / "d" / "README.md").exists()


@pytest.mark.parametrize("variant", ["dcgan", "cgan"])
def test_torchscript_of_latent_generators_matches_with_any_batch(runs, variant, tmp_path,
                                                                 one_thread):
    source = load_source(runs[variant])
    result = export_torchscript(source, tmp_path / "g.pt")
    assert result.paths == [tmp_path / "g.pt"] and result.details["max_abs_diff"] <= MAX_ABS_DIFF
    module = torch.jit.load(str(tmp_path / "g.pt"))
    z = z_from_seeds(range(3), source.G.z_dim)
    args = (z, torch.tensor([1, 4, 7])) if variant == "cgan" else (z,)
    with torch.no_grad():
        torch.testing.assert_close(module(*args), source.G(*args).clamp(-1, 1),
                                   atol=1e-5, rtol=0)


def test_torchscript_of_the_bundled_stylegan_takes_psi_and_cutoff(tmp_path, one_thread):
    source = load_source(BUNDLED)
    result = export_torchscript(source, tmp_path / "landscapes.pt")
    assert result.details["max_abs_diff"] <= MAX_ABS_DIFF
    assert "psi" in result.details["signature"]
    module = torch.jit.load(str(tmp_path / "landscapes.pt"))
    z = z_from_seeds([4, 5, 6], 128)
    with torch.no_grad():
        got = module(z, torch.tensor(0.6), torch.tensor(4))
        want = source.G(z, psi=0.6, cutoff=4, noise_mode="const").clamp(-1, 1)
    assert (got - want).abs().max() <= MAX_ABS_DIFF and want.std() > 0.1


def test_a_cancelled_or_failed_torchscript_export_leaves_nothing(runs, tmp_path,
                                                                 monkeypatch, one_thread):
    source = load_source(runs["dcgan"])
    calls = []
    progress = Progress(report=lambda *a: calls.append(a), cancelled=lambda: len(calls) >= 2)
    with pytest.raises(ExportCancelled):
        export_torchscript(source, tmp_path / "g.pt", progress=progress)
    monkeypatch.setattr(model_files, "_check_traced", lambda G, traced: 0.5)
    with pytest.raises(StudioError, match="differs from PyTorch"):
        export_torchscript(source, tmp_path / "g.pt")
    assert list(tmp_path.iterdir()) == []
