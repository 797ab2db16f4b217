"""The Export dialog's three option pages (Images, Video, Model) and the lines it shows
(the summary before Start, the result after).

Each page turns its inputs into the export engine's keyword options (`options()`), names
the output it makes (`output_name`) and says in one line what will be written (`summary`).
The options a generator cannot use are disabled with the reason as tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.app.export_worker import ExportDone, SourceFacts
from studio.export.video import MAX_FPS, MAX_GIF_FPS, default_scale

MAX_IMAGES = 10_000
NEEDS_STYLEGAN = "Needs a StyleGAN: this generator has only z"
NEEDS_DIRECTIONS = ("Needs directions: turn on directions (PCA or SeFa) in the Explore tab, "
                    "then Export… again")


def _size(facts: SourceFacts | None) -> str:
    return "" if facts is None else f"{facts.width}×{facts.height}"


def _with_size(text: str, facts: SourceFacts | None) -> str:
    size = _size(facts)
    return f"{text}, {size}" if size else text


def _radio_group(parent: QWidget, choices: tuple[tuple[str, str, str], ...],
                 changed: Any) -> tuple[QButtonGroup, dict[str, QRadioButton]]:
    """Radio buttons for (value, label, tooltip) choices, the first checked."""
    group = QButtonGroup(parent)
    buttons = {}
    for value, label, tip in choices:
        button = QRadioButton(label)
        button.setToolTip(tip)
        group.addButton(button)
        buttons[value] = button
    next(iter(buttons.values())).setChecked(True)
    group.buttonToggled.connect(lambda *_: changed())
    return group, buttons


def _checked(buttons: dict[str, QRadioButton]) -> str:
    return next(value for value, button in buttons.items() if button.isChecked())


class ImagesPage(QWidget):
    """Count of PNGs (seeds from the recipe's seed on) and the contact-sheet choice."""

    changed = Signal()
    kind = "images"

    def __init__(self, recipe: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recipe = recipe
        self.count = QSpinBox()
        self.count.setRange(1, MAX_IMAGES)
        self.count.setValue(16)
        self.count.setToolTip("How many seeds to draw, starting at the recipe's seed; "
                              "each PNG is named by its seed")
        self.contact_sheet = QCheckBox("Contact sheet (all images on one PNG)")
        self.contact_sheet.setChecked(True)
        seeds = QLabel(f"Seeds from {recipe.get('seed', 0)} on, with the recipe's ψ, noise "
                       "and directions; recipes.jsonl lets `gan-studio render` remake each one.")
        seeds.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Images", _row(self.count))
        form.addRow("", self.contact_sheet)
        form.addRow("", seeds)
        self.count.valueChanged.connect(self.changed)
        self.contact_sheet.toggled.connect(self.changed)
        self.facts: SourceFacts | None = None

    def set_facts(self, facts: SourceFacts) -> None:
        self.facts = facts

    def options(self) -> dict[str, Any]:
        return {"count": self.count.value(), "contact_sheet": self.contact_sheet.isChecked()}

    def output_name(self) -> tuple[str, str]:
        """(what, suffix) for the output's name; "" suffix: a folder."""
        return "images", ""

    def summary(self) -> str:
        n, seed = self.count.value(), int(self.recipe.get("seed", 0))
        seeds = f"seed {seed}" if n == 1 else f"seeds {seed}–{seed + n - 1}"
        classes = self.facts.classes if self.facts is not None else ()
        if classes and self.recipe.get("label") is None:
            text = f"{n} seeds × {len(classes)} classes = {n * len(classes)} PNGs ({seeds})"
        else:
            text = f"{n} PNG{'s' if n != 1 else ''} ({seeds})"
        extra = " + contact sheet" if self.contact_sheet.isChecked() else ""
        return _with_size(text, self.facts) + f" + recipes.jsonl{extra}"


class VideoPage(QWidget):
    """A walk through keyframes, a ψ sweep or a direction sweep; MP4 or GIF; fps, length,
    looping. ψ and direction sweeps need a StyleGAN, a direction sweep the recipe's
    directions."""

    changed = Signal()
    kind = "video"

    def __init__(self, recipe: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recipe = recipe
        self.facts: SourceFacts | None = None
        self._group, self.kinds = _radio_group(self, (
            ("walk", "Walk", "Interpolate through keyframe seeds: the Explore "
             "interpolation's path (W line or Z great circle)"),
            ("psi", "ψ sweep", "Truncation ψ from one value to another on the image's seed"),
            ("direction", "Direction sweep", "Move along one latent direction")), self._changed)
        self._fgroup, self.formats = _radio_group(self, (
            ("mp4", "MP4 (H.264)", "Plays everywhere; small files"),
            ("gif", "GIF", "Animated GIF: for web pages and chats; larger")), self._changed)
        self.fps = self._spin(QSpinBox(), 1, MAX_FPS, 24, "Frames per second (a GIF "
                              f"allows at most {MAX_GIF_FPS})")
        self.seconds = self._spin(QDoubleSpinBox(), 0.5, 600.0, 4.0, "Length of the video")
        self.seconds.setSuffix(" s")
        self.seconds.setSingleStep(0.5)
        self.loop = QCheckBox("Loop (the path returns to its start; a GIF repeats)")
        self.loop.setChecked(True)
        self.loop.toggled.connect(self._changed)
        self.psi_lo = self._spin(QDoubleSpinBox(), -2.0, 2.0, 0.0, "ψ at the start")
        self.psi_hi = self._spin(QDoubleSpinBox(), -2.0, 2.0, 1.0, "ψ at the end")
        self.direction = QComboBox()
        self.direction.setToolTip("The direction to move along")
        count = int((recipe.get("directions") or {}).get("count", 0))
        for i in range(count):
            self.direction.addItem(f"Direction {i + 1}", i)
        self.direction.currentIndexChanged.connect(self._changed)
        self.dir_lo = self._spin(QDoubleSpinBox(), -20.0, 20.0, -3.0, "Offset at the start")
        self.dir_hi = self._spin(QDoubleSpinBox(), -20.0, 20.0, 3.0, "Offset at the end")
        self._layout()
        self._show_extras()

    def _spin(self, spin: Any, lo: float, hi: float, value: float, tip: str) -> Any:
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.valueChanged.connect(self._changed)
        return spin

    def _layout(self) -> None:
        form = QFormLayout(self)
        form.addRow("Video", _row(*self.kinds.values()))
        form.addRow("Format", _row(*self.formats.values()))
        form.addRow("Frames per second", _row(self.fps, QLabel("Length"), self.seconds))
        form.addRow("", self.loop)
        self.psi_row = _row(QLabel("ψ from"), self.psi_lo, QLabel("to"), self.psi_hi)
        self.dir_row = _row(self.direction, QLabel("from"), self.dir_lo, QLabel("to"),
                            self.dir_hi)
        form.addRow("", self.psi_row)
        form.addRow("", self.dir_row)

    def _changed(self) -> None:
        self.fps.setMaximum(MAX_GIF_FPS if self.suffix() == ".gif" else MAX_FPS)
        self._show_extras()
        self.changed.emit()

    def _show_extras(self) -> None:
        kind = self.video_kind()
        self.psi_row.setVisible(kind == "psi")
        self.dir_row.setVisible(kind == "direction")

    def set_facts(self, facts: SourceFacts) -> None:
        """Disable what this generator cannot sweep, saying why."""
        self.facts = facts
        has_directions = self.direction.count() > 0
        self.kinds["psi"].setEnabled(facts.styled)
        self.kinds["direction"].setEnabled(facts.styled and has_directions)
        if not facts.styled:
            for kind in ("psi", "direction"):
                self.kinds[kind].setToolTip(NEEDS_STYLEGAN)
        elif not has_directions:
            self.kinds["direction"].setToolTip(NEEDS_DIRECTIONS)
        if not self.kinds[self.video_kind()].isEnabled():
            self.kinds["walk"].setChecked(True)
        self._changed()

    def video_kind(self) -> str:
        return _checked(self.kinds)

    def suffix(self) -> str:
        return "." + _checked(self.formats)

    def frames(self) -> int:
        return max(2, round(self.fps.value() * self.seconds.value()))

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"kind": self.video_kind(), "fps": self.fps.value(),
                                   "seconds": self.seconds.value(),
                                   "loop": self.loop.isChecked()}
        if options["kind"] == "psi":
            options["psi_range"] = (self.psi_lo.value(), self.psi_hi.value())
        if options["kind"] == "direction":
            options["direction"] = max(0, self.direction.currentData() or 0)
            options["direction_range"] = (self.dir_lo.value(), self.dir_hi.value())
        return options

    def output_name(self) -> tuple[str, str]:
        return self.video_kind(), self.suffix()

    def summary(self) -> str:
        fps, seconds = self.fps.value(), self.seconds.value()
        text = f"{self.frames()} frames, {seconds:.1f} s at {fps} fps"
        if self.facts is not None:
            w, h = self.video_size()
            text += f", {w}×{h}"
        what = {"walk": self._walk(), "psi": f"ψ {self.psi_lo.value():g} → "
                f"{self.psi_hi.value():g}", "direction": f"{self.direction.currentText().lower()} "
                f"from {self.dir_lo.value():g} to {self.dir_hi.value():g}"}[self.video_kind()]
        looping = "loops" if self.loop.isChecked() else "plays once"
        return f"{text}, {self.formats[_checked(self.formats)].text()}: {what}, {looping}"

    def video_size(self) -> tuple[int, int]:
        """(width, height) of the video: each pixel enlarged as the engine does (short side
        at least 256 px), an MP4's sides made even."""
        assert self.facts is not None
        h, w = self.facts.height, self.facts.width
        scale = default_scale(h, w)
        even = self.suffix() == ".mp4"
        return (w * scale + (w * scale % 2 if even else 0),
                h * scale + (h * scale % 2 if even else 0))

    def _walk(self) -> str:
        path = self.recipe.get("interpolation") or {}
        seed = int(self.recipe.get("seed", 0))
        keys = path.get("keyframes") or [seed, seed + 1, seed + 2, seed + 3]
        space = path.get("space") or ("w" if self.facts is None or self.facts.styled else "z")
        return f"walk through seeds {', '.join(str(k) for k in keys)} in {space.upper()}"


MODEL_FORMATS = (
    ("onnx", "ONNX", "For onnxruntime, game engines and web: checked in onnxruntime "
     "against PyTorch on 8 seeds"),
    ("model", "safetensors + model card", "A model folder the studio opens like its bundled "
     "models, with a README model card (config, command, dataset, steps, metrics)"),
    ("torchscript", "TorchScript", "One .pt file for C++ or Python without this studio's "
     "code (torch.jit.trace)"))


class ModelPage(QWidget):
    """The generator itself: ONNX (checked in onnxruntime), safetensors with a model card,
    or TorchScript."""

    changed = Signal()
    kind = "model"

    def __init__(self, recipe: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recipe = recipe
        self.facts: SourceFacts | None = None
        self._group, self.formats = _radio_group(self, MODEL_FORMATS, self.changed.emit)
        column = QVBoxLayout(self)
        for value, button in self.formats.items():
            column.addWidget(button)
            note = QLabel(dict((v, t) for v, _, t in MODEL_FORMATS)[value])
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 4)
            note.setEnabled(False)  # drawn in the muted text colour
            column.addWidget(note)
        column.addStretch(1)

    def set_facts(self, facts: SourceFacts) -> None:
        self.facts = facts
        self.changed.emit()

    def model_format(self) -> str:
        return _checked(self.formats)

    def options(self) -> dict[str, Any]:
        return {}

    def output_name(self) -> tuple[str, str]:
        fmt = self.model_format()
        return {"onnx": ("onnx", ""), "model": ("model", ""),
                "torchscript": ("torchscript", ".pt")}[fmt]

    def summary(self) -> str:
        fmt = self.model_format()
        if fmt == "onnx":
            styled = self.facts is not None and self.facts.styled
            files = ("mapping.onnx + synthesis.onnx + noise_const.npz" if styled
                     else "generator.onnx")
            return f"{files} + model.json, checked in onnxruntime on 8 seeds"
        if fmt == "model":
            return "model.safetensors + config.toml + manifest.json + README.md model card"
        return _with_size("one TorchScript .pt file, checked against PyTorch", self.facts)


def _row(*widgets: QWidget) -> QWidget:
    """Widgets side by side, left-aligned, in a margin-less holder."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return holder


def result_text(done: ExportDone) -> str:
    """What an export wrote, in a line or two: the files and the engine's checks."""
    out, paths = done.job.out, done.paths
    wrote = f"Wrote {paths[0]}" if len(paths) == 1 else f"Wrote {len(paths)} files to {out}"
    d = done.details
    facts = []
    if "frames" in d:
        facts.append(f"{d['frames']} frames at {d.get('fps', '?')} fps, "
                     f"{d.get('width', '?')}×{d.get('height', '?')}")
    if "max_abs_diff" in d:
        seeds = f" on {d['seeds']} seeds" if "seeds" in d else ""
        runtime = " in onnxruntime" if "opset" in d else ""
        facts.append(f"checked{runtime} against PyTorch{seeds}: max abs diff "
                     f"{float(d['max_abs_diff']):.1e}")
    return wrote + (f" ({'; '.join(facts)})" if facts else "") + "."


def duration(seconds: float) -> str:
    """'4.2 s', '37 s' or '3 min 05 s'."""
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
