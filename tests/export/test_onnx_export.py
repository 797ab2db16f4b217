"""ONNX export: every explorable variant runs in onnxruntime to PyTorch's numbers and the
studio's pixels, with any batch; a failed or cancelled export leaves nothing.

Cost: ~10 s in all on one thread (three 10-step runs of tiny nets, the bundled 64 px StyleGAN
exported twice, tiny StyleGANs built in place).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnxruntime as ort
import pytest
import torch

from studio.errors import StudioError
from studio.explore.latents import z_from_seeds
from studio.explore.recipe import Recipe, render
from studio.explore.source import default_models_root, load_source
from studio.export import onnx_export
from studio.export.files import ExportCancelled, Progress
from studio.export.images import to_uint8
from studio.export.onnx_export import MAX_ABS_DIFF, check_onnx, export_onnx
from studio.export.onnx_graphs import draw_noise, noise_layers
from studio.nets.stylegan import StyleGenerator
from studio.nets.stylegan_layers import ModulatedConv2d
from studio.session import start_run
from tests.core.helpers import tiny_config

BUNDLED = default_models_root() / "landscapes-64"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """10-step GAN, DCGAN and cGAN runs on 32 px shapes (tiny nets; ~1.5 s together)."""
    root = tmp_path_factory.mktemp("onnx-runs")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for variant in ("gan", "dcgan", "cgan"):
            assert start_run(tiny_config(variant, "shapes", steps=10),
                             root / variant).run() == "finished"
    finally:
        torch.set_num_threads(threads)
    return {v: root / v for v in ("gan", "dcgan", "cgan")}


def _spread(source):
    """Make a barely trained generator's images span [-1, 1], so the check is no formality:
    its tanh output layer's weight is scaled up (a DCGAN after 10 steps outputs ±0.01)."""
    layers = (torch.nn.Linear, torch.nn.ConvTranspose2d)
    last = [m for m in source.G.modules() if isinstance(m, layers)][-1]
    with torch.no_grad():
        reach = source.G(torch.randn(16, source.G.z_dim),
                         torch.arange(16) % 10 if source.G.classes else None).abs().max()
        last.weight *= 2.0 / float(reach)
    return source


def _pixels(images: np.ndarray) -> np.ndarray:
    return to_uint8(images).astype(int)


@pytest.mark.parametrize("variant", ["gan", "dcgan", "cgan"])
def test_latent_generators_run_in_onnxruntime_like_the_studio(runs, variant, tmp_path,
                                                              one_thread):
    source = _spread(load_source(runs[variant]))
    result = export_onnx(source, tmp_path / "onnx")
    assert sorted(p.name for p in result.paths) == ["generator.onnx", "model.json"]
    assert result.details["max_abs_diff"] <= MAX_ABS_DIFF and result.details["seeds"] == 8
    assert result.details["opset"] == 17 and "dynamo=False" in result.details["exporter"]
    spec = json.loads((tmp_path / "onnx" / "model.json").read_text())
    graph = spec["graphs"]["generator"]
    assert [i["name"] for i in graph["inputs"]] == (["z", "label"] if variant == "cgan"
                                                     else ["z"])
    assert graph["outputs"][0]["shape"] == ["N", 3, 32, 32]
    session = ort.InferenceSession(str(tmp_path / "onnx" / "generator.onnx"),
                                   providers=["CPUExecutionProvider"])
    # a batch of 3 (neither of the check's sizes) against the studio's rendered pixels
    label = 2 if variant == "cgan" else None
    z = z_from_seeds([5, 6, 7], source.G.z_dim).numpy()
    feed = {"z": z} | ({"label": np.full(3, label, np.int64)} if label is not None else {})
    got = session.run(["images"], feed)[0]
    assert got.shape == (3, 3, 32, 32) and got.min() < -0.5 < 0.5 < got.max()
    for i, seed in enumerate((5, 6, 7)):
        want = render(source.G, Recipe(source="x", seed=seed, label=label)).numpy()
        assert np.abs(_pixels(got[i:i + 1]) - _pixels(want)).max() <= 1


