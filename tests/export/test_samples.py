"""`export_images`: PNGs named by seed (and class), recipes.jsonl that `gan-studio render`
reproduces bit for bit, a contact sheet, no overwrite, nothing left after a Cancel.
About 4 s on one core: the bundled 64 px StyleGAN and a two-step cGAN run at 32 px."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from studio.cli import main
from studio.errors import StudioError
from studio.explore.recipe import Recipe
from studio.explore.source import load_source
from studio.export.files import ExportCancelled, Progress
from studio.export.samples import SHEET_PAD, export_images
from studio.session import start_run
from tests.core.helpers import tiny_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def landscapes():
    torch.set_num_threads(1)
    return load_source(REPO / "models" / "landscapes-64")


@pytest.fixture(scope="module")
def cgan(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("cgan") / "run"
    config = tiny_config("cgan", "shapes", steps=2, batch_size=4, log_every=1,
                         snapshot_every=2, checkpoint_every=2)
    start_run(config, folder).run()
    return load_source(folder)


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def _render_each_line(folder: Path, tmp_path: Path) -> list[str]:
    """Render every recipes.jsonl line with `gan-studio render`; assert identical PNG bytes."""
    files = []
    for i, line in enumerate((folder / "recipes.jsonl").read_text().splitlines()):
        entry = json.loads(line)
        recipe_file = tmp_path / f"recipe-{i}.json"
        recipe_file.write_text(json.dumps(entry["recipe"]))
        again = tmp_path / f"again-{i}.png"
        assert main(["render", str(recipe_file), "--out", str(again), "--device", "cpu"]) == 0
        assert np.array_equal(_pixels(again), _pixels(folder / entry["file"]))
        assert again.read_bytes() == (folder / entry["file"]).read_bytes()
        files.append(entry["file"])
    return files


def test_stylegan_pngs_reproduce_from_their_recipes(landscapes, tmp_path):
    # ψ, random noise and a direction edit must all travel in each line's recipe
    recipe = Recipe(source="bundled:landscapes-64", seed=40, psi=0.7, noise_mode="random",
                    noise_seed=5, directions={"method": "sefa", "count": 2},
                    offsets=[0.0, 2.0])
    out = tmp_path / "pngs"
    result = export_images(landscapes, recipe, out, count=3)
    names = ["seed-0000000040.png", "seed-0000000041.png", "seed-0000000042.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*names, "recipes.jsonl", "contact-sheet.png", ".gan-studio-export"])
    assert [p.name for p in result.paths[:3]] == names
    assert result.details["images"] == 3 and result.details["width"] == 64
    assert _render_each_line(out, tmp_path) == names
    line = json.loads((out / "recipes.jsonl").read_text().splitlines()[2])["recipe"]
    assert (line["source"], line["checkpoint"], line["seed"]) == ("bundled:landscapes-64",
                                                                 4000, 42)
    assert (line["psi"], line["noise_mode"], line["offsets"]) == (0.7, "random", [0.0, 2.0])
    # the contact sheet: 3 tiles in a 2×2 grid, each the PNG's pixels
    sheet = _pixels(out / "contact-sheet.png")
    assert sheet.shape == (2 * (64 + SHEET_PAD) + SHEET_PAD,) * 2 + (3,)
    top, left = SHEET_PAD, 2 * SHEET_PAD + 64  # tile 1 = row 0, column 1
    assert np.array_equal(sheet[top:top + 64, left:left + 64], _pixels(out / names[1]))


def test_a_cgan_exports_every_class_or_the_recipes_class(cgan, tmp_path):
    recipe = Recipe(source=str(cgan.path), seed=7)
    every = export_images(cgan, recipe, tmp_path / "all", count=2, contact_sheet=False)
    pngs = sorted(p.name for p in (tmp_path / "all").glob("*.png"))
    assert len(pngs) == 2 * 10 == every.details["images"]
    assert "seed-0000000007-class-0-circle.png" in pngs
    assert "seed-0000000008-class-9-semicircle.png" in pngs
    assert not (tmp_path / "all" / "contact-sheet.png").exists()
    one = tmp_path / "one"
    export_images(cgan, recipe.replace(label=3), one, count=2)
    assert sorted(p.name for p in one.glob("seed-*.png")) == [
        "seed-0000000007-class-3-star.png", "seed-0000000008-class-3-star.png"]
    assert _render_each_line(one, tmp_path) == sorted(p.name for p in one.glob("seed-*.png"))
    # different classes of one seed are different pictures
    a = _pixels(tmp_path / "all" / "seed-0000000007-class-0-circle.png")
    b = _pixels(tmp_path / "all" / "seed-0000000007-class-3-star.png")
    assert not np.array_equal(a, b)


def test_never_overwrites_without_force_and_a_cancel_leaves_nothing(landscapes, tmp_path):
    recipe = Recipe(source="bundled:landscapes-64")
    out = tmp_path / "pngs"
    export_images(landscapes, recipe, out, count=1)
    with pytest.raises(StudioError, match="already exists"):
        export_images(landscapes, recipe, out, count=1)
    export_images(landscapes, recipe.replace(seed=9), out, count=2, force=True)
    assert sorted(p.name for p in out.glob("seed-*")) == ["seed-0000000009.png",
                                                          "seed-0000000010.png"]
    calls = []
    stop = Progress(report=lambda done, total, what: calls.append(done),
                    cancelled=lambda: len(calls) >= 3)
    with pytest.raises(ExportCancelled):
        export_images(landscapes, recipe, tmp_path / "cancelled", count=8, progress=stop)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pngs"]  # no folder, no .part
    with pytest.raises(StudioError, match="at least 1"):
        export_images(landscapes, recipe, tmp_path / "none", count=0)
    with pytest.raises(StudioError, match="not conditional"):
        export_images(landscapes, recipe.replace(label=1), tmp_path / "label", count=1)
