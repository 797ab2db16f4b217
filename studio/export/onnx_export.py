"""The generator as ONNX files, checked in onnxruntime against PyTorch before they are kept.

Exporter: torch.onnx's TorchScript-based exporter (`dynamo=False`). It needs only torch and
the `onnx` package at run time (the dynamo exporter also needs onnxscript) and exports the
bundled StyleGAN in 1–2 s on torch 2.13 and 2.14 (the dynamo exporter: ~8 s). Its notices that
it is deprecated are silenced; every other warning and error comes through. Checking needs
onnxruntime.

Folder written (see `onnx_graphs` for the graphs): a GAN, DCGAN or cGAN → generator.onnx; a
StyleGAN → mapping.onnx, synthesis.onnx and noise_const.npz; always model.json, which names
every input and output with its shape, dtype and range. The batch axis N is dynamic.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from studio.errors import StudioError
from studio.explore.latents import z_from_seeds
from studio.export.files import ExportResult, Progress, staged
from studio.export.onnx_graphs import (
    LatentGraph,
    MappingGraph,
    SynthesisGraph,
    cpu_copy,
    draw_noise,
    is_stylegan,
    noise_layers,
)
from studio.nets.stylegan_layers import unfused_modulation

OPSET = 17
MAX_ABS_DIFF = 1e-4  # the most onnxruntime may differ from PyTorch, per pixel in [-1, 1]
FORMAT, VERSION = "gan-studio/onnx", 1
SPEC, NOISE_CONST = "model.json", "noise_const.npz"
EXPORTER = "torch.onnx TorchScript-based (dynamo=False)"
CHECK_PSI = 0.7  # the truncation the check uses on half its runs


def _require(module: str, why: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise StudioError(f"{why} needs the Python package {module!r}, which is not "
                          f"installed; install it with: pip install {module}")


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence the legacy exporter's notices that it is deprecated (it is chosen on purpose,
    and works on the torch versions the studio ships); every other warning still shows."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning,
                                message=r".*legacy TorchScript-based ONNX export")
        warnings.filterwarnings("ignore", category=DeprecationWarning,
                                module=r"torch\.onnx\..*", message=r"The feature will be removed")
        warnings.filterwarnings("ignore", category=FutureWarning,
                                message=r".*TorchScript-based ONNX export")
        yield


def _export(graph: nn.Module, args: tuple, path: Path, inputs: list[str], output: str,
            dynamic: dict[str, dict[int, str]]) -> None:
    """Trace `graph` on `args` into the ONNX file `path` (unfused modulation: any batch).

    The graph is put in eval mode first: the exporter restores the mode it found afterwards,
    recursively, which would leave a new wrapper's net (and its BatchNorm) training."""
    graph.eval()
    try:
        with unfused_modulation(graph), _quiet_exporter(), torch.no_grad():
            torch.onnx.export(graph, args, str(path), input_names=inputs,
                              output_names=[output],
                              dynamic_axes=dynamic, opset_version=OPSET, dynamo=False,
                              do_constant_folding=True)
    except StudioError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise StudioError(f"exporting {path.name} to ONNX failed: {first}") from exc


def _io(name: str, dtype: str, shape: list, about: str, values: list | None = None) -> dict:
    entry: dict[str, Any] = {"name": name, "dtype": dtype, "shape": shape, "about": about}
    if values is not None:
        entry["range"] = values
    return entry


Z_ABOUT = ("standard normal, N(0, 1) per entry; the studio's seed s is "
           "torch.randn(z_dim, generator=torch.Generator().manual_seed(s))")
IMAGES_ABOUT = "clamped to [-1, 1]; pixel = round((x + 1) * 127.5), channels first"


def _write_latent(G: nn.Module, folder: Path) -> dict:
    """generator.onnx of a GAN, DCGAN or cGAN (a LatentGenerator) and its spec."""
    c, h, w = (int(s) for s in G(torch.zeros(1, G.z_dim), _labels(G, 1)).shape[1:])
    inputs = [_io("z", "float32", ["N", G.z_dim], Z_ABOUT)]
    args: tuple = (torch.randn(2, G.z_dim),)
    if G.classes:
        inputs.append(_io("label", "int64", ["N"], "the class of each image",
                          [0, len(G.classes) - 1]))
        args += (torch.zeros(2, dtype=torch.long),)
    names = [i["name"] for i in inputs]
    _export(LatentGraph(G), args, folder / "generator.onnx", names, "images",
            {**{n: {0: "N"} for n in names}, "images": {0: "N"}})
    out = _io("images", "float32", ["N", c, h, w], IMAGES_ABOUT, [-1.0, 1.0])
    return {"kind": "latent", "classes": list(G.classes),
            "graphs": {"generator": {"file": "generator.onnx", "inputs": inputs,
                                     "outputs": [out]}}}


