"""Named starting points for a run's settings ("Quick look", "Quality"), torch-free.

A preset is a set of overrides per section, chosen for the variant and the kind of data; what
it does not mention keeps its default. The studio's setup panel and scripts share them.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from studio.variants import default_train_settings, model_config_class

PRESETS = ("Quick look", "Quality")
EVAL_EVERY = {"points": 500, "images": 1000}  # the Quality preset's evaluation cadence


def preset_overrides(name: str, variant: str, kind: str) -> dict[str, dict[str, Any]]:
    """{"data": {...}, "model": {...}, "train": {...}} for preset `name`."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    quick = name == "Quick look"
    over = _overrides(quick, variant, kind)
    over["train"].update(default_train_settings(variant))  # e.g. StyleGAN's own Adam settings
    # the studio recovers from a NaN by itself; Quality measures itself as it goes (a few %
    # of the run's time: bench/eval_overhead.py)
    over["train"].update(recover_nan=True, eval_every=0 if quick else EVAL_EVERY[kind])
    model_fields = {f.name for f in fields(model_config_class(variant))}
    over["model"] = {k: v for k, v in over["model"].items() if k in model_fields}
    return over


def _overrides(quick: bool, variant: str, kind: str) -> dict[str, dict[str, Any]]:
    if kind == "points":
        return _points_overrides(quick)
    model = {"gan": {"hidden": 256 if quick else 1024},
             "cgan": {"channels": 32 if quick else 64},
             "dcgan": {"g_channels": 32 if quick else 64, "d_channels": 32 if quick else 64}}
    return {"data": {"size": 5000 if quick else 50000, "resolution": 32 if quick else 64},
            "model": model.get(variant, {}),
            "train": {"steps": 1000 if quick else 20000, "batch_size": 64 if quick else 128,
                      "lr_g": 2e-4, "lr_d": 2e-4, "r1_gamma": 0.0, "log_every": 10,
                      "snapshot_every": 100 if quick else 500,
                      "checkpoint_every": 500 if quick else 2000,
                      "ema_decay": 0.0 if quick else 0.999}}


def _points_overrides(quick: bool) -> dict[str, dict[str, Any]]:
    """2-D sets: one recipe for ring8, grid25 and spiral (measured in the README's table).

    Four narrow layers carve 25 sharp modes better than three wide ones; Adam without momentum
    (β1 = 0) damps the game's rotation; D learns twice as fast as G (TTUR); a large batch shows
    D every mode each step; a light R1 keeps D smooth; the EMA of G averages G's orbit
    around each mode into a tight cluster.
    """
    return {"data": {"size": 20000},
            "model": {"hidden": 128, "layers": 4},
            "train": {"steps": 1500 if quick else 6000, "batch_size": 512,
                      "lr_g": 1e-3, "lr_d": 2e-3, "beta1": 0.0, "beta2": 0.99,
                      "r1_gamma": 0.01, "ema_decay": 0.99 if quick else 0.999,
                      "log_every": 10, "snapshot_every": 100 if quick else 250,
                      "checkpoint_every": 500}}
