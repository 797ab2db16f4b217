"""The generator as files other programs load: a model folder the studio opens (safetensors,
config, manifest, README.md model card), and a TorchScript module.

A model folder has the bundled-model format `studio.explore.source` describes; the export
loads it back before keeping it and refuses unless it renders the same pixels. TorchScript
traces the same graphs as the ONNX export (unfused modulation, so any batch works): a GAN,
DCGAN or cGAN as z (, label) → images; a StyleGAN as mapping and synthesis in one module,
z, ψ, cutoff → images, with the studio's default "const" noise built in.
"""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import Tensor, nn

from studio.config import save_toml
from studio.errors import StudioError
from studio.explore.latents import z_from_seeds
from studio.explore.source import (
    MODEL_FORMAT,
    MODEL_MANIFEST,
    MODEL_VERSION,
    MODEL_WEIGHTS,
    file_sha256,
    generator_weights,
    load_source,
)
from studio.export.files import ExportResult, Progress, staged
from studio.export.model_card import model_card
from studio.export.onnx_graphs import LatentGraph, StyleGraph, cpu_copy, is_stylegan
from studio.nets.stylegan_layers import unfused_modulation
from studio.runs.layout import CONFIG

MAX_ABS_DIFF = 1e-4  # the most a TorchScript module may differ from PyTorch
CHECK_SEEDS = 8
CHECK_PSI = 0.7
CARD = "README.md"


def _name(name: str | None, out: Path) -> str:
    name = name or out.name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise StudioError(f"model name {name!r} may use only letters, digits, '.', '_' and "
                          "'-', starting with a letter or digit; pass another name")
    return name


def _command(source: Any, name: str) -> str:
    """How the weights were trained: a bundled model's recorded command, or for a run the
    command that retrains it from the config.toml saved beside the weights."""
    manifest = Path(source.path) / MODEL_MANIFEST
    if manifest.exists():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            command = json.loads(manifest.read_text(encoding="utf-8")).get("command")
            if command:
                return str(command)
    return f"gan-studio train --config {CONFIG} --out runs/{Path(source.path).name or name}"


def _evaluations(source: Any) -> list[dict[str, Any]]:
    """The run's quality evaluations (none for a model folder, which keeps no metrics)."""
    from studio.runs.reader import read_evals

    folder = Path(source.path)
    return read_evals(folder) if (folder / CONFIG).exists() and folder.is_dir() else []


def _reference(G: nn.Module, z: Tensor, labels: Tensor | None) -> Tensor:
    if is_stylegan(G):
        return G(z, noise_mode="const")
    return G(z, labels)