def test_the_bundled_stylegan_reproduces_every_noise_mode(tmp_path, one_thread):
    source = load_source(BUNDLED)
    result = export_onnx(source, tmp_path / "onnx")
    folder = tmp_path / "onnx"
    assert sorted(p.name for p in result.paths) == ["mapping.onnx", "model.json",
                                                    "noise_const.npz", "synthesis.onnx"]
    assert result.details["max_abs_diff"] <= MAX_ABS_DIFF
    spec = json.loads((folder / "model.json").read_text())
    layers = noise_layers(source.G)
    noise_in = spec["graphs"]["synthesis"]["inputs"][1:]
    assert [i["name"] for i in noise_in] == [f"noise_{i}" for i in range(len(layers))]
    assert [i["shape"][2:] for i in noise_in] == [list(layer.size) for layer in layers]
    assert spec["num_ws"] == source.G.num_ws == 10
    # all ModulatedConv2d of the studio's generator are still fused: training is untouched
    assert all(m.fused for m in source.G.modules() if isinstance(m, ModulatedConv2d))

    mapping = ort.InferenceSession(str(folder / "mapping.onnx"),
                                   providers=["CPUExecutionProvider"])
    synthesis = ort.InferenceSession(str(folder / "synthesis.onnx"),
                                     providers=["CPUExecutionProvider"])
    const = np.load(folder / "noise_const.npz")
    for mode, psi, cutoff in (("const", 0.5, 4), ("random", 0.8, None), ("none", 1.0, None)):
        recipe = Recipe(source="x", seed=11, psi=psi, cutoff=cutoff, noise_mode=mode,
                        noise_seed=3)
        ws = mapping.run(["ws"], {"z": z_from_seeds([11], 128).numpy(),
                                  "psi": np.array(psi, np.float32),
                                  "cutoff": np.array(10 if cutoff is None else cutoff)})[0]
        if mode == "const":
            noise = [const[f"noise_{i}"] for i in range(len(layers))]
        elif mode == "random":  # the renderer's noise: a CPU generator seeded by noise_seed
            noise = [t.numpy() for t in draw_noise(layers, 1, 3)]
        else:
            noise = [np.zeros((1, 1, *layer.size), np.float32) for layer in layers]
        got = synthesis.run(["images"], {"ws": ws} | {f"noise_{i}": m
                                                      for i, m in enumerate(noise)})[0]
        want = render(source.G, recipe).numpy()
        assert np.abs(_pixels(got) - _pixels(want)).max() <= 1, mode
    # noise changes the picture, so feeding it (in the right order) is what matched
    assert np.abs(got - render(source.G, Recipe(source="x", seed=11, noise_mode="const"))
                  .numpy()).max() > 1e-3


def _tiny_style_source(style: str, growth: tuple[int, float] | None = None):
    torch.manual_seed(1)
    G = StyleGenerator(8, 8, 16, 3, mapping_layers=2, channel_base=64, max_channels=8,
                       style=style)
    for p in G.parameters():  # trained-looking weights: noise strengths, biases not zero
        p.data += 0.3 * torch.randn_like(p)
    G.update_w_avg(G.mapping_net(torch.randn(64, 8)), beta=0.0)
    if growth:
        G.set_growth(*growth)
    G.eval().requires_grad_(False)
    return SimpleNamespace(G=G, config=SimpleNamespace(variant="stylegan"), label="tiny",
                           step=0)


@pytest.mark.parametrize(("style", "growth"), [("adain", None), ("modconv", (8, 0.5))])
def test_stylegan_styles_and_growth_states_export(tmp_path, style, growth, one_thread):
    source = _tiny_style_source(style, growth)
    result = export_onnx(source, tmp_path / "onnx", check_seeds=3)
    assert result.details["max_abs_diff"] <= MAX_ABS_DIFF
    spec = json.loads((tmp_path / "onnx" / "model.json").read_text())
    side = growth[0] if growth else 16
    assert spec["graphs"]["synthesis"]["outputs"][0]["shape"] == ["N", 3, side, side]
    assert check_onnx(tmp_path / "onnx", source, seeds=3) <= MAX_ABS_DIFF


def test_check_onnx_catches_a_model_that_differs(tmp_path, one_thread):
    source = _tiny_style_source("modconv")
    export_onnx(source, tmp_path / "onnx", check_seeds=2)
    assert check_onnx(tmp_path / "onnx", source, seeds=2) <= MAX_ABS_DIFF
    source.G.blocks[-1].to_rgb.weight.data *= 1.5  # not the model the folder holds any more
    assert check_onnx(tmp_path / "onnx", source, seeds=2) > 1e-2
    other = _tiny_style_source("adain")
    with pytest.raises(StudioError, match="another model"):
        check_onnx(tmp_path / "onnx", other, seeds=2)


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_a_failed_check_leaves_no_file_and_no_part_folder(tmp_path, monkeypatch, one_thread):
    source = _tiny_style_source("modconv")
    monkeypatch.setattr(onnx_export, "_check", lambda *args: 0.5)
    with pytest.raises(StudioError, match=r"differs from PyTorch by 5\.00e-01"):
        export_onnx(source, tmp_path / "onnx")
    assert _leftovers(tmp_path) == []


def test_a_cancel_leaves_nothing_and_existing_output_needs_force(tmp_path, one_thread):
    source = _tiny_style_source("modconv")
    calls = []
    progress = Progress(report=lambda done, total, what: calls.append((done, total, what)),
                        cancelled=lambda: len(calls) >= 3)  # during the check
    with pytest.raises(ExportCancelled):
        export_onnx(source, tmp_path / "onnx", progress=progress)
    assert _leftovers(tmp_path) == [] and calls[-1][2] == "checking"

    export_onnx(source, tmp_path / "onnx", check_seeds=1)
    with pytest.raises(StudioError, match="already exists"):
        export_onnx(source, tmp_path / "onnx", check_seeds=1)
    before = (tmp_path / "onnx" / "synthesis.onnx").stat().st_mtime_ns
    result = export_onnx(source, tmp_path / "onnx", check_seeds=1, force=True)
    assert (tmp_path / "onnx" / "synthesis.onnx").stat().st_mtime_ns != before
    assert _leftovers(tmp_path) == ["onnx"] and len(result.paths) == 4
