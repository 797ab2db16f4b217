"""Every setting as a frozen dataclass; the metadata of each field drives the CLI, TOML and form.

A field is declared with `setting(...)`, which records its label, help text, range, choices and
whether it can change while a run trains. `from_dict` rejects unknown keys and bad values with a
`ConfigError` naming the key and what is allowed, so the three front ends can never disagree.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

import tomli_w

from studio.errors import ConfigError

SCHEMA_VERSION = 1
LOSSES = ("non-saturating", "minimax", "hinge", "least-squares", "wgan-gp")
T = TypeVar("T")


def setting(default: Any, label: str, help: str, *, min: float | None = None,
            max: float | None = None, choices: tuple[Any, ...] | None = None,
            live: bool = False, when: tuple[str, tuple[Any, ...]] | None = None,
            required: bool = False) -> Any:
    """Declare a config field with the metadata the form, the CLI and validation use.

    `when=("other", (values…))` says the field matters only while field `other` of the same
    section holds one of those values; the form greys it out otherwise. `required` text may
    not be empty.
    """
    meta = {"label": label, "help": help, "min": min, "max": max, "choices": choices,
            "live": live, "when": when, "required": required}
    return field(default=default, metadata=meta)


class Settings:
    """Mixin: validation of every field against its metadata, run after construction."""

    def __post_init__(self) -> None:
        hints = get_type_hints(type(self))
        for f in fields(self):  # type: ignore[arg-type]
            if not f.metadata:
                continue
            value = getattr(self, f.name)
            key = _key(self, f.name)
            value = _coerce(key, value, hints[f.name])
            object.__setattr__(self, f.name, value)
            check_value(f, value, key)

    def replace(self: T, **changes: Any) -> T:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


def _key(obj: Any, name: str) -> str:
    """The `--set` spelling of a field (`train.lr_g`), which a person can paste."""
    section = getattr(obj, "SECTION", "")
    return f"{section}.{name}" if section else name


def _coerce(key: str, value: Any, hint: Any) -> Any:
    """Accept ints for float fields; refuse anything of another type with a clear message."""
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    expected = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}
    if hint in expected:
        ok = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{key} must be {expected[hint]}, not {value!r}")
    return value


def check_value(f: dataclasses.Field, value: Any, key: str) -> None:
    """Raise ConfigError if `value` is not finite, empty where text is required, or outside
    the field's choices or range. Every way in (TOML, --set, the form, live changes) ends here."""
    meta = f.metadata
    lo, hi = meta.get("min"), meta.get("max")
    if isinstance(value, float) and not math.isfinite(value):
        allowed = f"; allowed: {lo} to {hi}" if lo is not None and hi is not None else ""
        raise ConfigError(f"{key} = {value!r} is not a finite number{allowed}")
    if meta.get("required") and isinstance(value, str) and not value.strip():
        raise ConfigError(f"{key} is empty; give {meta['help'][0].lower()}{meta['help'][1:]}")
    if meta.get("choices") is not None and value not in meta["choices"]:
        allowed = ", ".join(repr(c) for c in meta["choices"])
        raise ConfigError(f"{key} = {value!r} is not allowed; choose one of {allowed}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{key} = {value!r} is out of range; allowed: {lo} to {hi}")


@dataclass(frozen=True)
class DataConfig(Settings):
    """Which dataset to train on and how to shape it."""

    SECTION = "data"
    dataset: str = setting("ring8", "Dataset", "A built-in set (see gan-studio list) "
                           "or the path of a local folder", required=True)
    resolution: int = setting(32, "Resolution", "Images are centre-cropped and resized to this "
                              "many pixels per side", min=8, max=1024)
    channels: str = setting("auto", "Channels", "Colour or grayscale; auto keeps the data's own",
                            choices=("auto", "rgb", "gray"))
    size: int = setting(10000, "Samples", "How many samples a built-in set generates",
                        min=16, max=1_000_000)
    seed: int = setting(0, "Data seed", "Seed of a built-in set's generator", min=0,
                        max=2**31 - 1)
    split: str = setting("train", "Split", "Which split of MNIST/Fashion-MNIST/CIFAR-10 to use",
                         choices=("train", "test"))