def export_model(source: Any, out: Path, *, name: str | None = None, title: str | None = None,
                 force: bool = False, progress: Progress | None = None) -> ExportResult:
    """Write `source`'s generator as a model folder `out` that `load_source(out)` opens and
    renders identically, with a README.md model card."""
    progress = progress or Progress()
    out = Path(out)
    name, title = _name(name, out), title or source.label
    G = cpu_copy(source.G)
    weights = {k: v.detach().cpu().contiguous().clone() for k, v in generator_weights(G).items()}
    with staged(out, force, folder=True) as part:
        progress(0, 4, "weights")
        save_file(weights, str(part / MODEL_WEIGHTS), metadata={"format": MODEL_FORMAT})
        save_toml(source.config, part / CONFIG)
        manifest = {"format": MODEL_FORMAT, "version": MODEL_VERSION, "name": name,
                    "title": title, "variant": source.config.variant,
                    "dataset": source.config.data.dataset,
                    "resolution": int(source.data.shape[-1]), "steps": int(source.step),
                    "data": source.data.to_dict(), "command": _command(source, name),
                    "sha256": file_sha256(part / MODEL_WEIGHTS),
                    "size_bytes": (part / MODEL_WEIGHTS).stat().st_size}
        (part / MODEL_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
        progress(1, 4, "model card")
        counts = {"tensors": len(weights), "parameters": sum(t.numel() for t in weights.values())}
        card = model_card(manifest, (part / CONFIG).read_text(encoding="utf-8"),
                          _evaluations(source), counts)
        (part / CARD).write_text(card, encoding="utf-8")
        progress(2, 4, "loading it back")
        _same_pixels(G, load_source(part, device="cpu").G)
        progress(3, 4, "checked")
        names = sorted(p.name for p in part.iterdir())
    progress(4, 4, "done")
    return ExportResult([out / n for n in names],
                        {"name": name, "title": title, "steps": int(source.step),
                         "size_bytes": manifest["size_bytes"], "sha256": manifest["sha256"]})


@torch.no_grad()
def _same_pixels(G: nn.Module, loaded: nn.Module) -> None:
    """Refuse a model folder whose generator does not give G's images bit for bit."""
    z = z_from_seeds(range(4), G.z_dim)
    labels = torch.arange(4) % len(G.classes) if getattr(G, "classes", ()) else None
    if not torch.equal(_reference(G, z, labels), _reference(loaded, z, labels)):
        raise StudioError("the exported model does not reproduce the generator's images; "
                          "nothing was kept. This is a bug: please report it")


@contextlib.contextmanager
def _quiet_tracer() -> Iterator[None]:
    """Silence TorchScript's deprecation notices (tracing is chosen on purpose)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*TorchScript")
        warnings.filterwarnings("ignore", category=FutureWarning, message=r".*TorchScript")
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*torch\.jit")
        warnings.filterwarnings("ignore", category=FutureWarning, message=r".*torch\.jit")
        yield


def _graph(G: nn.Module) -> tuple[nn.Module, tuple, str]:
    """The module to trace, example inputs, and its call signature for people."""
    z = torch.randn(2, G.z_dim)
    labels = torch.zeros(2, dtype=torch.long) if getattr(G, "classes", ()) else None
    with torch.no_grad():
        shape = ", ".join(str(s) for s in _reference(G, z, labels).shape[1:])
    images = f"images [N, {shape}] float32 in [-1, 1]"
    if is_stylegan(G):
        return (StyleGraph(G), (z, torch.tensor(CHECK_PSI), torch.tensor(int(G.num_ws))),
                f"module(z [N, {G.z_dim}] float32, psi [] float32, cutoff [] int64; "
                f"cutoff {G.num_ws} truncates every layer) → {images}, const noise")
    if labels is not None:
        return (LatentGraph(G), (z, labels),
                f"module(z [N, {G.z_dim}] float32, label [N] int64 in 0..{len(G.classes) - 1})"
                f" → {images}")
    return LatentGraph(G), (z,), f"module(z [N, {G.z_dim}] float32) → {images}"


def export_torchscript(source: Any, out: Path, *, force: bool = False,
                       progress: Progress | None = None) -> ExportResult:
    """Write `source`'s generator as a traced TorchScript file `out` (torch.jit.load opens
    it), kept only if it reproduces PyTorch within MAX_ABS_DIFF for batches of 8 and 1."""
    progress = progress or Progress()
    out = Path(out)
    G = cpu_copy(source.G)
    graph, args, signature = _graph(G)
    with staged(out, force) as part:
        progress(0, 3, "tracing")
        try:
            with unfused_modulation(graph), _quiet_tracer(), torch.no_grad():
                traced = torch.jit.trace(graph, args, check_trace=False)
                extra = {"gan-studio.json": json.dumps({"signature": signature,
                                                        "source": source.label,
                                                        "step": int(source.step)})}
                torch.jit.save(traced, str(part), _extra_files=extra)
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            raise StudioError(f"this {source.config.variant} generator cannot be traced to "
                              f"TorchScript ({type(exc).__name__}: {first}); export it as "
                              "ONNX or as a model folder instead") from exc
        progress(1, 3, "checking")
        with _quiet_tracer():
            loaded = torch.jit.load(str(part), map_location="cpu")
        diff = _check_traced(G, loaded)
        if not diff <= MAX_ABS_DIFF:
            raise StudioError(f"the TorchScript module differs from PyTorch by {diff:.2e} "
                              f"(more than {MAX_ABS_DIFF:.0e}); nothing was kept. This is a "
                              "bug: please report it with the model")
        progress(2, 3, "checked")
    progress(3, 3, "done")
    return ExportResult([out], {"max_abs_diff": float(diff), "seeds": CHECK_SEEDS,
                                "signature": signature})


@torch.no_grad()
def _check_traced(G: nn.Module, traced: Any) -> float:
    """Max abs difference of `traced` from G on CHECK_SEEDS seeds, all at once then one by
    one; a StyleGAN alternates truncated (ψ, half the layers) and untruncated runs."""
    worst = 0.0
    runs = [list(range(CHECK_SEEDS))] + [[s] for s in range(CHECK_SEEDS)]
    for k, run in enumerate(runs):
        z = z_from_seeds(run, G.z_dim)
        if is_stylegan(G):
            psi, cutoff = (CHECK_PSI, G.num_ws // 2) if k % 2 == 0 else (1.0, G.num_ws)
            ref = G.synthesis(G.mapping(z, psi, cutoff), noise_mode="const")
            got = traced(z, torch.tensor(psi), torch.tensor(cutoff))
        else:
            labels = (torch.tensor(run) * 3 + 1) % len(G.classes) if G.classes else None
            ref = G(z, labels)
            got = traced(z) if labels is None else traced(z, labels)
        if got.shape != ref.shape:
            raise StudioError(f"the TorchScript module gave shape {tuple(got.shape)} for a "
                              f"batch of {len(run)}, PyTorch {tuple(ref.shape)}")
        worst = max(worst, float((got - ref.clamp(-1.0, 1.0)).abs().max()))
    return worst