def _labels(G: nn.Module, n: int) -> Tensor | None:
    return torch.arange(n) % len(G.classes) if G.classes else None


def _write_style(G: nn.Module, folder: Path, progress: Callable[[str], None]) -> dict:
    """mapping.onnx, synthesis.onnx and noise_const.npz of a StyleGAN, and their spec."""
    num_ws, w_dim = int(G.num_ws), int(G.w_dim)
    mapping_in = [_io("z", "float32", ["N", G.z_dim], Z_ABOUT),
                  _io("psi", "float32", [], "truncation ψ: 1 = none, 0 = the average image; "
                      "the studio allows -2 to 2", [-2.0, 2.0]),
                  _io("cutoff", "int64", [], f"truncate the ws indices below this; {num_ws} "
                      "truncates all (the studio's default)", [0, num_ws])]
    _export(MappingGraph(G), (torch.randn(2, G.z_dim), torch.tensor(CHECK_PSI),
                              torch.tensor(num_ws)), folder / "mapping.onnx",
            ["z", "psi", "cutoff"], "ws", {"z": {0: "N"}, "ws": {0: "N"}})
    progress("synthesis")
    synthesis = SynthesisGraph(G)
    layers = synthesis.layers
    const = synthesis.const_noise(G)
    np.savez(folder / NOISE_CONST, **{f"noise_{i}": t.numpy() for i, t in enumerate(const)})
    noise_names = [f"noise_{i}" for i in range(len(layers))]
    ws = G.mapping(torch.randn(2, G.z_dim))
    _export(synthesis, (ws, *draw_noise(layers, 2, 0)), folder / "synthesis.onnx",
            ["ws", *noise_names], "images",
            {"ws": {0: "N"}, "images": {0: "N"}, **{n: {0: "noise_N"} for n in noise_names}})
    res = int(G.growth_resolution)
    noise_about = ("N(0, 1) maps (the studio's \"random\" noise), the same map from "
                   f"{NOISE_CONST} (\"const\", batch 1 broadcasts) or zeros (\"none\")")
    noise_in = [_io(n, "float32", ["N", 1, *layer.size], noise_about)
                for n, layer in zip(noise_names, layers, strict=True)]
    return {"kind": "stylegan", "num_ws": num_ws, "w_dim": w_dim, "noise_const": NOISE_CONST,
            "graphs": {
                "mapping": {"file": "mapping.onnx", "inputs": mapping_in,
                            "outputs": [_io("ws", "float32", ["N", num_ws, w_dim],
                                            "one w per style layer, for synthesis")]},
                "synthesis": {"file": "synthesis.onnx",
                              "inputs": [_io("ws", "float32", ["N", num_ws, w_dim],
                                             "mapping's output (may be mixed or edited)"),
                                         *noise_in],
                              "outputs": [_io("images", "float32",
                                              ["N", int(G.img_channels), res, res],
                                              IMAGES_ABOUT, [-1.0, 1.0])]}}}


def export_onnx(source: Any, out: Path, *, force: bool = False,
                progress: Progress | None = None, check_seeds: int = 8) -> ExportResult:
    """Write `source`'s generator as ONNX into the folder `out`, and keep it only if
    onnxruntime reproduces PyTorch within MAX_ABS_DIFF on `check_seeds` seeds."""
    _require("onnx", "exporting to ONNX")
    _require("onnxruntime", "checking an ONNX export")
    if check_seeds < 1:
        raise StudioError("check_seeds must be at least 1: an unchecked export is not kept")
    progress = progress or Progress()
    out = Path(out)
    G = cpu_copy(source.G)
    style = is_stylegan(G)
    total = (2 if style else 1) + len(_runs(check_seeds))
    start = time.perf_counter()
    with staged(out, force, folder=True) as part:
        progress(0, total, "mapping" if style else "generator")
        spec = _write_style(G, part, lambda what: progress(1, total, what)) if style \
            else _write_latent(G, part)
        done = 2 if style else 1
        spec = {"format": FORMAT, "version": VERSION, "source": source.label,
                "variant": source.config.variant, "step": int(source.step), "opset": OPSET,
                "exporter": f"{EXPORTER}, torch {torch.__version__}", **spec}
        (part / SPEC).write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
        export_seconds = time.perf_counter() - start
        diff = _check(part, G, check_seeds, lambda k: progress(done + k, total, "checking"))
        if not diff <= MAX_ABS_DIFF:
            raise StudioError(f"the ONNX export differs from PyTorch by {diff:.2e} (more than "
                              f"{MAX_ABS_DIFF:.0e}) in onnxruntime; nothing was kept. This is a "
                              "bug of the exporter: please report it with the model")
        names = sorted(p.name for p in part.iterdir())
    progress(total, total, "done")
    return ExportResult([out / n for n in names],
                        {"max_abs_diff": float(diff), "seeds": int(check_seeds),
                         "opset": OPSET, "exporter": EXPORTER,
                         "export_seconds": round(export_seconds, 3),
                         "check_seconds": round(time.perf_counter() - start - export_seconds,
                                                3)})


