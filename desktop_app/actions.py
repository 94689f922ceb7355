"""The window's actions, menus and toolbar, declared as data.

Each action is one `ActionSpec` row: its text, shortcut, tip and the window method it
calls (a dotted path from the window, resolved once when the window is built, so a typo
fails at start-up, not on a click). Menus and the toolbar list action keys; "-" is a
separator and "@name" a place the window fills itself (recent files, devices, the batch
dock's toggle, the hold-for-original button).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QToolBar, QWidget

from .widgets.compare_view import ViewMode

StandardKey = QKeySequence.StandardKey
STRENGTH_NUDGE = 0.5


@dataclass(frozen=True)
class ActionSpec:
    key: str
    text: str
    slot: str  # dotted path from the window, e.g. "compare.zoom_fit"
    shortcut: str | StandardKey | tuple[str | StandardKey, ...] = ()
    tip: str = ""
    checkable: bool = False
    args: tuple[Any, ...] = ()  # passed to the slot; otherwise a checkable passes its state
    group: str = ""  # actions of one group are mutually exclusive


ACTIONS = (
    ActionSpec("open", "&Open\u2026", "opener.choose_files", StandardKey.Open,
               "Open a photo, a video, or photos for the batch queue"),
    ActionSpec("paste", "&Paste photo", "opener.paste", StandardKey.Paste,
               "Open the image or file on the clipboard"),
    ActionSpec("sample", "Open &sample photo", "opener.open_sample",
               tip="Show the bundled dark sample photo"),
    ActionSpec("next", "&Next photo", "opener.step_photo", "PgDown",
               "The next photo in the same folder", args=(1,)),
    ActionSpec("previous", "Pre&vious photo", "opener.step_photo", "PgUp",
               "The previous photo in the same folder", args=(-1,)),
    ActionSpec("save", "&Save", "exports.save", StandardKey.Save,
               "Save what the viewer shows next to the original, with the export options"),
    ActionSpec("export", "&Export\u2026", "exports.export_as", "Ctrl+Shift+S",
               "Choose where and how to write what the viewer shows"),
    ActionSpec("quit", "&Quit", "close", "Ctrl+Q"),
    ActionSpec("view_split", "&Split view", "compare.set_mode", "1",
               "Before and after in one image with a draggable divider", True,
               (ViewMode.SPLIT,), "view"),
    ActionSpec("view_side", "Side &by side", "compare.set_mode", "2",
               "Before and after next to each other", True, (ViewMode.SIDE_BY_SIDE,), "view"),
    ActionSpec("view_single", "&Enhanced only", "compare.set_mode", "3",
               "Only the enhanced photo (hold Space for the original)", True,
               (ViewMode.SINGLE,), "view"),
    ActionSpec("original", "Show &original", "compare.set_show_original", "\\",
               "Toggle the original photo (or hold Space)", True),
    ActionSpec("gamma", "Compare with &gamma correction", "set_compare_gamma", "G",
               "Show plain gamma correction of equal mean brightness on the before side",
               True),
    ActionSpec("fit", "Zoom to &fit", "compare.zoom_fit", "Ctrl+0",
               "The whole photo, never enlarged past 100%"),
    ActionSpec("actual", "&Actual pixels (100%)", "compare.zoom_actual", "Ctrl+1"),
    ActionSpec("zoom_in", "Zoom &in", "compare.zoom_in", (StandardKey.ZoomIn, "Ctrl+=")),
    ActionSpec("zoom_out", "Zoom o&ut", "compare.zoom_out", StandardKey.ZoomOut),
    ActionSpec("stronger", "&Stronger", "nudge_strength", "]", "Apply half an iteration more",
               args=(STRENGTH_NUDGE,)),
    ActionSpec("weaker", "&Weaker", "nudge_strength", "[", "Apply half an iteration less",
               args=(-STRENGTH_NUDGE,)),
    ActionSpec("full_strength", "&Full strength", "full_strength", "Ctrl+]",
               "All the model's iterations"),
    ActionSpec("quality_fast", "&Fast quality", "set_quality",
               tip="Estimate curves on a 512 px copy: about a second", checkable=True,
               args=("fast",), group="quality"),
    ActionSpec("quality_full", "F&ull quality", "set_quality",
               tip="Estimate curves on every pixel: slower, finest detail", checkable=True,
               args=("full",), group="quality"),
    ActionSpec("load_model", "&Load model\u2026", "choose_model", "Ctrl+L",
               "Load a .safetensors or .pth Zero-DCE checkpoint"),
    ActionSpec("default_model", "Use &default model", "session.load_model", args=("",)),
    ActionSpec("train", "&Train custom model\u2026", "show_training", "Ctrl+T"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "show_shortcuts", StandardKey.HelpContents),
    ActionSpec("about", "&About", "show_about"),
)

MENUS = (
    ("&File", ("open", "paste", "@recent", "sample", "next", "previous", "-", "save", "export",
               "-", "quit")),
    ("&View", ("view_split", "view_side", "view_single", "original", "gamma", "-", "fit",
               "actual", "zoom_in", "zoom_out", "-", "@batch")),
    ("&Enhance", ("stronger", "weaker", "full_strength", "-", "quality_fast", "quality_full")),
    ("&Model", ("load_model", "default_model", "@device", "-", "train")),
    ("&Help", ("shortcuts", "sample", "about")),
)

TOOLBAR = ("open", "save", "export", "-", "view_split", "view_side", "view_single", "@hold",
           "-", "fit", "actual", "zoom_in", "zoom_out")

Extra = QMenu | QAction | QWidget


def _keys(shortcut: str | StandardKey | tuple) -> list[QKeySequence]:
    shortcuts = shortcut if isinstance(shortcut, tuple) else (shortcut,)
    return [QKeySequence(key) for key in shortcuts]


def _handler(slot: Callable[..., Any], spec: ActionSpec) -> Callable[[bool], None]:
    if spec.args:
        return lambda _=False: slot(*spec.args)
    if spec.checkable:
        return lambda checked: slot(checked)
    return lambda _=False: slot()


def build_actions(window: QWidget, specs: Sequence[ActionSpec] = ACTIONS) -> dict[str, QAction]:
    """Create every action on `window`, connected to the method its spec names."""
    actions: dict[str, QAction] = {}
    groups: dict[str, QActionGroup] = {}
    for spec in specs:
        action = QAction(spec.text, window)
        action.setShortcuts(_keys(spec.shortcut))
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        slot = functools.reduce(getattr, spec.slot.split("."), window)
        action.triggered.connect(_handler(slot, spec))
        if spec.group:
            groups.setdefault(spec.group, QActionGroup(window)).addAction(action)
        window.addAction(action)
        actions[spec.key] = action
    return actions


def check(actions: Mapping[str, QAction], group: str, value: Any) -> None:
    """Check the action of `group` whose argument is `value` (the view mode, the quality)."""
    for spec in ACTIONS:
        if spec.group == group and spec.args == (value,):
            actions[spec.key].setChecked(True)


def fill(target: QMenu | QToolBar, entries: Sequence[str], actions: Mapping[str, QAction],
         extras: Mapping[str, Extra]) -> None:
    """Add `entries` (action keys, "-" separators, "@extras") to a menu or toolbar."""
    for entry in entries:
        if entry == "-":
            target.addSeparator()
            continue
        item = extras[entry[1:]] if entry.startswith("@") else actions[entry]
        if isinstance(item, QMenu):
            target.addMenu(item)
        elif isinstance(item, QAction):
            target.addAction(item)
        else:
            target.addWidget(item)


def build_menus(bar: QMenuBar, actions: Mapping[str, QAction],
                extras: Mapping[str, Extra]) -> dict[str, QMenu]:
    """The menu bar from `MENUS`; returns the menus by title without "&"."""
    menus = {}
    for title, entries in MENUS:
        menu = bar.addMenu(title)
        fill(menu, entries, actions, extras)
        menus[title.replace("&", "")] = menu
    return menus
