"""Named starting points for a run's settings ("Quick look", "Quality"), torch-free.

A preset is a set of overrides per section, chosen for the variant, the kind of data and, for
an image folder, how many images it holds and how large they are; what it does not mention
keeps its default. The studio's setup panel and scripts share them. *Quick look* finishes in a
few minutes on a 2-core CPU for every variant (bench/estimate_accuracy.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from studio.variants import default_train_settings, model_config_class

PRESETS = ("Quick look", "Quality")
EVAL_EVERY = {"points": 500, "images": 1000}  # the Quality preset's evaluation cadence
SMALL_FOLDER = 2000  # a folder with fewer images than this is "small": Quality augments it
SMALL_AUGMENT = "color,translation,cutout"  # DiffAugment's full policy for few images
QUALITY_SIDES = (128, 64)  # the largest of these the images allow is a small folder's size
# what each preset promises (the setup panel's tooltip; the estimate shows the real time)
PRESET_TIPS = {
    "Quick look": "Small networks and a short run: on a laptop CPU a few minutes for any "
                  "variant (StyleGAN at 32 px with narrow layers), enough to see shapes and "
                  "colours appear. The estimate below says how long on this machine.",
    "Quality": "Larger networks and a long run for good samples: hours to days on a CPU "
               "(StyleGAN about three days on 2 cores), meant for a GPU. Small image folders "
               "get augmentation and a larger resolution.",
}


@dataclass(frozen=True)
class DataFacts:
    """What a preset may adapt to: image count and the smallest side of the images (0 when
    unknown), and whether the data is a built-in set that generates as many as asked."""

    count: int = 0
    image_side: int = 0
    builtin: bool = True

    @property
    def small_folder(self) -> bool:
        return not self.builtin and 0 < self.count < SMALL_FOLDER


def preset_overrides(name: str, variant: str, kind: str,
                     facts: DataFacts | None = None) -> dict[str, dict[str, Any]]:
    """{"data": {...}, "model": {...}, "train": {...}} for preset `name`."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    quick = name == "Quick look"
    over = _overrides(quick, variant, kind)
    over["train"].update(default_train_settings(variant))  # e.g. StyleGAN's own Adam settings
    if quick and variant == "stylegan" and kind == "images":
        over["train"].update(ema_decay=0.99)  # 0.999 would still average the first steps' blur
    if not quick and kind == "images" and facts is not None and facts.small_folder:
        over["data"]["resolution"] = _quality_side(facts.image_side)
        over["model"]["augment"] = SMALL_AUGMENT
    # the studio recovers from a NaN by itself; Quality measures itself as it goes (a few %
    # of the run's time: bench/eval_overhead.py)
    over["train"].update(recover_nan=True, eval_every=0 if quick else EVAL_EVERY[kind])
    model_fields = {f.name for f in fields(model_config_class(variant))}
    over["model"] = {k: v for k, v in over["model"].items() if k in model_fields}
    return over


def preset_note(name: str, variant: str, kind: str, facts: DataFacts | None) -> str:
    """One or two plain sentences on what preset `name` adapted to this data, and why
    ("" when it adapted nothing)."""
    if name != "Quality" or kind != "images" or facts is None or not facts.small_folder:
        return ""
    side = _quality_side(facts.image_side)
    size = (f"Resolution {side} px: the largest the images allow."
            if facts.image_side else "")
    if "augment" in {f.name for f in fields(model_config_class(variant))}:
        why = (f"Only {facts.count:,} images: augmentation ({SMALL_AUGMENT}) is on, so the "
               "discriminator sees a changed copy of each image every step and cannot "
               "simply memorise them.")
    else:
        why = (f"Only {facts.count:,} images: the discriminator may memorise them. The "
               "Quality preset turns augmentation on for DCGAN, cGAN and StyleGAN; this "
               "variant's fully connected D has none.")
    return f"{why} {size}".strip()


def _quality_side(image_side: int) -> int:
    """A small folder's Quality resolution: 128 or 64 when the images are that large, else 32
    (never upscaled); 64 when the sizes are unknown."""
    if image_side <= 0:
        return 64
    return next((s for s in QUALITY_SIDES if image_side >= s), 32)


def _overrides(quick: bool, variant: str, kind: str) -> dict[str, dict[str, Any]]:
    if kind == "points":
        over = _points_overrides(quick)
        if variant == "cgan":
            over["model"]["backbone"] = "mlp"  # the conv backbone needs images
        return over
    model = {"gan": {"hidden": 256 if quick else 1024},
             "cgan": {"channels": 32 if quick else 64},
             "dcgan": {"g_channels": 32 if quick else 64, "d_channels": 32 if quick else 64},
             # Quick: about 0.1 s a step at 32 px on one CPU core (full width: about 7 s)
             "stylegan": ({"channel_base": 512, "max_channels": 32, "mapping_layers": 2,
                           "augment": "none"} if quick else
                          {"channel_base": 2048, "max_channels": 128, "mapping_layers": 8,
                           "augment": "none"})}
    stylegan_quick = quick and variant == "stylegan"
    return {"data": {"size": 5000 if quick else 50000, "resolution": 32 if quick else 64},
            "model": model.get(variant, {}),
            "train": {"steps": 1000 if quick else 20000,
                      "batch_size": 16 if stylegan_quick else 64 if quick else 128,
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
