"""The generated settings form: editors from metadata, round trips, inline validation."""

from __future__ import annotations

import dataclasses
import inspect
from typing import get_type_hints

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QFocusEvent, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QSpinBox,
)

from studio import model_configs
from studio.app.widgets.config_form import ConfigForm, format_float
from studio.config import DataConfig, Settings, TrainConfig, setting
from studio.errors import ConfigError

MODEL_CONFIGS = [cls for _, cls in inspect.getmembers(model_configs, inspect.isclass)
                 if dataclasses.is_dataclass(cls) and cls.__module__ == model_configs.__name__]
ALL_CONFIGS = [TrainConfig, DataConfig, *MODEL_CONFIGS]


def make_form(qtbot, cls: type, **kwargs) -> ConfigForm:
    form = ConfigForm(cls, **kwargs)
    qtbot.addWidget(form)
    return form


def type_into(qtbot, editor: QLineEdit, text: str) -> None:
    editor.clear()
    qtbot.keyClicks(editor, text)


def expected_editor(cls: type, f: dataclasses.Field) -> type:
    if f.metadata["choices"] is not None:
        return QComboBox
    return {bool: QCheckBox, int: QSpinBox}.get(get_type_hints(cls)[f.name], QLineEdit)


def test_model_configs_found() -> None:
    assert {c.__name__ for c in MODEL_CONFIGS} >= {"GanModelConfig", "CganModelConfig",
                                                   "DcganModelConfig"}


@pytest.mark.parametrize("cls", ALL_CONFIGS, ids=lambda c: c.__name__)
def test_every_field_has_a_labelled_editor(qtbot, cls: type) -> None:
    form = make_form(qtbot, cls)
    assert form.is_valid() and form.error_text() == ""
    assert form.value() == cls()
    for f in dataclasses.fields(cls):
        editor = form.editor(f.name)
        assert isinstance(editor, expected_editor(cls, f)), f.name
        assert form.label(f.name).text() == f.metadata["label"]
        assert f.metadata["help"] in editor.toolTip()
        assert f.metadata["help"] in form.label(f.name).toolTip()


@pytest.mark.parametrize("cls", ALL_CONFIGS, ids=lambda c: c.__name__)
def test_spin_box_ranges_match_metadata(qtbot, cls: type) -> None:
    form = make_form(qtbot, cls)
    for f in dataclasses.fields(cls):
        editor = form.editor(f.name)
        if isinstance(editor, QSpinBox):
            assert editor.minimum() == f.metadata["min"], f.name
            assert editor.maximum() == f.metadata["max"], f.name
            assert not editor.isGroupSeparatorShown()


