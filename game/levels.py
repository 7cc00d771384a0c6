"""The level catalogue: built-in levels in assets/levels and the user's own in the per-user folder."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from game.core.level import Level
from game.core.level_io import FILE_SUFFIX, LevelFormatError, load_level
from game.paths import asset_path, user_dir

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
    return user_dir("levels")


def list_levels(include_user: bool = True) -> list[LevelEntry]:
    """Built-in levels (sorted by file name), then the user's; a broken file is listed with its error."""
    out: list[LevelEntry] = []
    folders = [(builtin_dir(), True)] + ([(user_levels_dir(), False)] if include_user else [])
    for folder, builtin in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{FILE_SUFFIX}")):
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
    if path.is_file():
        return path
    for folder in (user_levels_dir(), builtin_dir()):
        candidate = folder / f"{name_or_path}{FILE_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def resolve_level(name_or_path: str | None) -> Level:
    """A level from a file path, or a user or built-in level by name; default: DEFAULT_LEVEL."""
    name = name_or_path or DEFAULT_LEVEL
    path = find_level_file(name)
    if path is None:
        known = ", ".join(e.name for e in list_levels())
        raise LevelFormatError(name, 0, 0, f"no such level file or level name; known levels: {known}")
    return load_level(path)


def print_level_summary(name_or_path: str) -> int:
    """`python main.py info LEVEL`: the map, the metadata and the problems; exit 1 on a bad file."""
    from game.core.level_io import format_level

    try:
        level = resolve_level(name_or_path)
    except LevelFormatError as exc:
        print(f"error: {exc}")
        return 1
    print(format_level(level), end="")
    print(f"size: {level.height}x{level.width}, step limit: {level.effective_step_limit}, objects: {len(level.objects())}")
    for problem in level.problems():
        print(problem)
    return 0