def check_onnx(folder: Path, source: Any, seeds: int = 8) -> float:
    """The largest absolute difference between `folder`'s ONNX files run in onnxruntime and
    `source`'s generator in PyTorch over `seeds` seeds (all at once, then one at a time)."""
    _require("onnxruntime", "checking an ONNX export")
    return _check(Path(folder), cpu_copy(source.G), seeds, lambda k: None)


def _read_spec(folder: Path) -> dict:
    try:
        spec = json.loads((folder / SPEC).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StudioError(f"{folder} is not an ONNX export of GAN Studio ({SPEC}: {exc})") \
            from None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise StudioError(f"{folder / SPEC} is not a GAN Studio ONNX description")
    return spec


def _session(path: Path) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3  # errors only: no notes about initializers on stderr
    opts.intra_op_num_threads = max(1, torch.get_num_threads())
    opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise StudioError(f"onnxruntime cannot open {path.name}: {exc}") from exc


def _diff(a: np.ndarray, b: Tensor) -> float:
    if a.shape != tuple(b.shape):
        raise StudioError(f"the ONNX output has shape {a.shape}, PyTorch's {tuple(b.shape)}: "
                          "the folder was exported from another model")
    return float(np.abs(a - b.numpy()).max())


def _runs(seeds: int) -> list[list[int]]:
    """All seeds at once (dynamic batch N), then each alone (N = 1)."""
    return [list(range(seeds))] + [[s] for s in range(seeds)]


@torch.no_grad()
def _check(folder: Path, G: nn.Module, seeds: int, step: Callable[[int], None]) -> float:
    spec = _read_spec(folder)
    if (spec.get("kind") == "stylegan") != is_stylegan(G):
        raise StudioError(f"{folder} holds an export of another kind of generator")
    check = _check_style if is_stylegan(G) else _check_latent
    return check(folder, spec, G, seeds, step)


def _check_latent(folder: Path, spec: dict, G: nn.Module, seeds: int,
                  step: Callable[[int], None]) -> float:
    session = _session(folder / "generator.onnx")
    worst = 0.0
    for k, run in enumerate(_runs(seeds)):
        z, labels = z_from_seeds(run, G.z_dim), _labels(G, len(run))
        if labels is not None:
            labels = (torch.tensor(run) * 3 + 1) % len(G.classes)  # every class, mixed
        feed = {"z": z.numpy()} | ({} if labels is None else {"label": labels.numpy()})
        got = session.run(["images"], feed)[0]
        worst = max(worst, _diff(got, G(z, labels).clamp(-1.0, 1.0)))
        step(k + 1)
    return worst


def _check_style(folder: Path, spec: dict, G: nn.Module, seeds: int,
                 step: Callable[[int], None]) -> float:
    """Half the runs truncate (ψ, cutoff) with random noise; half use no truncation and the
    const noise from noise_const.npz, fed with batch 1."""
    mapping, synthesis = _session(folder / "mapping.onnx"), _session(folder / "synthesis.onnx")
    layers = noise_layers(G)
    with np.load(folder / NOISE_CONST) as stored:
        const = [stored[f"noise_{i}"] for i in range(len(stored.files))]
    if len(const) != len(layers):
        raise StudioError(f"{folder} has {len(const)} noise inputs; this generator has "
                          f"{len(layers)}: the folder was exported from another model")
    worst, num_ws = 0.0, int(G.num_ws)
    for k, run in enumerate(_runs(seeds)):
        z, n = z_from_seeds(run, G.z_dim), len(run)
        truncate = k % 2 == 0
        psi, cutoff = (CHECK_PSI, num_ws // 2) if truncate else (1.0, None)
        ws = G.mapping(z, psi=psi, cutoff=cutoff)  # [n, num_ws, w_dim]
        got_ws = mapping.run(["ws"], {"z": z.numpy(), "psi": np.array(psi, np.float32),
                                      "cutoff": np.array(num_ws if cutoff is None else cutoff,
                                                         np.int64)})[0]
        worst = max(worst, _diff(got_ws, ws))
        if truncate:  # the studio's "random" noise, drawn from a seeded CPU generator
            noise = [t.numpy() for t in draw_noise(layers, n, 1000 + run[0])]
            ref = G.synthesis(ws, noise_mode="random",
                              generator=torch.Generator().manual_seed(1000 + run[0]))
        else:
            noise, ref = const, G.synthesis(ws, noise_mode="const")
        feed = {"ws": got_ws} | {f"noise_{i}": m for i, m in enumerate(noise)}
        got = synthesis.run(["images"], feed)[0]
        worst = max(worst, _diff(got, ref.clamp(-1.0, 1.0)))
        step(k + 1)
    return worst
