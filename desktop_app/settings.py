"""Persistent preferences as one typed object over QSettings.

Each preference is declared once with its default and the values it may take; a value
that is missing, from another version or hand-edited into nonsense reads back as the
default instead of crashing the start-up (napari's rule). Lists are stored as JSON so
the ini and native back ends agree on their shape.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from zerodce_core.formats import WRITE_NAMES

ORGANIZATION = "zerodce"
APPLICATION = "Zero-DCE Enhancer"
RECENT_LIMIT = 10

T = TypeVar("T")


class Setting(Generic[T]):
    """A typed QSettings entry; `check` rejects values that are the right type but invalid."""

    def __init__(self, default: T, check: Callable[[T], bool] | None = None) -> None:
        self.default = default
        self.check = check
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    def __get__(self, settings: Settings | None, owner: type) -> T:
        if settings is None:
            return self  # type: ignore[return-value]
        raw = settings.store.value(self.key)
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
            if isinstance(raw, str):
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(raw)
                return raw.lower() in ("true", "1")  # type: ignore[return-value]
            return bool(raw)  # type: ignore[return-value]
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


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda value: value in choices


def _between(low: float, high: float) -> Callable[[float], bool]:
    return lambda value: low <= value <= high


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
    strength = Setting(8.0, _between(0.0, 64.0))
    mode = Setting("fast", _one_of("fast", "full"))
    device = Setting("auto")
    model = Setting("")  # "" is the bundled default
    denoise = Setting(0.0, _between(0.0, 1.0))
    compare_gamma = Setting(False)

    export_format = Setting("keep", _one_of("keep", *WRITE_NAMES))
    export_quality = Setting(95, _between(1, 100))
    export_bit_depth = Setting(0, _one_of(0, 8, 16))  # 0 keeps the source's depth
    export_metadata = Setting(True)
    export_suffix = Setting("_enhanced")

    batch_out_dir = Setting("")  # "" writes next to each input
    batch_suffix = Setting("_enhanced")
    batch_format = Setting("keep", _one_of("keep", *WRITE_NAMES))
    batch_quality = Setting(95, _between(1, 100))
    batch_bit_depth = Setting(0, _one_of(0, 8, 16))
    batch_metadata = Setting(True)
    batch_strength = Setting(8.0, _between(0.0, 64.0))
    batch_mode = Setting("fast", _one_of("fast", "full"))
    batch_existing = Setting("skip", _one_of("skip", "overwrite"))
    batch_recursive = Setting(False)
    batch_denoise = Setting(0.0, _between(0.0, 1.0))
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
