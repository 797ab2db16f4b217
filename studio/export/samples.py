"""Export N samples as PNGs named by seed, with a recipe per PNG and a contact sheet.

Each PNG is rendered alone from its own single-image recipe by the studio's renderer, so
`gan-studio render` of a line of `recipes.jsonl` gives the identical PNG on the same device
(a batched render may differ in the last bits, and "random" noise depends on the batch).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from studio.errors import StudioError
from studio.explore.catalog import portable_source
from studio.explore.recipe import MAX_SEED, Recipe, render_picture
from studio.export.files import ExportResult, Progress, staged
from studio.export.images import save_png

RECIPES_FILE, CONTACT_SHEET = "recipes.jsonl", "contact-sheet.png"
SHEET_MAX_IMAGES = 400  # the contact sheet shows at most this many (a 20×20 grid)
SHEET_PAD, SHEET_BACKGROUND = 2, 24


def _safe(name: str) -> str:
    """A class name as a file-name part: letters, digits, '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "class"


def image_name(seed: int, label: int | None = None, class_name: str = "") -> str:
    """`seed-0000000042.png`, or for a class `seed-0000000042-class-3-night.png`."""
    if label is None:
        return f"seed-{seed:010d}.png"
    return f"seed-{seed:010d}-class-{label}-{_safe(class_name or str(label))}.png"


def single_recipes(source: Any, recipe: Recipe, count: int) -> Iterator[tuple[str, Recipe]]:
    """(file name, single-image recipe) for each exported PNG: seeds recipe.seed, +1, …; for a
    cGAN the class recipe.label, or every class when it is None. The recipe names the source
    portably (bundled:<name> or an absolute path) and pins the checkpoint's step."""
    if count < 1:
        raise StudioError(f"count {count}: export at least 1 image")
    if recipe.seed + count - 1 > MAX_SEED:
        raise StudioError(f"seeds {recipe.seed} to {recipe.seed + count - 1} pass the largest "
                          f"seed {MAX_SEED}; start from a smaller seed")
    classes = tuple(getattr(source.G, "classes", ()))
    if recipe.label is not None and not classes:
        raise StudioError("this generator is not conditional: remove the recipe's label")
    if recipe.label is not None and classes and recipe.label >= len(classes):
        raise StudioError(f"class {recipe.label} does not exist; this generator has classes 0 "
                          f"to {len(classes) - 1} ({', '.join(classes)})")
    labels: list[int | None] = [None]
    if classes:
        labels = [recipe.label] if recipe.label is not None else list(range(len(classes)))
    base = recipe.replace(source=portable_source(source.path), checkpoint=source.step,
                          view="image", mix=None, interpolation=None, grid=None)
    for seed in range(recipe.seed, recipe.seed + count):
        for label in labels:
            name = image_name(seed, label, classes[label] if label is not None else "")
            yield name, base.replace(seed=seed, label=label)


def sheet_picture(tiles: list[np.ndarray]) -> np.ndarray:
    """uint8 tiles [H, W, C] → one RGB grid [H', W', 3], near-square, dark gaps between."""
    tiles = [np.repeat(t, 3, axis=-1) if t.shape[-1] == 1 else t for t in tiles]
    h, w, _ = tiles[0].shape
    cols = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / cols)
    sheet = np.full((rows * (h + SHEET_PAD) + SHEET_PAD, cols * (w + SHEET_PAD) + SHEET_PAD, 3),
                    SHEET_BACKGROUND, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        top, left = SHEET_PAD + r * (h + SHEET_PAD), SHEET_PAD + c * (w + SHEET_PAD)
        sheet[top:top + h, left:left + w] = tile
    return sheet


def export_images(source: Any, recipe: Recipe, out: Path, *, count: int, force: bool = False,
                  progress: Progress | None = None, contact_sheet: bool = True) -> ExportResult:
    """Write folder `out`: the PNGs, `recipes.jsonl` ({"file", "recipe"} per line) and, with
    `contact_sheet`, `contact-sheet.png` (the first SHEET_MAX_IMAGES images in a grid)."""
    out = Path(out)
    plan = list(single_recipes(source, recipe, count))
    progress = progress or Progress()
    tiles: list[np.ndarray] = []
    size = (0, 0)
    with staged(out, force, folder=True) as part:
        progress(0, len(plan), "images")
        with open(part / RECIPES_FILE, "w", encoding="utf-8") as lines:
            for i, (name, single) in enumerate(plan):
                picture = render_picture(source.G, single)  # uint8 [H, W, C]
                size = picture.shape[:2]
                save_png(picture, part / name)
                lines.write(json.dumps({"file": name, "recipe": single.to_dict()}) + "\n")
                if contact_sheet and len(tiles) < SHEET_MAX_IMAGES:
                    tiles.append(picture)
                progress(i + 1, len(plan), name)
        if contact_sheet:
            save_png(sheet_picture(tiles), part / CONTACT_SHEET)
    paths = [out / name for name, _ in plan] + [out / RECIPES_FILE]
    if contact_sheet:
        paths.append(out / CONTACT_SHEET)
    h, w = size
    return ExportResult(paths, {"images": len(plan), "seeds": count, "width": w, "height": h,
                                "contact_sheet_images": len(tiles)})
