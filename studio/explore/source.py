"""Where a generator to explore comes from: a run folder, or a bundled model folder.

A run folder (see studio.runs) gives its config.toml and a checkpoint, the latest unless a step
is named; exploration uses the EMA weights ("G_ema.") when the run kept them, else "G.".
A StyleGAN generator is explored as it is (mapping, synthesis, styles); a GAN, DCGAN or cGAN
generator is wrapped in a `LatentGenerator`: z (and a cGAN's class) in, images out.

A bundled model folder is one generator frozen for shipping (the repository's models/ holds
the demo models the studio opens with):

    models/manifest.json            {"models": [{"name", "title", "path"}]}: the list, paths
                                    relative to models/ (without it, the folders are scanned)
    models/<name>/model.safetensors the generator's state_dict, keys without a prefix
    models/<name>/config.toml       the RunConfig that trained it
    models/<name>/manifest.json     {"format": "gan-studio/model", "version": 1, "name",
                                    "title", "variant", "dataset", "resolution", "steps",
                                    "data": DataInfo dict, "command": the command that trained
                                    it, "sha256": of model.safetensors, "size_bytes": its size}

Loading checks the checksum, so a damaged or swapped file is a clear error, never a silently
different model. Weights are read with safetensors only: loading never executes code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from studio.config import RunConfig, load_toml, save_toml
from studio.errors import RunFolderError
from studio.explore.catalog import (  # noqa: F401  (re-exported for callers of source)
    BUNDLED_PREFIX,
    MODEL_FORMAT,
    MODEL_MANIFEST,
    MODEL_VERSION,
    MODEL_WEIGHTS,
    MODELS_MANIFEST,
    BundledModel,
    default_models_root,
    find_bundled,
    list_bundled_models,
    portable_source,
    write_models_manifest,
)
from studio.runs.checkpoints import WEIGHTS as CHECKPOINT_WEIGHTS
from studio.runs.checkpoints import (
    file_sha256,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    load_newest_intact,
)
from studio.runs.layout import CHECKPOINTS, CONFIG, checkpoint_name
from studio.runs.reader import read_config
from studio.train.base import DataInfo, unprefixed
from studio.train.device import select_device

# variant → how its generator is rebuilt: a builder "module:function", or "trainer" (the
# variant's trainer class builds its nets, so exploration always matches what trained)
EXPLORABLE = {"stylegan": "studio.train.stylegan:build_generator", "gan": "trainer",
              "dcgan": "trainer", "cgan": "trainer"}


class LatentGenerator(nn.Module):
    """A GAN, DCGAN or cGAN generator as Explore sees it: z [N, z_dim] (and a cGAN's class
    labels [N]) → images [N, C, H, W] in [-1, 1]. It has no W space, styles or noise inputs.

    Args:
        net: the trained generator, G(z) or, when `classes` is not empty, G(z, labels).
        z_dim: the size of z.
        shape: one image's (C, H, W).
        classes: the class names of a conditional generator, empty otherwise.
    """

    def __init__(self, net: nn.Module, z_dim: int, shape: tuple[int, ...],
                 classes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.net, self.z_dim, self.classes = net, int(z_dim), tuple(classes)
        self.resolution = int(shape[-1])

    @property
    def conditional(self) -> bool:
        return bool(self.classes)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.net(z, labels) if self.conditional else self.net(z)


@dataclass
class GeneratorSource:
    """A generator ready to explore (eval mode, no gradients) and where it came from."""

    G: nn.Module
    config: RunConfig
    data: DataInfo
    label: str  # what the studio shows: the run's name (or folder name), or the model's title
    step: int  # the training step its weights are from
    path: Path  # the run folder or the bundled model folder
    warnings: tuple[str, ...] = ()  # e.g. a damaged newest checkpoint passed over, named


def _explorable(config: RunConfig) -> str:
    """The generator builder of `config`'s variant, or why it cannot be explored."""
    if config.variant not in EXPLORABLE:
        kinds = ", ".join(EXPLORABLE)
        raise RunFolderError(f"Explore opens {kinds} models; this one is a "
                             f"{config.variant!r} model")
    return EXPLORABLE[config.variant]


def build_generator(config: RunConfig, data: DataInfo) -> nn.Module:
    """A freshly built generator of `config`'s variant (weights not loaded; for a GAN, DCGAN
    or cGAN the bare net, which `explorable` wraps once its weights are in)."""
    import importlib

    builder = _explorable(config)
    if data.kind != "images":
        raise RunFolderError(f"Explore shows images; this {config.variant} run generates "
                             "2-D points (the Monitor's 2-D view shows them)")
    if builder == "trainer":
        from studio.train.base import Trainer
        from studio.train.registry import trainer_class

        cls = trainer_class(config.variant)
        bare = cls.__new__(cls)  # only the nets: no optimisers, no seeding, no D on a device
        Trainer.__init__(bare, config, data, torch.device("cpu"))
        return bare.build_nets()[0]
    module, _, name = builder.partition(":")
    return getattr(importlib.import_module(module), name)(config.model, data)


