"""Persistent preferences as one typed object over QSettings.

Each preference is declared once with its default and the values it may take; a value
that is missing, from another version or hand-edited into nonsense reads back as the
default instead of crashing the start-up (napari's rule). Lists and option objects (the
look, the encoding) are stored as JSON so the ini and native back ends agree on their
shape; an option object's fields fall back one by one, and keys older versions wrote
(`export_format`, `batch_strength`...) are still read until the new key is written.
"""

from __future__ import annotations

import abc
import copy
import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from zerodce_core.exposure import LIMITS as EXPOSURE_LIMITS
from zerodce_core.formats import WRITE_NAMES
from zerodce_core.pipeline import EncodeOptions, Look

ORGANIZATION = "zerodce"
APPLICATION = "Zero-DCE Enhancer"
RECENT_LIMIT = 10

T = TypeVar("T")


class _Entry(abc.ABC, Generic[T]):
    """A preference of `Settings`, stored under its attribute name."""

    def __init__(self, default: T) -> None:
        self.default = default
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    def __get__(self, settings: Settings | None, owner: type) -> T:
        if settings is None:
            return self  # type: ignore[return-value]
        return self.read(settings)

    @abc.abstractmethod
    def read(self, settings: Settings) -> T:
        """The stored value, or the default where it is missing or invalid."""


class Setting(_Entry[T]):
    """A typed QSettings entry; `check` rejects values that are the right type but invalid."""

    def __init__(self, default: T, check: Callable[[T], bool] | None = None,
                 legacy: tuple[str, ...] = ()) -> None:
        super().__init__(default)
        self.check = check
        self.legacy = legacy  # keys older versions stored this under, read while it is unset

    def read(self, settings: Settings) -> T:
        raw = settings.store.value(self.key)
        for key in self.legacy:
            raw = settings.store.value(key) if raw is None else raw
        if raw is None:
            return copy.copy(self.default)
        try:
            value = self._convert(raw)
        except (TypeError, ValueError):
            return copy.copy(self.default)
        if self.check is not None and not self.check(value):
            return copy.copy(self.default)
        return value

    def __set__(self, settings: Settings, value: T) -> None:
        if isinstance(self.default, list):
            settings.store.setValue(self.key, json.dumps(list(value)))
        else:
            settings.store.setValue(self.key, value)

    def _convert(self, raw: Any) -> T:
        default = self.default
        if isinstance(default, bool):
            return _bool(raw)  # type: ignore[return-value]
        if isinstance(default, list):
            value = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(raw)
            return value  # type: ignore[return-value]
        if isinstance(default, QByteArray):
            if not isinstance(raw, QByteArray):
                raise TypeError(raw)
            return raw  # type: ignore[return-value]
        value = type(default)(raw)
        if isinstance(value, float) and value != value:  # NaN
            raise ValueError(raw)
        return value


class OptionsSetting(_Entry[T]):
    """A frozen dataclass stored as one JSON object, each field checked on its own.

    `checks` validates fields (a field without one takes any JSON scalar); `legacy` maps a
    field to (old key, conversion) for the settings older versions wrote field by field.
    """

    def __init__(self, default: T, checks: Mapping[str, Callable[[Any], bool]],
                 legacy: Mapping[str, tuple[str, Callable[[Any], Any]]] | None = None) -> None:
        super().__init__(default)
        self.checks = checks
        self.legacy = legacy or {}

    def read(self, settings: Settings) -> T:
        stored = self._stored(settings) or self._legacy(settings)
        fields = {}
        for field in dataclasses.fields(self.default):  # type: ignore[arg-type]
            if field.name in stored and self._valid(field.name, stored[field.name]):
                fields[field.name] = stored[field.name]
        try:
            return dataclasses.replace(self.default, **fields)  # type: ignore[type-var]
        except (TypeError, ValueError):
            return self.default

    def __set__(self, settings: Settings, value: T) -> None:
        settings.store.setValue(self.key, json.dumps(dataclasses.asdict(value)))  # type: ignore[call-overload]

    def _stored(self, settings: Settings) -> dict[str, Any]:
        raw = settings.store.value(self.key)
        try:
            stored = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            return {}
        return stored if isinstance(stored, dict) else {}

    def _legacy(self, settings: Settings) -> dict[str, Any]:
        values = {}
        for name, (key, convert) in self.legacy.items():
            raw = settings.store.value(key)
            if raw is not None:
                try:
                    values[name] = convert(raw)
                except (TypeError, ValueError):
                    continue
        return values

    def _valid(self, name: str, value: Any) -> bool:
        check = self.checks.get(name)
        if check is None:
            return value is None or isinstance(value, (bool, int, float, str))
        return check(value)


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda value: value in choices