@dataclass(frozen=True)
class TrainConfig(Settings):
    """How training proceeds: optimisation, loss, cadence, device and seed."""

    SECTION = "train"
    steps: int = setting(2000, "Steps", "Generator updates to run", min=1, max=10**9)
    batch_size: int = setting(64, "Batch size", "Real samples per step", min=1, max=65536)
    loss: str = setting("non-saturating", "Loss", "The adversarial objective. minimax: G "
                        "minimises log(1 - D(G(z))), whose gradient vanishes when D wins; "
                        "non-saturating: G maximises log D(G(z)) instead", choices=LOSSES,
                        live=True)
    lr_g: float = setting(2e-4, "G learning rate", "Adam step size of the generator",
                          min=1e-7, max=1.0, live=True)
    lr_d: float = setting(2e-4, "D learning rate", "Adam step size of the discriminator",
                          min=1e-7, max=1.0, live=True)
    beta1: float = setting(0.5, "Adam β1", "Momentum of Adam", min=0.0, max=0.999)
    beta2: float = setting(0.999, "Adam β2", "Second-moment decay of Adam", min=0.0,
                           max=0.99999)
    d_steps: int = setting(1, "D steps per G step", "Discriminator updates per generator "
                           "update", min=1, max=20)
    gp_weight: float = setting(10.0, "Gradient penalty λ", "Weight of the WGAN-GP gradient "
                               "penalty (used by the wgan-gp loss)", min=0.0, max=1000.0)
    r1_gamma: float = setting(0.0, "R1 γ", "Weight of the R1 penalty on real data; 0 turns it "
                              "off", min=0.0, max=1000.0)
    ema_decay: float = setting(0.0, "EMA decay", "Keep an exponential moving average of G for "
                               "sampling; 0 turns it off", min=0.0, max=0.99999)
    seed: int = setting(0, "Seed", "Seed of weights, noise and batch order", min=0,
                        max=2**31 - 1)
    device: str = setting("auto", "Device", "auto picks CUDA, then MPS, then CPU; or name one: "
                          "cpu, cuda, cuda:1, mps")
    log_every: int = setting(10, "Log every", "Steps between metric rows", min=1, max=100000)
    snapshot_every: int = setting(200, "Snapshot every", "Steps between sample grids",
                                  min=1, max=10**7)
    checkpoint_every: int = setting(1000, "Checkpoint every", "Steps between checkpoints",
                                    min=1, max=10**8)
    keep_checkpoints: int = setting(3, "Keep checkpoints", "How many recent checkpoints to "
                                    "keep", min=1, max=1000)
    eval_every: int = setting(0, "Evaluate every", "Steps between quality evaluations (FD, "
                              "KID, precision and recall of generated against real samples, "
                              "on the EMA generator where there is one); 0 turns them off",
                              min=0, max=10**8)
    eval_samples: int = setting(2000, "Evaluation samples", "Generated and real samples each "
                                "evaluation compares; more is steadier but slower",
                                min=100, max=100_000)
    inception: str = setting("", "Inception weights", "A local copy of the FID Inception-v3 "
                             "weights (pt_inception-2015-12-05-6726825d.pth); with it, "
                             "evaluations report standard FID, without it they use the "
                             "studio feature net trained on the dataset")
    snapshot_count: int = setting(64, "Snapshot samples", "Samples in the fixed-noise grid (2-D "
                                  "sets draw 16× as many points)",
                                  min=1, max=1024)
    doctor: bool = setting(True, "Run doctor", "Watch the metrics for common failures (D "
                           "overpowering G, mode collapse, oscillation, divergence) and explain "
                           "each with a suggested fix")
    recover_nan: bool = setting(False, "Recover from NaN", "When a loss or weight becomes NaN "
                                "or infinite, go back to the last good checkpoint with both "
                                "learning rates halved (at most 3 times) instead of stopping")