def explorable(G: nn.Module, config: RunConfig, data: DataInfo) -> nn.Module:
    """What Explore renders with: a StyleGAN generator as is, others as a LatentGenerator."""
    if _explorable(config) == "trainer":
        conditional = config.variant == "cgan"
        return LatentGenerator(G, config.model.z_dim, data.shape,
                               data.classes if conditional else ())
    return G


def generator_weights(G: nn.Module) -> dict[str, Tensor]:
    """The weights of the trained net inside G (a LatentGenerator's wrapped net)."""
    net = G.net if isinstance(G, LatentGenerator) else G
    return net.state_dict()


def _ready(G: nn.Module, config: RunConfig, step: int, weights: dict[str, torch.Tensor],
           where: Path, device: torch.device) -> nn.Module:
    """G with `weights` loaded, grown as far as training had grown it, on `device`, frozen."""
    try:
        G.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[-1].strip()
        raise RunFolderError(f"the weights in {where} do not fit the generator its config "
                             f"builds ({first})") from None
    m = config.model
    if getattr(m, "progressive", False) and hasattr(G, "set_growth"):
        from studio.train.growth import growth_at  # the step's last growth state, as trained

        G.set_growth(*growth_at(max(step - 1, 0), m.start_resolution, G.resolution,
                                m.fade_steps, m.stable_steps))
    return G.to(device).eval().requires_grad_(False)


def _device(device: str | torch.device) -> torch.device:
    return select_device(device) if isinstance(device, str) else device


def load_source(path: str | Path, checkpoint: int | None = None,
                device: str | torch.device = "cpu") -> GeneratorSource:
    """A run folder's or a bundled model folder's generator on `device`."""
    path = Path(path)
    if (path / MODEL_MANIFEST).exists() or (path / MODEL_WEIGHTS).exists():
        return load_bundled(path, checkpoint, device)
    if (path / CONFIG).exists():
        return load_run(path, checkpoint, device)
    if not path.exists():
        raise RunFolderError(f"{path} does not exist")
    raise RunFolderError(f"{path} is neither a run folder ({CONFIG} is missing) nor a "
                         f"bundled model ({MODEL_MANIFEST} is missing)")


def load_run(folder: str | Path, checkpoint: int | None = None,
             device: str | torch.device = "cpu") -> GeneratorSource:
    """The generator of a run at step `checkpoint` (None = its latest checkpoint)."""
    folder = Path(folder)
    config = read_config(folder)
    _explorable(config)
    ckpts = folder / CHECKPOINTS
    warnings: tuple[str, ...] = ()
    if checkpoint is None:  # the newest intact one; damaged newer ones become warnings
        intact = load_newest_intact(ckpts)
        if intact is None:
            raise RunFolderError(f"{folder} has no checkpoint yet; let the run train until it "
                                 f"saves one (every {config.train.checkpoint_every} steps)")
        found, stored, warnings = intact.path, intact.stored, tuple(intact.warnings)
    else:
        found = ckpts / checkpoint_name(checkpoint)
        if found not in list_checkpoints(ckpts):
            steps = [int(p.name.split("_")[1]) for p in list_checkpoints(ckpts)]
            have = ", ".join(map(str, steps)) or "none"
            raise RunFolderError(f"{folder} has no checkpoint at step {checkpoint}; it has: "
                                 f"{have}")
        stored = load_checkpoint(found)
    trainer_state = stored.state.get("trainer", stored.state)
    if "data" not in trainer_state:
        raise RunFolderError(f"checkpoint {found} does not record its data shape")
    data = DataInfo.from_dict(trainer_state["data"])
    prefix = "G_ema" if any(k.startswith("G_ema.") for k in stored.weights) else "G"
    G = _ready(build_generator(config, data), config, stored.step,
               unprefixed(prefix, stored.weights), found, _device(device))
    return GeneratorSource(explorable(G, config, data), config, data,
                           config.name or folder.name, stored.step, folder, warnings)


def current_checkpoint_key(path: str | Path, checkpoint: int | None = None) -> tuple:
    """A cheap key that changes when the weights `load_source(path, checkpoint)` would load
    change (a run saving a newer checkpoint, a model folder replaced); never raises."""
    path = Path(path)
    try:
        if (path / MODEL_MANIFEST).exists() or (path / MODEL_WEIGHTS).exists():
            st = (path / MODEL_WEIGHTS).stat()
            return ("bundled", st.st_mtime_ns, st.st_size)
        ckpts = path / CHECKPOINTS
        found = latest_checkpoint(ckpts) if checkpoint is None else \
            ckpts / checkpoint_name(checkpoint)
        if found is None:
            return ("run", None)
        return ("run", found.name, (found / CHECKPOINT_WEIGHTS).stat().st_mtime_ns)
    except OSError:
        return ("missing", str(path), checkpoint)


