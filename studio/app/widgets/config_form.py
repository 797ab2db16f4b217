"""A form generated from settings-dataclass metadata (label, help, range, choices, live), so
the command line, the TOML file and the form can never disagree; validated on every edit."""

from __future__ import annotations

import dataclasses
import html
import math
from typing import Any, cast, get_type_hints

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.config import check_value
from studio.errors import ConfigError

INT_LIMIT = 2**31 - 1
LIVE_NOTE = "Can be changed while training."
_STYLE = """QCheckBox[invalid="true"], QLabel#configFormError {{ color: {red}; }}
QLabel#configFormLive {{ color: palette(highlight); border: 1px solid palette(mid);
                         border-radius: 6px; padding: 0px 4px; }}"""


def allowed_text(meta: Any) -> str:
    """'Allowed: lo to hi' (or a one-sided bound) for a field's metadata; '' when unbounded."""
    lo, hi = meta.get("min"), meta.get("max")
    if lo is None and hi is None:
        return ""
    return f"Allowed: {'−∞' if lo is None else lo} to {'∞' if hi is None else hi}"


class _ErrorFrame(QWidget):
    """A red outline laid over an editor; keeps the native look of spin and combo boxes."""

    def __init__(self, editor: QWidget) -> None:
        super().__init__(editor)
        self.color = QColor("#d32f2f")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())  # type: ignore[attr-defined]
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.color, 1.5))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.75, 0.75, -0.75, -0.75), 3, 3)


def _live_label(label: QLabel) -> QWidget:
    """The row label followed by a small "live" badge."""
    row = QWidget()
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(6)
    badge = QLabel("<small>live</small>")
    badge.setObjectName("configFormLive")
    badge.setToolTip(LIVE_NOTE)
    box.addWidget(label)
    box.addWidget(badge)
    box.addStretch(1)
    return row


def format_float(value: float) -> str:
    """Compact text for a float (2e-4 → '0.0002'), falling back to repr when %g loses digits."""
    text = f"{value:g}"
    return text if float(text) == value else repr(value)


