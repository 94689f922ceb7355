"""The Zero-DCE desktop app (PySide6): a window over a Qt-light session, over `zerodce_core`.

- `session`: the open document, the engine and the work on them (a QObject, no widgets);
  `jobs`: the plain functions it runs on workers (`workers`).
- `main_window`: layout and wiring only; `actions`: actions, menus and toolbar as data;
  `opening`: files, folders, drops and the clipboard into the session.
- `widgets/`: compare view, look controls (one per field of `Look`), enhancement toolbar,
  status and message bars, model selector, recent menu, video scrubber.
- `panels/`: batch queue dock, export (dialog and Save/Export policy), training dialog.
- `settings`: typed preferences; `startup`: display checks; `pyside_fixes`: binding bugs.

PySide6 is imported first so that qimage2ndarray and pyqtgraph bind to it, not PyQt.
Nothing process-wide changes on import: the entry point (`__main__`) applies the binding
workarounds and checks the display.
"""

import PySide6  # noqa: F401  (must precede qimage2ndarray and pyqtgraph)