def read_model_manifest(folder: Path) -> dict[str, Any]:
    """A bundled model's manifest, checked for its format, version and files."""
    for name in (MODEL_MANIFEST, MODEL_WEIGHTS, CONFIG):
        if not (folder / name).exists():
            raise RunFolderError(f"bundled model {folder} is incomplete: {name} is missing")
    try:
        manifest = json.loads((folder / MODEL_MANIFEST).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunFolderError(f"{folder / MODEL_MANIFEST} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MODEL_FORMAT:
        raise RunFolderError(f"{folder / MODEL_MANIFEST} is not a GAN Studio model manifest "
                             f"(format must be {MODEL_FORMAT!r})")
    if manifest.get("version") != MODEL_VERSION:
        raise RunFolderError(f"bundled model {folder} has format version "
                             f"{manifest.get('version')!r}; this GAN Studio reads version "
                             f"{MODEL_VERSION}")
    missing = [k for k in ("name", "title", "steps", "data", "sha256") if k not in manifest]
    if missing:
        raise RunFolderError(f"{folder / MODEL_MANIFEST} lacks {missing[0]!r}")
    return manifest


def load_bundled(folder: str | Path, checkpoint: int | None = None,
                 device: str | torch.device = "cpu") -> GeneratorSource:
    """A bundled model's generator, after checking its weights against the manifest."""
    folder = Path(folder)
    manifest = read_model_manifest(folder)
    step = int(manifest["steps"])
    if checkpoint is not None and checkpoint != step:
        raise RunFolderError(f"bundled model {folder} holds only the weights of step {step}, "
                             f"not {checkpoint}")
    if file_sha256(folder / MODEL_WEIGHTS) != manifest["sha256"]:
        raise RunFolderError(f"{folder / MODEL_WEIGHTS} does not match its manifest's sha256: "
                             "the file is damaged or was replaced; restore it")
    config = load_toml(folder / CONFIG)
    data = DataInfo.from_dict(manifest["data"])
    try:
        weights = load_file(str(folder / MODEL_WEIGHTS))
    except Exception as exc:
        raise RunFolderError(f"{folder / MODEL_WEIGHTS} cannot be read: {exc}") from None
    G = _ready(build_generator(config, data), config, step, weights, folder, _device(device))
    return GeneratorSource(explorable(G, config, data), config, data,
                           str(manifest["title"]), step, folder)


def bundle_model(run_folder: str | Path, out_folder: str | Path, name: str, title: str,
                 command: str, checkpoint: int | None = None) -> Path:
    """Freeze a run's generator into a bundled model folder; never overwrites one."""
    out = Path(out_folder)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise RunFolderError(f"model name {name!r} may use only letters, digits, '.', '_' "
                             "and '-'")
    if out.exists():
        raise RunFolderError(f"{out} already exists; remove it or bundle into another folder")
    source = load_run(run_folder, checkpoint, "cpu")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        weights = {k: v.detach().cpu().contiguous().clone()
                   for k, v in generator_weights(source.G).items()}
        save_file(weights, str(tmp / MODEL_WEIGHTS), metadata={"format": MODEL_FORMAT})
        save_toml(source.config, tmp / CONFIG)
        manifest = {"format": MODEL_FORMAT, "version": MODEL_VERSION, "name": name,
                    "title": title, "variant": source.config.variant,
                    "dataset": source.config.data.dataset,
                    "resolution": int(source.data.shape[-1]), "steps": source.step,
                    "data": source.data.to_dict(), "command": command,
                    "sha256": file_sha256(tmp / MODEL_WEIGHTS),
                    "size_bytes": (tmp / MODEL_WEIGHTS).stat().st_size}
        (tmp / MODEL_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                          encoding="utf-8")
        if out.exists():  # appeared while we wrote: still never overwrite
            raise RunFolderError(f"{out} already exists; remove it or bundle into another "
                                 "folder")
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def resolve_source(source: str, recipe_folder: Path | None = None,
                   models_root: Path | None = None) -> Path:
    """A recipe's source as a path: "bundled:<name>" is that shipped model; absolute as is;
    a relative one is looked for next to the recipe file, then in the current folder, then
    among the bundled models."""
    if source.startswith(BUNDLED_PREFIX):
        return find_bundled(source[len(BUNDLED_PREFIX):], models_root)
    path = Path(source).expanduser()
    if path.is_absolute():
        if not path.exists():
            raise RunFolderError(f"source {source} does not exist")
        return path
    bases = [b for b in (recipe_folder, Path.cwd(), models_root or default_models_root()) if b]
    for base in bases:
        if (base / path).exists():
            return base / path
    looked = ", ".join(str(b) for b in bases)
    raise RunFolderError(f"source {source!r} was not found; looked in: {looked}")