def test_tooltip_shows_range_and_live_note(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    assert "Allowed: 1e-07 to 1.0" in form.editor("lr_g").toolTip()
    assert "Can be changed while training" in form.editor("lr_g").toolTip()
    assert "Can be changed while training" not in form.editor("steps").toolTip()
    assert form.live_fields() == {"loss", "lr_g", "lr_d"}


def test_float_shown_compactly(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    assert form.editor("lr_g").text() == "0.0002"
    assert format_float(1e-5) == "1e-05"
    assert float(format_float(0.123456789)) == 0.123456789


def non_default(cls: type) -> object:
    """An instance whose every field differs from its default where the range allows."""
    changes = {}
    for f in dataclasses.fields(cls):
        meta, kind = f.metadata, get_type_hints(cls)[f.name]
        if meta["choices"] is not None:
            changes[f.name] = next(c for c in meta["choices"] if c != f.default)
        elif kind is int:
            changes[f.name] = f.default + 1 if f.default < meta["max"] else f.default - 1
        elif kind is float:
            hi = meta["max"]
            changes[f.name] = hi * 0.123456789 if f.default != hi * 0.123456789 else hi
        elif kind is str:
            changes[f.name] = f.default + "x"
        elif kind is bool:
            changes[f.name] = not f.default
    return cls(**changes)


@pytest.mark.parametrize("cls", ALL_CONFIGS, ids=lambda c: c.__name__)
def test_set_values_round_trips(qtbot, cls: type) -> None:
    form = make_form(qtbot, cls)
    obj = non_default(cls)
    assert obj != cls()
    with qtbot.waitSignal(form.changed, timeout=100):
        form.set_values(obj)
    assert form.value() == obj
    assert form.is_valid()


def test_set_values_emits_changed_at_most_once(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    seen: list[None] = []
    form.changed.connect(lambda: seen.append(None))
    form.set_values(non_default(TrainConfig))
    assert len(seen) == 1
    form.set_values(non_default(TrainConfig))
    assert len(seen) == 1  # nothing moved: no signal at all


def test_out_of_range_learning_rate_is_flagged(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    editor = form.editor("lr_g")
    with qtbot.waitSignal(form.validity_changed, timeout=1000) as blocker:
        type_into(qtbot, editor, "-1")
    assert blocker.args == [False]
    assert not form.is_valid()
    assert editor.property("invalid") is True
    assert "lr_g" in form.error_text() and "out of range" in form.error_text()
    with pytest.raises(ConfigError, match="lr_g"):
        form.value()
    with qtbot.waitSignal(form.validity_changed, timeout=1000) as blocker:
        type_into(qtbot, editor, "1e-3")
    assert blocker.args == [True]
    assert form.is_valid() and form.error_text() == ""
    assert not editor.property("invalid")
    assert form.value().lr_g == 1e-3


def test_text_in_float_field_gives_message_then_recovers(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    editor = form.editor("beta1")
    type_into(qtbot, editor, "abc")
    assert not form.is_valid()
    assert "Adam β1 must be a number" in form.error_text()
    assert form._message.isVisibleTo(form)
    type_into(qtbot, editor, "nan")
    assert "finite" in form.error_text()
    type_into(qtbot, editor, "0.9")
    assert form.is_valid() and not form._message.isVisibleTo(form)
    assert form.value().beta1 == 0.9


def test_changed_emitted_on_edit(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    with qtbot.waitSignal(form.changed, timeout=1000):
        qtbot.keyClicks(form.editor("device"), "x")
    assert form.value().device == "autox"
    with qtbot.waitSignal(form.changed, timeout=1000):
        form.editor("steps").setValue(5)
    assert form.value().steps == 5


def test_choosing_loss_changes_value(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    combo = form.editor("loss")
    with qtbot.waitSignal(form.changed, timeout=1000):
        combo.setCurrentIndex(combo.findText("hinge"))
    assert form.value().loss == "hinge"


def test_empty_spin_box_is_invalid(qtbot) -> None:
    form = make_form(qtbot, DataConfig)
    spin = form.editor("resolution")
    spin.lineEdit().selectAll()
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Backspace)
    assert not form.is_valid()
    assert "Resolution must be a whole number from 8 to 1024" in form.error_text()


def test_exclude_keeps_base_values(qtbot) -> None:
    form = make_form(qtbot, TrainConfig, exclude=("seed", "device"), title="Training")
    with pytest.raises(KeyError):
        form.editor("seed")
    base = TrainConfig(seed=7, device="cpu")
    form.set_values(base)
    form.editor("steps").setValue(99)
    assert form.value() == base.replace(steps=99)


def test_enabling_fields(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    form.set_enabled_fields(form.live_fields())
    assert form.editor("lr_g").isEnabled() and not form.editor("steps").isEnabled()
    assert not form.label("steps").isEnabled()
    form.set_enabled_fields(None)
    assert form.editor("steps").isEnabled()
    form.set_field_enabled("loss", False)
    assert not form.editor("loss").isEnabled()
    form.editor("steps").setValue(50)  # another edit keeps the field switched off
    assert not form.editor("loss").isEnabled()
    form.set_field_enabled("loss", True)
    assert form.editor("loss").isEnabled()


def test_fields_the_backbone_ignores_are_greyed_out(qtbot) -> None:
    from studio.model_configs import CganModelConfig

    form = make_form(qtbot, CganModelConfig)
    backbone = form.editor("backbone")
    backbone.setCurrentIndex(backbone.findData("conv"))
    assert form.editor("channels").isEnabled()
    assert not form.editor("hidden").isEnabled() and not form.editor("layers").isEnabled()
    assert "Used only when Backbone is mlp" in form.editor("hidden").toolTip()
    backbone.setCurrentIndex(backbone.findData("mlp"))
    assert form.editor("hidden").isEnabled() and not form.editor("channels").isEnabled()
    form.set_enabled_fields(set())  # training: everything locked, relevant or not
    assert not form.editor("hidden").isEnabled()
    form.set_enabled_fields(None)
    assert form.editor("hidden").isEnabled() and not form.editor("channels").isEnabled()


def test_unfinished_spin_box_text_reverts_on_focus_out(qtbot) -> None:
    form = make_form(qtbot, DataConfig)
    spin = form.editor("resolution")
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "2")  # below the minimum of 8: not finished yet
    assert not form.is_valid()
    QApplication.sendEvent(spin, QFocusEvent(QEvent.Type.FocusOut))
    assert spin.text() == "32"
    assert form.is_valid() and form.value().resolution == 32


def test_wheel_over_unfocused_editor_is_left_to_the_scroll_area(qtbot) -> None:
    form = make_form(qtbot, TrainConfig)
    for name in ("batch_size", "loss"):
        editor = form.editor(name)
        before = form.value()
        pos = QPointF(5, 5)
        event = QWheelEvent(pos, pos, QPoint(), QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(editor, event)
        assert not event.isAccepted()  # a real (spontaneous) wheel event goes on to the parent
        assert form.value() == before


@dataclasses.dataclass(frozen=True)
class _Window(Settings):
    """A toy section with a bool, an unbounded int and a cross-field rule."""

    SECTION = "window"
    enabled: bool = setting(False, "Enabled", "Turn it on")
    start: int = setting(0, "Start", "First step")
    stop: int = setting(10, "Stop", "Last step", min=0, max=100)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.start > self.stop:
            raise ConfigError(f"window.start = {self.start} must not exceed stop ({self.stop})")


def test_bool_unbounded_int_and_cross_field_errors(qtbot) -> None:
    form = make_form(qtbot, _Window)
    assert isinstance(form.editor("enabled"), QCheckBox)
    assert form.editor("start").maximum() == 2**31 - 1
    assert "Allowed" not in form.editor("start").toolTip()
    form.editor("enabled").setChecked(True)
    assert form.value().enabled is True
    with qtbot.waitSignal(form.validity_changed, timeout=1000) as blocker:
        form.editor("start").setValue(50)
    assert blocker.args == [False]
    assert form.editor("start").property("invalid") is True
    assert not form.editor("stop").property("invalid")
    assert "must not exceed" in form.error_text()
    form.editor("stop").setValue(60)
    assert form.is_valid() and form.value() == _Window(True, 50, 60)


def test_a_note_stands_in_for_a_number_that_does_not_apply(qtbot):
    # a folder's sample count is its image count: "all 200", not the built-in's 10000
    form = ConfigForm(DataConfig, exclude=("dataset",))
    qtbot.addWidget(form)
    size = form.editor("size")
    form.set_field_note("size", "all 200")
    assert size.text() == "all 200" and form.field_note("size") == "all 200"
    assert form.value().size == 10000 and form.is_valid()  # the number is kept
    form.set_values(form.value().replace(size=50000))  # a preset while the note shows
    assert size.text() == "all 200" and form.value().size == 50000
    form.set_values(form.value().replace(size=20))  # below the old value: not clamped
    assert form.value().size == 20
    form.set_field_note("size", None)
    assert size.text() == "20" and size.minimum() == 16
    with pytest.raises(TypeError):
        form.set_field_note("channels", "x")