@dataclass(frozen=True)
class RunConfig:
    """A whole run: which variant, its model settings, the data and training settings."""

    variant: str = "gan"
    name: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    model: Any = None  # the variant's model config; filled in by __post_init__
    train: TrainConfig = field(default_factory=TrainConfig)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        from studio.variants import model_config_class

        cls = model_config_class(self.variant)
        if self.model is None:
            object.__setattr__(self, "model", cls())
        elif not isinstance(self.model, cls):
            raise ConfigError(f"model settings of type {type(self.model).__name__} do not "
                              f"belong to variant {self.variant!r}")

    def replace(self, **changes: Any) -> RunConfig:
        if "variant" in changes and "model" not in changes:
            changes["model"] = None
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": self.schema_version, "variant": self.variant,
                "name": self.name, "data": section_to_dict(self.data),
                "model": section_to_dict(self.model), "train": section_to_dict(self.train)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        from studio.variants import model_config_class

        raw = upgrade(dict(raw))
        _reject_unknown(raw, {"schema_version", "variant", "name", "data", "model", "train"},
                        "the top level")
        variant = raw.get("variant", "gan")
        if not isinstance(variant, str):
            raise ConfigError(f"variant must be text, not {variant!r}")
        return cls(variant=variant, name=str(raw.get("name", "")),
                   data=section_from_dict(DataConfig, raw.get("data", {})),
                   model=section_from_dict(model_config_class(variant), raw.get("model", {})),
                   train=section_from_dict(TrainConfig, raw.get("train", {})),
                   schema_version=SCHEMA_VERSION)


def upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a config written by an older schema up to the current one."""
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ConfigError(f"schema_version must be a whole number (this GAN Studio writes "
                          f"{SCHEMA_VERSION}), not {version!r}")
    if version > SCHEMA_VERSION:
        raise ConfigError(f"schema_version {version!r} is newer than this GAN Studio "
                          f"understands ({SCHEMA_VERSION}); update GAN Studio")
    return raw


def section_to_dict(section: Any) -> dict[str, Any]:
    return {f.name: getattr(section, f.name) for f in fields(section)}


def section_from_dict(cls: type[T], raw: Any) -> T:
    """Build a settings section from a dict, naming any unknown key and the allowed ones."""
    section = getattr(cls, "SECTION", cls.__name__)
    if not isinstance(raw, dict):
        raise ConfigError(f"[{section}] must be a table of settings, not {raw!r}")
    _reject_unknown(raw, {f.name for f in fields(cls)}, f"[{section}]")  # type: ignore[arg-type]
    return cls(**raw)


def _reject_unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} in {where}; allowed: "
                          f"{', '.join(sorted(allowed))}")


def parse_value(cls: type, key: str, text: str) -> Any:
    """Turn a command-line string into the type of field `key` of settings class `cls`."""
    hints = get_type_hints(cls)
    section = getattr(cls, "SECTION", "")
    if key not in hints:
        names = ", ".join(f.name for f in fields(cls))
        raise ConfigError(f"unknown setting {key!r} in [{section}]; allowed: {names}")
    kind = hints[key]
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        return kind(text)
    except ValueError:
        expected = {int: "a whole number", float: "a number", bool: "true or false"}
        raise ConfigError(f"{section}.{key} = {text!r} is not {expected.get(kind, kind.__name__)}"
                          ) from None


def load_toml(path: str | Path) -> RunConfig:
    """Read a run config from a TOML file."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, or a FIFO that would block
        what = "a folder" if path.is_dir() else "not a regular file"
        raise ConfigError(f"config file {path} is {what}; give the path of a .toml file "
                          "(a run's own is RUN/config.toml)")
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return RunConfig.from_dict(raw)


def save_toml(config: RunConfig, path: str | Path) -> None:
    """Write a run config as TOML (atomically: a temp file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomli_w.dumps(config.to_dict()), encoding="utf-8")
    tmp.replace(path)
