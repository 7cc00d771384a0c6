"""Where the editor reads and writes: named levels in the per-user folder and the crash-recovery file.

No pygame. The editor never writes inside the app or its bundled assets: a built-in level is
saved as a new user level. The recovery file is rewritten every few seconds while there are
unsaved edits, removed when the edits are saved or knowingly thrown away, so finding it on the
next start means the editor did not close normally.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from reddoor.game.core.level import Level
from reddoor.game.core.level_io import FILE_SUFFIX, LevelFormatError, load_level, save_level
from reddoor.game.core.safe_io import atomic_write, clean_stale_temps, write_target
from reddoor.game.levels import user_levels_dir
from reddoor.game.paths import asset_path, user_dir

RECOVERY_LEVEL = "editor-recovery" + FILE_SUFFIX
RECOVERY_INFO = "editor-recovery.json"
AUTOSAVE_SECONDS = 3.0


def file_stem(name: str) -> str:
    """A safe file name for a level name: 'The paper's test!' -> 'the-papers-test'."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")
    return stem[:48].strip("-") or "level"


def user_level_path(name: str) -> Path:
    """Where a level named `name` is saved: the user's levels folder."""
    return user_levels_dir() / f"{file_stem(name)}{FILE_SUFFIX}"


def is_protected(path: str | os.PathLike | None) -> bool:
    """True for paths the editor must not write: the bundled assets (or no path at all)."""
    if path is None:
        return True
    try:
        Path(path).resolve().relative_to(asset_path().resolve())
        return True
    except ValueError:
        return False


def save_target(path) -> Path | None:
    """Where Ctrl+S writes: the file the level came from, unless that is a bundled one (None).

    The path comes back absolute, so the editor's "saved ..." message shows exactly where the file
    went; a file outside the user's levels folder (`edit ../../elsewhere/x.level`, which the user
    asked for by name) is also said once on stderr. A symlink is written through (the link stays):
    see `describe_target`."""
    if is_protected(path):
        return None
    target = Path(os.path.abspath(path))
    note = describe_target(target)
    if note and note not in _SAID:
        _SAID.add(note)
        print(f"editor: {note}", file=sys.stderr)
    return target


_SAID: set[str] = set()


def describe_target(path) -> str | None:
    """A line saying where a save of `path` really lands when that is not plainly the user's
    levels folder: outside it, or through a symlink; None when it is an ordinary user level."""
    path = Path(os.path.abspath(path))
    try:
        real = Path(os.path.abspath(write_target(path)))
    except OSError:
        real = path
    try:
        levels = user_levels_dir().resolve()
    except OSError:
        levels = None
    through = f" (through the link {path})" if real != path else ""
    inside = levels is not None and real.resolve().is_relative_to(levels)
    if not inside:
        return f"saving writes {real}{through}, outside your levels folder"
    return f"saving writes {real}{through}" if through else None


# -- crash recovery -----------------------------------------------------------------------------
@dataclass
class RecoveryInfo:
    level: Level
    origin: str | None  # the file the edits belong to, if any
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        where = Path(self.origin).name if self.origin else "a level never saved"
        return f"'{self.level.name}' ({where}), autosaved {when}"


class Recovery:
    """The autosave: `maybe_save` every frame, `clear` when the edits are safe or thrown away."""

    def __init__(self, folder: Path | None = None, interval: float = AUTOSAVE_SECONDS):
        self.interval = interval
        self._last_version: int | None = None
        self._last_time = -1e9
        self.last_error: str | None = None
        if folder is None:
            try:
                folder = user_dir("autosave")
            except OSError as exc:  # no usable user folder: edit on, without the autosave
                self.last_error = (
                    f"autosave is off: cannot use {exc.filename or 'the user folder'} ({exc.strerror or exc})"
                )
                print(f"editor: {self.last_error}", file=sys.stderr)
                folder = None
        self.folder = Path(folder) if folder is not None else None
        if self.folder is not None:
            clean_stale_temps(self.folder)  # what an autosave killed mid-write left (our own temp files only)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    @property
    def level_path(self) -> Path | None:
        """The recovery level file (None while the autosave is off)."""
        return self.folder / RECOVERY_LEVEL if self.folder is not None else None

    @property
    def info_path(self) -> Path | None:
        return self.folder / RECOVERY_INFO if self.folder is not None else None

    def maybe_save(self, level: Level, origin, version: int, dirty: bool, now: float | None = None) -> bool:
        """Write the recovery file when the level changed since the last write and `interval`
        seconds have passed. Returns True when it wrote."""
        now = time.monotonic() if now is None else now
        if not self.enabled:
            return False
        if not dirty or version == self._last_version or now - self._last_time < self.interval:
            return False
        self.save(level, origin)
        self._last_version, self._last_time = version, now
        return True

    def save(self, level: Level, origin) -> None:
        if not self.enabled:
            return
        try:
            save_level(level, self.level_path)
            info = json.dumps({"origin": str(origin) if origin else None, "saved_at": time.time()}).encode("utf-8")
            atomic_write(self.info_path, lambda fh: fh.write(info))
            self.last_error = None
        except (OSError, ValueError) as exc:  # a full disk must not take the editor down
            self.last_error = f"autosave failed: {exc}"

    def clear(self) -> None:
        self._last_version = None
        if not self.enabled:
            return
        for path in (self.level_path, self.info_path):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.last_error = f"cannot remove the autosave: {exc}"

    def pending(self) -> RecoveryInfo | None:
        """What a crashed session left behind, or None. A damaged recovery file counts as none."""
        if not self.enabled or not self.level_path.is_file():
            return None
        try:
            level = load_level(self.level_path)
        except LevelFormatError:
            return None
        origin, saved_at = None, self.level_path.stat().st_mtime
        try:
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
            origin = info.get("origin") or None
            saved_at = float(info.get("saved_at", saved_at))
        except (OSError, ValueError, AttributeError, TypeError):
            pass
        return RecoveryInfo(level, origin, saved_at)
