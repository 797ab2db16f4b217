"""The README.md model card of an exported model folder: what it is, how it was trained, how
well it does (the run's quality evaluations, where it has any) and how to use it."""

from __future__ import annotations

from typing import Any

from studio.metrics.names import FIGURES, figure_label
from studio.variants import VARIANTS


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def evaluation_table(rows: list[dict[str, Any]], step: int) -> list[str]:
    """Markdown lines of a table of the evaluations made up to `step` (the weights' step)."""
    rows = [r for r in rows if int(r.get("step", 0)) <= step]
    if not rows:
        return ["No quality evaluation was recorded for these weights. `gan-studio eval RUN` "
                "measures one (FD, KID, precision, recall) on a run folder."]
    keys = [k for k in FIGURES if any(k in r for r in rows)]
    head = ["step", "features", "samples"] + [k.upper() if k in ("fd", "kid") else k
                                              for k in keys]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        features = str(r.get("features", ""))
        cells = [str(r.get("step", "")), features, str(r.get("samples", ""))]
        cells += [_cell(r[k]) if k in r else "" for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    names = ", ".join(sorted({figure_label("fd", str(r.get("features", ""))) for r in rows}))
    lines += ["", f"FD and KID: Fréchet and kernel distances in the features named ({names}); "
              "lower is better. Precision, recall, density and coverage: higher is better."]
    return lines


def model_card(manifest: dict[str, Any], config_text: str, evaluations: list[dict[str, Any]],
               weights: dict[str, Any]) -> str:
    """The README.md text. `manifest` is the folder's manifest.json, `config_text` its
    config.toml, `weights` {"tensors": n, "parameters": n}."""
    variant = VARIANTS.get(manifest["variant"])
    title = variant.title if variant else manifest["variant"]
    data = manifest["data"]
    shape = "×".join(str(s) for s in data["shape"])
    classes = (data.get("classes") or []) if manifest["variant"] == "cgan" else []
    name = manifest["name"]
    lines = [f"# {manifest['title']}", "",
             f"A {title} generator trained with GAN Studio on the `{manifest['dataset']}` "
             f"dataset: {shape} images (channels × height × width), weights of training step "
             f"{manifest['steps']}.", ""]
    if variant is not None:
        lines += [variant.summary, ""]
    if classes:
        lines += [f"Classes ({len(classes)}): " + ", ".join(f"{i} {c}"
                                                       for i, c in enumerate(classes)), ""]
    lines += ["## Files", "",
              f"- `model.safetensors`: the generator's weights ({weights['tensors']} tensors, "
              f"{weights['parameters']:,} numbers, {manifest['size_bytes']:,} bytes, sha256 "
              f"`{manifest['sha256']}`); safetensors never runs code when loaded.",
              "- `config.toml`: every setting of the run that trained it.",
              "- `manifest.json`: what the studio reads to open it (format "
              f"`{manifest['format']}` version {manifest['version']}).", "",
              "## Use it", "",
              "- In GAN Studio: Explore → Open… and choose this folder; a recipe names it by "
              "its path.",
              f"- From a terminal, in the folder that holds it: `gan-studio export images "
              f"--source {name} --out samples` (or `onnx`, `video`, `torchscript`).",
              f"- In Python: `from studio.explore.source import load_source; "
              f"G = load_source(\"{name}\").G`.", "",
              "## Training", "",
              "```", str(manifest.get("command", "")), "```", "",
              "## Quality", ""]
    lines += evaluation_table(evaluations, int(manifest["steps"]))
    lines += ["", "## Configuration", "", "```toml", config_text.rstrip(), "```", ""]
    return "\n".join(lines)