class ConfigForm(QWidget):
    """Editors for every field of a frozen settings dataclass, validated on every edit."""

    changed = Signal()
    validity_changed = Signal(bool)

    def __init__(self, cls: type, parent: QWidget | None = None,
                 exclude: tuple[str, ...] = (), title: str = "") -> None:
        super().__init__(parent)
        self._cls = cls
        self._hints = get_type_hints(cls)
        self._fields = {f.name: f for f in dataclasses.fields(cls)
                        if f.metadata and f.name not in exclude}
        self._editors: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._rows: dict[str, QWidget] = {}
        self._frames: dict[str, _ErrorFrame] = {}
        self._base: Any = None
        self._errors: dict[str, str] = {}
        self._valid = True
        self._dark: bool | None = None
        self._loading = False
        self._allowed: set[str] | None = None  # set_enabled_fields' choice; None = all
        self._off: set[str] = set()  # fields set_field_enabled turned off
        self._notes: dict[str, str] = {}  # text shown instead of a number (set_field_note)
        self._build(title)
        self._fill({name: f.default for name, f in self._fields.items()})
        self._apply_style()
        self._validate()
        self._refresh_enabled()

    def _build(self, title: str) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        if title:
            outer.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
        self._form = QFormLayout()
        self._form.setHorizontalSpacing(10)
        self._form.setVerticalSpacing(4)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for name, f in self._fields.items():
            self._add_row(name, f)
        outer.addLayout(self._form)
        self._message = QLabel()
        self._message.setObjectName("configFormError")
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message.hide()
        outer.addWidget(self._message)
        outer.addStretch(1)

    def _add_row(self, name: str, f: dataclasses.Field) -> None:
        meta = f.metadata
        editor = self._make_editor(name, f)
        label = QLabel(meta["label"])
        label.setBuddy(editor)
        tip = "\n".join(t for t in (meta["help"], allowed_text(meta),
                                    LIVE_NOTE if meta.get("live") else "") if t)
        label.setToolTip(tip)
        editor.setToolTip(tip)
        row_label = _live_label(label) if meta.get("live") else label
        self._form.addRow(row_label, editor)
        self._frames[name] = _ErrorFrame(editor)
        self._editors[name], self._labels[name], self._rows[name] = editor, label, row_label

    def _make_editor(self, name: str, f: dataclasses.Field) -> QWidget:
        meta, hint = f.metadata, self._hints[name]
        if meta.get("choices") is not None:
            combo = QComboBox()
            # a long choice ("color,translation,cutout") must not widen the form
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            self._guard_wheel(combo)
            for choice in meta["choices"]:
                combo.addItem(str(choice), choice)
            combo.currentIndexChanged.connect(self._on_edit)
            return combo
        if hint is bool:
            check = QCheckBox()
            check.toggled.connect(self._on_edit)
            return check
        if hint is not int:
            edit = QLineEdit()
            edit.textChanged.connect(self._on_edit)
            return edit
        spin = QSpinBox()
        self._guard_wheel(spin)
        lo, hi = meta.get("min"), meta.get("max")
        spin.setRange(-INT_LIMIT if lo is None else max(-INT_LIMIT, int(lo)),
                      INT_LIMIT if hi is None else min(INT_LIMIT, int(hi)))
        spin.setGroupSeparatorShown(False)
        spin.valueChanged.connect(self._on_edit)
        spin.lineEdit().textEdited.connect(self._on_edit)  # also catches unfinished text
        spin.editingFinished.connect(self._on_edit)  # after focus-out reverts unfinished text
        return spin

    def _guard_wheel(self, editor: QWidget) -> None:
        editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Pass the wheel over unfocused spin and combo boxes on to the scroll area."""
        if event.type() == QEvent.Type.Wheel and not cast(QWidget, watched).hasFocus():
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    def _fill(self, values: dict[str, Any]) -> None:
        """Show `values` in their editors without reacting to each change."""
        self._loading = True
        for name, value in values.items():
            editor = self._editors[name]
            if isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                self._set_spin(name, editor, int(value))
            elif isinstance(editor, QLineEdit):
                is_float = self._hints[name] is float
                editor.setText(format_float(value) if is_float else str(value))
        self._loading = False

    def _set_spin(self, name: str, spin: QSpinBox, value: int) -> None:
        """Show `value`, or keep it under the field's note (the note is the spin box's
        special-value text, shown while the value sits at the minimum)."""
        meta = self._fields[name].metadata
        lo = -INT_LIMIT if meta.get("min") is None else max(-INT_LIMIT, int(meta["min"]))
        spin.setSpecialValueText("")
        spin.setMinimum(lo)
        spin.setValue(value)
        if name in self._notes:
            spin.setMinimum(spin.value())
            spin.setSpecialValueText(self._notes[name])

    def set_field_note(self, name: str, note: str | None) -> None:
        """Show `note` (e.g. "all 200") instead of integer field `name`'s number, which is
        kept (for when the note no longer applies); None shows the number again."""
        spin = self._editors[name]
        if not isinstance(spin, QSpinBox):
            raise TypeError(f"only whole-number fields take a note, not {name!r}")
        if note:
            self._notes[name] = note
        else:
            self._notes.pop(name, None)
        self._loading = True
        self._set_spin(name, spin, spin.value())
        self._loading = False

    def field_note(self, name: str) -> str:
        """The note shown instead of field `name`'s number ('' for none)."""
        return self._notes.get(name, "")

    def _read(self, name: str) -> Any:
        """The editor's value in the field's type; ConfigError in plain words if it has none."""
        editor, meta, hint = self._editors[name], self._fields[name].metadata, self._hints[name]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            if not editor.hasAcceptableInput():
                raise ConfigError(f"{meta['label']} must be a whole number "
                                  f"from {editor.minimum()} to {editor.maximum()}")
            return editor.value()
        text = editor.text()  # type: ignore[attr-defined]
        if hint is not float:
            return text
        try:
            number = float(text.strip())
        except ValueError:
            raise ConfigError(f"{meta['label']} must be a number") from None
        if not math.isfinite(number):
            raise ConfigError(f"{meta['label']} must be a finite number")
        return number

    def _key(self, name: str) -> str:
        section = getattr(self._cls, "SECTION", "")
        return f"{section}.{name}" if section else name

    def _collect(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Every field's parsed value, and the per-field error messages."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, f in self._fields.items():
            try:
                value = self._read(name)
                check_value(f, value, self._key(name))
            except ConfigError as exc:
                errors[name] = str(exc)
            else:
                values[name] = value
        return values, errors

    def _construct(self, values: dict[str, Any]) -> Any:
        """The settings instance: `values` over the last set_values object (or the defaults)."""
        base = self._base
        return self._cls(**values) if base is None else dataclasses.replace(base, **values)

    def _blame(self, message: str) -> str:
        """The field a whole-object error names ('' if none): by key or by `Class.name`."""
        return next((n for n in self._fields
                     if self._key(n) in message or f".{n} " in message), "")

    def _on_edit(self, *_: Any) -> None:
        if self._loading:
            return
        self._validate()
        self._refresh_enabled()
        self.changed.emit()

    def is_relevant(self, name: str) -> bool:
        """False while the field's `when` condition (another field's value) does not hold."""
        when = self._fields[name].metadata.get("when")
        if not when or when[0] not in self._editors:
            return True
        try:
            return self._read(when[0]) in when[1]
        except ConfigError:
            return True

    def _refresh_enabled(self) -> None:
        for name in self._editors:
            allowed = (self._allowed is None or name in self._allowed) and name not in self._off
            enabled = allowed and self.is_relevant(name)
            self.editor(name).setEnabled(enabled)
            self._rows[name].setEnabled(enabled)
            if allowed and not self.is_relevant(name):
                other = self._fields[self._fields[name].metadata["when"][0]].metadata["label"]
                values = " or ".join(str(v) for v in self._fields[name].metadata["when"][1])
                self.editor(name).setToolTip(f"Used only when {other} is {values}.\n\n"
                                             + self._labels[name].toolTip())
            else:
                self.editor(name).setToolTip(self._labels[name].toolTip())

    def _validate(self) -> None:
        values, errors = self._collect()
        if not errors:
            try:
                self._construct(values)
            except ConfigError as exc:
                errors[self._blame(str(exc))] = str(exc)
        self._errors = errors
        for name, editor in self._editors.items():
            invalid = name in errors
            if bool(editor.property("invalid")) != invalid:
                editor.setProperty("invalid", invalid)
                editor.style().unpolish(editor)
                editor.style().polish(editor)
                self._frames[name].setVisible(invalid and not isinstance(editor, QCheckBox))
        self._message.setText(self.error_text())
        self._message.setVisible(bool(errors))
        if self._valid != (not errors):
            self._valid = not errors
            self.validity_changed.emit(self._valid)

    def set_values(self, obj: Any) -> None:
        """Fill the editors from a settings instance; emits `changed` once, if anything moved."""
        before = (self._base, self._collect())
        self._base = obj
        self._fill({name: getattr(obj, name) for name in self._editors})
        self._validate()
        self._refresh_enabled()
        if (self._base, self._collect()) != before:
            self.changed.emit()

    def value(self) -> Any:
        """The settings instance the editors describe; ConfigError if any field is invalid."""
        values, errors = self._collect()
        if errors:
            raise ConfigError(next(iter(errors.values())))
        return self._construct(values)

    def is_valid(self) -> bool:
        return self._valid

    def error_text(self) -> str:
        """Every current error message, one per line ('' when the form is valid)."""
        return "\n".join(self._errors.values())

    def editor(self, name: str) -> QWidget:
        """The editor of field `name` (KeyError if the form has no such field)."""
        return self._editors[name]

    def label(self, name: str) -> QLabel:
        """The row label of field `name` (its text is the metadata label)."""
        return self._labels[name]

    def set_field_enabled(self, name: str, enabled: bool) -> None:
        """Enable or disable one field (e.g. one the chosen data does not use)."""
        (self._off.discard if enabled else self._off.add)(name)
        self._refresh_enabled()

    def set_enabled_fields(self, names: set[str] | None) -> None:
        """Enable only `names` (e.g. the live fields while training); None enables them all.

        A field whose `when` condition does not hold stays disabled either way."""
        self._allowed = None if names is None else set(names)
        self._refresh_enabled()

    def live_fields(self) -> set[str]:
        """Names of the fields that can be changed while a run trains."""
        return {n for n, f in self._fields.items() if f.metadata.get("live")}

    def _apply_style(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        if dark == self._dark:
            return
        self._dark = dark
        red = "#ff6b6b" if dark else "#d32f2f"
        for frame in self._frames.values():
            frame.color = QColor(red)
            frame.update()
        self.setStyleSheet(_STYLE.format(red=red))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_style()
        super().changeEvent(event)
