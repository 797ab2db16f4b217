"""Recipes: everything that decides an explored picture, as JSON, and the one renderer.

"Copy recipe" in the studio puts a recipe on the clipboard; `gan-studio render recipe.json
--out image.png` reproduces the picture bit for bit on the same device, because the studio's
render worker and the CLI both call `render` / `render_picture` below and nothing else.
This module is torch-free (the studio's panels build recipes before torch has loaded); the
render functions load studio.explore.renderer, which does the work, on first use.

    {"format": "gan-studio/recipe", "version": 1,
     "source": run folder or bundled model folder, "checkpoint": step or null (latest),
     "view": "image" | "grid" | "mix" | "interpolation", "seed": the image view's seed,
     "label": the class a conditional generator draws (image and interpolation views), or null,
     "psi": truncation ψ, "cutoff": truncate ws indices below this (null = all),
     "noise_mode": "const" | "random" | "none", "noise_seed": seeds "random" noise,
     "directions": {"method": "pca"|"sefa", "count", "samples", "seed", "layers": [lo, hi]}
                   or null, "offsets": one per direction (PCA: σ units; SeFa: SEFA_UNIT),
     "mix": {"rows": [seeds], "cols": [seeds], "layers": [lo, hi]} or null,
     "interpolation": {"keyframes": [seeds], "steps", "frame", "space": "w"|"z"} or null,
     "grid": {"seeds": [seeds], "classes": [class indices] or null, "columns"} or null}

"source" is a path (absolute, or relative to the recipe file's folder) or "bundled:<name>",
a model that ships with the studio. Truncation, noise, directions, mixing and W paths need a
StyleGAN; a GAN, DCGAN or cGAN generator explores seeds, Z paths and (cGAN) classes.

Layer ranges are half-open ws-index ranges [lo, hi). Mix cell (r, c) carries row r's styles at
the mix layers and column c's elsewhere. Direction edits apply to every image of every view,
after truncation.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields
from typing import Any

from studio.errors import ConfigError

RECIPE_FORMAT, RECIPE_VERSION = "gan-studio/recipe", 1
VIEWS = ("image", "grid", "mix", "interpolation")
NOISE_MODES = ("const", "random", "none")
MAX_SEED = 2**63 - 1
MAX_GRID_SIDE = 32  # seeds per mix row/column list, keyframes per path, classes per grid
MAX_GRID_SEEDS = 64  # seeds of a seed grid
MAX_LABEL = 100_000


def _whole(key: str, value: Any, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"recipe {key} must be a whole number, not {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(f"recipe {key} = {value} is out of range; allowed: {lo} to {hi}")
    return value


def _number(key: str, value: Any, lo: float, hi: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ConfigError(f"recipe {key} must be a number, not {value!r}")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ConfigError(f"recipe {key} = {value} is out of range; allowed: {lo} to {hi}")
    return float(value)


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"recipe {key} = {value!r} is not allowed; choose one of {allowed}")
    return value


def _seeds(key: str, value: Any, least: int, most: int = MAX_GRID_SIDE,
           top: int = MAX_SEED, what: str = "seeds") -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not least <= len(value) <= most:
        raise ConfigError(f"recipe {key} must be a list of {least} to {most} {what}, "
                          f"not {value!r}")
    return tuple(_whole(f"{key}[{i}]", s, 0, top) for i, s in enumerate(value))


def _layers(key: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ConfigError(f"recipe {key} must be [lo, hi], a half-open range of style layers, "
                          f"not {value!r}")
    lo, hi = (_whole(f"{key}[{i}]", v, 0, 1024) for i, v in enumerate(value))
    if lo > hi:
        raise ConfigError(f"recipe {key} = [{lo}, {hi}] runs backwards; it needs lo <= hi")
    return lo, hi  # lo == hi: no layers (a band the generator lacks), which is allowed


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class DirectionsSpec:
    """Which directions the sliders move along; `layers` [lo, hi) are the ws indices an edit
    moves (and whose affines SeFa factorises); None = every layer."""

    method: str
    count: int
    samples: int = 10_000  # PCA only: w samples
    seed: int = 0  # PCA only: seed of the sampled z
    layers: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        _choice("directions.method", self.method, ("pca", "sefa"))
        _whole("directions.count", self.count, 1, 1024)
        _whole("directions.samples", self.samples, 2, 1_000_000)
        _whole("directions.seed", self.seed, 0, MAX_SEED)
        if self.layers is not None:
            _set(self, "layers", _layers("directions.layers", self.layers))
        if self.method == "pca" and self.samples <= self.count:
            raise ConfigError(f"recipe directions.samples = {self.samples} is too few for "
                              f"{self.count} PCA directions; use more than {self.count}")


@dataclass(frozen=True)
class MixSpec:
    """A style-mixing grid: cell (r, c) has row r's styles at `layers`, column c's elsewhere."""

    rows: tuple[int, ...]
    cols: tuple[int, ...]
    layers: tuple[int, int]

    def __post_init__(self) -> None:
        _set(self, "rows", _seeds("mix.rows", self.rows, 1))
        _set(self, "cols", _seeds("mix.cols", self.cols, 1))
        _set(self, "layers", _layers("mix.layers", self.layers))


@dataclass(frozen=True)
class InterpolationSpec:
    """Frame `frame` of a path through the keyframe seeds, `steps` frames per leg."""

    keyframes: tuple[int, ...]
    steps: int
    frame: int = 0
    space: str = "w"  # "w": lerp of the mapped w; "z": slerp of z, then mapping

    def __post_init__(self) -> None:
        _set(self, "keyframes", _seeds("interpolation.keyframes", self.keyframes, 2))
        _whole("interpolation.steps", self.steps, 1, 100_000)
        last = (len(self.keyframes) - 1) * self.steps  # the path's frames are 0…last
        _whole("interpolation.frame", self.frame, 0, last)
        _choice("interpolation.space", self.space, ("w", "z"))


@dataclass(frozen=True)
class GridSpec:
    """A grid of seeds: with `classes`, row r column c is seed r drawn as class c (a cGAN);
    without, the seeds fill `columns` per row (0 = a near-square layout)."""

    seeds: tuple[int, ...]
    classes: tuple[int, ...] | None = None
    columns: int = 0

    def __post_init__(self) -> None:
        most = MAX_GRID_SIDE if self.classes is not None else MAX_GRID_SEEDS
        _set(self, "seeds", _seeds("grid.seeds", self.seeds, 1, most))
        if self.classes is not None:
            _set(self, "classes", _seeds("grid.classes", self.classes, 1, MAX_GRID_SIDE,
                                         MAX_LABEL, "class numbers"))
        _whole("grid.columns", self.columns, 0, MAX_GRID_SEEDS)

    def shape(self, num_classes: int = 0) -> tuple[int, int]:
        """(rows, columns) of the picture; a conditional grid without its own class list
        shows the first `num_classes` classes (at most MAX_GRID_SIDE)."""
        if self.classes is not None:
            return len(self.seeds), len(self.classes)
        if num_classes:
            return len(self.seeds), min(num_classes, MAX_GRID_SIDE)
        cols = self.columns or math.ceil(math.sqrt(len(self.seeds)))
        return math.ceil(len(self.seeds) / cols), cols


PARTS = {"directions": DirectionsSpec, "mix": MixSpec, "interpolation": InterpolationSpec,
         "grid": GridSpec}


@dataclass(frozen=True)
class Recipe:
    """Everything that decides one explored picture (see the module docstring)."""

    source: str
    view: str = "image"  # "image", "mix" or "interpolation"
    checkpoint: int | None = None
    seed: int = 0
    label: int | None = None  # a conditional generator's class (image, interpolation)
    psi: float = 1.0
    cutoff: int | None = None
    noise_mode: str = "const"
    noise_seed: int = 0
    directions: DirectionsSpec | None = None
    offsets: tuple[float, ...] = ()
    mix: MixSpec | None = None
    interpolation: InterpolationSpec | None = None
    grid: GridSpec | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.source, str) or not self.source.strip():
            raise ConfigError(f"recipe source must be the path of a run folder or a model "
                              f"folder, or bundled:<name>, not {self.source!r}")
        _choice("view", self.view, VIEWS)
        if self.checkpoint is not None:
            _whole("checkpoint", self.checkpoint, 0, 10**12)
        _whole("seed", self.seed, 0, MAX_SEED)
        if self.label is not None:
            _whole("label", self.label, 0, MAX_LABEL)
        _set(self, "psi", _number("psi", self.psi, -2.0, 2.0))
        if self.cutoff is not None:
            _whole("cutoff", self.cutoff, 0, 1024)
        _choice("noise_mode", self.noise_mode, NOISE_MODES)
        _whole("noise_seed", self.noise_seed, 0, MAX_SEED)
        self._check_parts()

    def _check_parts(self) -> None:
        for name, cls in PARTS.items():
            part = getattr(self, name)
            if isinstance(part, dict):  # the studio and JSON give plain dicts
                _known(part, cls, f"recipe {name}")
                part = cls(**part)
                _set(self, name, part)
            if part is not None and not isinstance(part, cls):
                raise ConfigError(f"recipe {name} must be an object like "
                                  f"{{{', '.join(f.name for f in fields(cls))}}} or null")
        if not isinstance(self.offsets, list | tuple):
            raise ConfigError(f"recipe offsets must be a list of numbers, not {self.offsets!r}")
        _set(self, "offsets", tuple(_number(f"offsets[{i}]", o, -1000.0, 1000.0)
                                    for i, o in enumerate(self.offsets)))
        count = self.directions.count if self.directions else 0
        if len(self.offsets) > count:
            raise ConfigError(f"recipe has {len(self.offsets)} offsets but {count} directions; "
                              "give at most one offset per direction")
        for view in ("mix", "interpolation", "grid"):
            if self.view == view and getattr(self, view) is None:
                raise ConfigError(f"recipe view {view!r} needs a {view!r} entry")
            if self.view != view and getattr(self, view) is not None:
                raise ConfigError(f"recipe {view!r} is used only by view {view!r}; remove it "
                                  f"or set view to {view!r}")

    def replace(self, **changes: Any) -> Recipe:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": RECIPE_FORMAT, "version": RECIPE_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value):
                value = {k: list(v) if isinstance(v, tuple) else v
                         for k, v in dataclasses.asdict(value).items()}
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, raw: Any) -> Recipe:
        if not isinstance(raw, dict):
            raise ConfigError("a recipe must be a JSON object")
        if raw.get("format") != RECIPE_FORMAT:
            raise ConfigError(f"recipe format = {raw.get('format')!r} is not allowed; a recipe "
                              f"says \"format\": {RECIPE_FORMAT!r}")
        if raw.get("version") != RECIPE_VERSION:
            raise ConfigError(f"recipe version = {raw.get('version')!r} is not allowed; this "
                              f"GAN Studio reads version {RECIPE_VERSION}")
        values = {k: v for k, v in raw.items() if k not in ("format", "version")}
        _known(values, cls, "the recipe")
        return cls(**values)  # nested dicts become specs in __post_init__

    @classmethod
    def from_json(cls, text: str) -> Recipe:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"the recipe is not valid JSON: {exc}") from None
        return cls.from_dict(raw)


def _known(raw: dict[str, Any], cls: type, where: str) -> None:
    """Refuse unknown keys and missing required ones, naming them and the allowed keys."""
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in {where}; allowed: "
                          f"{', '.join(allowed)}")
    required = [f.name for f in fields(cls) if f.default is dataclasses.MISSING]
    missing = [k for k in required if k not in raw]
    if missing:
        raise ConfigError(f"{where} lacks {missing[0]!r}; required: {', '.join(required)}")


MIX_PAD, MIX_BACKGROUND = 2, 24  # the mix picture: gaps between tiles, and their grey


def mix_tile_origin(row: int, col: int, height: int, width: int) -> tuple[int, int]:
    """(top, left) pixel of tile (row, col) in a mix picture of height×width images; row 0
    holds the column seeds' images and col 0 the row seeds' (tile (0, 0) is the empty corner),
    so cell (r, c) of the grid is tile (r + 1, c + 1)."""
    return MIX_PAD + row * (height + MIX_PAD), MIX_PAD + col * (width + MIX_PAD)


# -- rendering (torch is imported only when a picture is made) -------------------------------

def render(G: Any, recipe: Recipe, device: Any = None) -> Any:
    """The recipe's images, float [N, C, H, W] in [-1, 1] on the CPU: one image, or for view
    "mix" the rows×cols cells in row-major order. `device` defaults to G's (and must be it)."""
    from studio.explore import renderer

    return renderer.render(G, recipe, device)


def render_mix(G: Any, recipe: Recipe, device: Any = None) -> tuple[Any, Any, Any]:
    """For view "mix": (cells [R·C, C, H, W], row images [R, …], column images [C, …])."""
    from studio.explore import renderer

    return renderer.render_mix(G, recipe, device)


def render_picture(G: Any, recipe: Recipe, device: Any = None) -> Any:
    """The picture the studio shows, uint8 [H, W, C] (numpy): the image, or for "mix" the grid
    with the row seeds' images down the left, the column seeds' along the top, corner empty."""
    from studio.explore import renderer

    return renderer.render_picture(G, recipe, device)
