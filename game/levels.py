"""The level catalogue: built-in levels in assets/levels and the user's own in the per-user folder."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from reddoor.game.core.level import Level
from reddoor.game.core.level_io import FILE_SUFFIX, LevelFormatError, load_level
from reddoor.game.core.safe_io import clean_stale_temps
from reddoor.game.paths import asset_path, user_dir

DEFAULT_LEVEL = "three-ways"  # the opening level: the shipped agents split three ways on it within seconds


@dataclass
class LevelEntry:
    """One level file: its name, where it is, and the level or the error that stops it loading."""

    name: str
    path: Path
    builtin: bool
    level: Level | None = None
    error: str | None = None


def builtin_dir() -> Path:
    return asset_path("levels")


def user_levels_dir() -> Path:
    """The user's levels folder (created on demand); OSError when the user folder is unusable
    (read-only, or under a file): callers go on with the built-in levels."""
    return user_dir("levels")


def _user_levels_dir_or_none() -> Path | None:
    try:
        return user_levels_dir()
    except OSError as exc:
        _note_once(
            f"your levels folder is not usable ({exc.strerror or exc}: {exc.filename or ''}); "
            "only the built-in levels are listed"
        )
        return None


_NOTED: set[str] = set()


def _note_once(message: str) -> None:
    if message not in _NOTED:
        _NOTED.add(message)
        print(f"note: {message}", file=sys.stderr)


def list_levels(include_user: bool = True) -> list[LevelEntry]:
    """Built-in levels (sorted by file name), then the user's; a broken file is listed with its error.

    A special file named *.level (a FIFO, a link to a device, a folder) or one over the size cap
    is never read: load_level refuses it at once, so it is listed with that error and the other
    levels are all still there. An unusable user folder lists the built-in levels alone."""
    out: list[LevelEntry] = []
    user = _user_levels_dir_or_none() if include_user else None
    folders = [(builtin_dir(), True)] + ([(user, False)] if user is not None else [])
    for folder, builtin in folders:
        try:
            if not folder.is_dir():
                continue
            paths = sorted(folder.glob(f"*{FILE_SUFFIX}"))
        except OSError:
            continue
        if not builtin:
            clean_stale_temps(folder)  # what a save killed mid-write left behind (only our own temp files)
        for path in paths:
            entry = LevelEntry(path.stem, path, builtin)
            try:
                entry.level = load_level(path)
            except LevelFormatError as exc:
                entry.error = str(exc)
            out.append(entry)
    return out


def find_level_file(name_or_path: str) -> Path | None:
    """The file a level argument names: a path, else a user level, else a built-in one; or None."""
    path = Path(name_or_path)
    if path.exists() and not path.is_dir():
        return path  # a FIFO or device too: load_level then says what it is, rather than "no such level"
    for folder in (_user_levels_dir_or_none(), builtin_dir()):
        if folder is None:
            continue
        candidate = folder / f"{name_or_path}{FILE_SUFFIX}"
        if candidate.is_file() or candidate.is_symlink():
            return candidate  # a dangling or looping link too: load_level then says which
    return None


def resolve_level(name_or_path: str | None) -> Level:
    """A level from a file path, or a user or built-in level by name; default: DEFAULT_LEVEL."""
    name = name_or_path or DEFAULT_LEVEL
    path = find_level_file(name)
    if path is None:
        known = ", ".join(e.name for e in list_levels() if e.level is not None)  # only what opens
        raise LevelFormatError(name, 0, 0, f"no such level file or level name; known levels: {known}")
    return load_level(path)


def print_level_summary(name_or_path: str) -> int:
    """`python main.py info LEVEL`: the map, the metadata and the problems; exit 1 on a bad file."""
    from reddoor.game.core.level_io import format_level

    try:
        level = resolve_level(name_or_path)
    except LevelFormatError as exc:
        print(f"reddoor info: error: {exc}", file=sys.stderr)
        return 1
    print(format_level(level), end="")
    print(
        f"size: {level.height}x{level.width}, step limit: {level.effective_step_limit}, objects: {len(level.objects())}"
    )
    for problem in level.problems():
        print(problem)
    return 0


def catalogue_path(level: Level) -> Path | None:
    """The catalogue file holding exactly this level (so Ctrl+S saves back to it), or None."""
    try:
        for entry in list_levels():
            if entry.level is not None and entry.level.same_as(level):
                return entry.path
    except OSError:
        pass
    return None