def _between(low: float, high: float, *, optional: bool = False) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if value is None:
            return optional
        return isinstance(value, (int, float)) and not isinstance(value, bool) \
            and low <= value <= high

    return check


def _bool(raw: Any) -> bool:
    """QSettings' ini back end hands booleans back as "true"/"false"."""
    if isinstance(raw, str):
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ValueError(raw)
        return raw.lower() in ("true", "1")
    return bool(raw)


def _kept(raw: Any) -> Any:
    """Old stand-ins for "keep the source's": format "keep", bit depth 0."""
    return None if str(raw) in ("keep", "0") else (int(raw) if str(raw).isdigit() else raw)


LOOK_CHECKS = {"strength": _between(0.0, 64.0, optional=True),
               "denoise": _between(0.0, 1.0, optional=True),
               "exposure": _between(*EXPOSURE_LIMITS, optional=True)}
ENCODE_CHECKS = {"format": _one_of(None, *WRITE_NAMES), "quality": _between(1, 100),
                 "bit_depth": _one_of(None, 8, 16), "keep_metadata": _one_of(True, False)}


def _old_look(prefix: str) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    return {"strength": (f"{prefix}strength", float), "denoise": (f"{prefix}denoise", float)}


class Settings:
    """The app's preferences; pass an ini path to keep tests away from the user's own."""

    last_open_dir = Setting("")
    last_export_dir = Setting("")
    last_model_dir = Setting("")
    recent_files = Setting([])
    recent_models = Setting([])
    first_run = Setting(True)
    window_geometry = Setting(QByteArray())
    window_state = Setting(QByteArray())

    view_mode = Setting("split", _one_of("split", "side_by_side", "single"))
    look = OptionsSetting(Look(), LOOK_CHECKS, _old_look(""))
    mode = Setting("fast", _one_of("fast", "full"))
    device = Setting("auto")
    model = Setting("")  # "" is the bundled default
    compare_gamma = Setting(False)

    # Save, Export and the batch queue encode and name outputs alike.
    encode = OptionsSetting(EncodeOptions(), ENCODE_CHECKS, {
        "format": ("export_format", _kept), "quality": ("export_quality", int),
        "bit_depth": ("export_bit_depth", _kept), "keep_metadata": ("export_metadata", _bool)})
    output_suffix = Setting("_enhanced", legacy=("batch_suffix", "export_suffix"))

    batch_out_dir = Setting("")  # "" writes next to each input
    batch_look = OptionsSetting(Look(), LOOK_CHECKS, _old_look("batch_"))
    batch_mode = Setting("fast", _one_of("fast", "full"))
    batch_existing = Setting("skip", _one_of("skip", "overwrite"))
    batch_recursive = Setting(False)
    batch_compare_gamma = Setting(False)
    last_batch_dir = Setting("")

    train_data_dir = Setting("")
    train_out_dir = Setting("")

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self.store = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                   ORGANIZATION, APPLICATION)
        else:
            self.store = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        return self.store.fileName()

    def sync(self) -> None:
        self.store.sync()

    def add_recent(self, name: str, entry: str) -> list[str]:
        """Move `entry` to the top of the recent list `name` ("recent_files"/"recent_models")."""
        entries = [entry, *(e for e in getattr(self, name) if e != entry)][:RECENT_LIMIT]
        setattr(self, name, entries)
        return entries
