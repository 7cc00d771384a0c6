"""Level files: a map you can read in a text editor, with a legend and a few metadata lines.

    ; comments start with ';'
    name: The paper's test
    description: A blue door and a red ball.
    step_limit: 60            (optional; 0 or absent means one step per cell)
    legend:
      D = door blue
      b = ball red
    map:
    #######
    #@...b#
    #.###.#
    #.....D
    #######

'#' is wall, '.' floor, '@' the agent's start (on floor); every other map symbol is defined in the
legend as `SYMBOL = KIND COLOUR`. Loading never crashes: any problem raises LevelFormatError naming
the file, line and column. A level with no door or unreachable objects still loads; ask
`level.problems()` for the warnings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .constants import (
    COLOR_NAMES,
    DOOR,
    FLOOR,
    KIND_NAMES,
    MAX_SIDE,
    MIN_SIDE,
    WALL,
    color_index,
    is_object,
    kind_index,
)
from .level import Level
from .safe_io import FileTooLarge, NotARegularFile, atomic_write, read_regular

FILE_SUFFIX = ".level"
BUILTIN_SYMBOLS = {"#": (WALL, 0), ".": (FLOOR, 0), "@": (FLOOR, 0)}
START_SYMBOL = "@"
# Preferred symbols when saving, per kind; then any unused letter or digit.
_PREFERRED = {"door": "DdOo", "key": "Kk", "ball": "Bb", "box": "Xx"}
_POOL = "ABCEFGHIJLMNPQRSTUVWYZacefghijlmnpqrstuvwyz0123456789"
MAX_FILE_BYTES = 1 << 20


class LevelFormatError(ValueError):
    """A level file that cannot be read: the message names the file, line and column."""

    def __init__(self, source: str, line: int, column: int, message: str):
        self.source, self.line, self.column, self.problem = source, line, column, message
        super().__init__(f"{source}:{line}:{column}: {message}")


# -- reading -----------------------------------------------------------------------------------
def load_level(path: str | os.PathLike) -> Level:
    """Read a level file; raises LevelFormatError (never anything else) on any bad content."""
    source = str(path)
    try:
        # Only a regular file, opened without blocking, at most MAX_FILE_BYTES: a FIFO or a link
        # to /dev/zero named *.level is refused at once instead of hanging or filling memory.
        data = read_regular(path, MAX_FILE_BYTES)
    except FileTooLarge as exc:
        raise LevelFormatError(source, 1, 1, f"{exc}; a level file is at most {MAX_FILE_BYTES:,} bytes") from None
    except NotARegularFile as exc:
        raise LevelFormatError(source, 0, 0, f"cannot read the file: it is {exc}") from None
    except OSError as exc:
        raise LevelFormatError(source, 0, 0, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_level(data, source)


def parse_level(data: bytes | str, source: str = "<level>") -> Level:
    """Parse the text of a level file (bytes or str)."""
    if isinstance(data, bytes):
        text = _decode(data, source)
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    if not any(ln.strip() for ln in lines):
        raise LevelFormatError(source, 1, 1, "the file is empty; expected metadata lines and a 'map:' section")

    meta: dict[str, str] = {}
    legend: dict[str, tuple[int, int]] = {}
    in_legend = False
    map_start = None
    for i, raw in enumerate(lines):
        lineno = i + 1
        for j, ch in enumerate(raw):
            if ch != "\t" and (ord(ch) < 32 or ord(ch) == 127):
                raise LevelFormatError(source, lineno, j + 1, f"control character {ch!r}; a level file is plain text")
        stripped = raw.strip()
        if not stripped or stripped.startswith(";"):
            continue
        low = stripped.lower()
        if low == "map:":
            map_start = i + 1
            break
        if low == "legend:":
            in_legend = True
            continue
        col = len(raw) - len(raw.lstrip()) + 1
        if in_legend and "=" in stripped and not _looks_like_meta(stripped):
            sym, kind, colour = _parse_legend_line(raw, source, lineno)
            if sym in legend:
                raise LevelFormatError(source, lineno, col, f"symbol {sym!r} is defined twice in the legend")
            legend[sym] = (kind, colour)
            continue
        if ":" not in stripped:
            raise LevelFormatError(
                source, lineno, col, f"unexpected text {stripped[:20]!r}; expected 'key: value', 'legend:' or 'map:'"
            )
        key, _, value = stripped.partition(":")
        key = key.strip().lower()
        if key not in ("name", "description", "step_limit"):
            raise LevelFormatError(
                source, lineno, col, f"unknown key {key!r}; expected name, description, step_limit, legend or map"
            )
        in_legend = False
        meta[key] = _read_value(value.strip(), source, lineno, raw.index(":") + 2)
        meta[key + "@line"] = str(lineno)
    if map_start is None:
        raise LevelFormatError(source, len(lines), 1, "no 'map:' line; expected 'map:' followed by the rows of the map")

    rows = lines[map_start:]
    while rows and not rows[-1].strip():
        rows.pop()
    if not rows:
        raise LevelFormatError(source, map_start + 1, 1, "the map is empty; expected rows of symbols after 'map:'")
    height, width = len(rows), len(rows[0])
    if width == 0:
        raise LevelFormatError(source, map_start + 1, 1, "empty map row; expected a row of symbols")
    kind = np.zeros((height, width), np.uint8)
    colour = np.zeros((height, width), np.uint8)
    starts = []
    for r, row in enumerate(rows):
        lineno = map_start + r + 1
        if len(row) != width:
            raise LevelFormatError(
                source,
                lineno,
                min(len(row), width) + 1,
                f"ragged map: this row has {len(row)} symbols; expected {width} like the first row",
            )
        for c, ch in enumerate(row):
            if ch == START_SYMBOL:
                starts.append((r, c, lineno))
            if ch in BUILTIN_SYMBOLS:
                kind[r, c], colour[r, c] = BUILTIN_SYMBOLS[ch]
            elif ch in legend:
                kind[r, c], colour[r, c] = legend[ch]
            else:
                raise LevelFormatError(
                    source,
                    lineno,
                    c + 1,
                    f"unknown symbol {ch!r}; expected '#', '.', '@' or a symbol from the legend"
                    + (f" ({''.join(sorted(legend))})" if legend else " (the legend is empty)"),
                )
    if not (MIN_SIDE <= height <= MAX_SIDE):
        raise LevelFormatError(
            source, map_start + 1, 1, f"the map has {height} rows; expected {MIN_SIDE} to {MAX_SIDE}"
        )
    if not (MIN_SIDE <= width <= MAX_SIDE):
        raise LevelFormatError(
            source, map_start + 1, 1, f"the map has {width} columns; expected {MIN_SIDE} to {MAX_SIDE}"
        )
    if not starts:
        raise LevelFormatError(source, map_start + 1, 1, "no agent start; expected exactly one '@' in the map")
    if len(starts) > 1:
        r, c, lineno = starts[1]
        raise LevelFormatError(
            source,
            lineno,
            c + 1,
            f"a second agent start; expected exactly one '@' (the first is on line {starts[0][2]})",
        )

    step_limit = 0
    if "step_limit" in meta:
        try:
            step_limit = int(meta["step_limit"])
        except ValueError:
            step_limit = -1
        if not 0 <= step_limit <= 100_000:
            raise LevelFormatError(
                source,
                int(meta["step_limit@line"]),
                1,
                f"step_limit {meta['step_limit']!r}; expected a whole number from 0 to 100000",
            )
    return Level(
        kind,
        colour,
        starts[0][:2],
        name=meta.get("name", Path(source).stem if source != "<level>" else "untitled"),
        description=meta.get("description", ""),
        step_limit=step_limit,
    )


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data:
        line, col = _position(data, data.index(b"\x00"))
        raise LevelFormatError(source, line, col, "binary data (a NUL byte); expected a text level file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        raise LevelFormatError(source, line, col, "bytes that are not UTF-8 text; expected a text level file") from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1


def _looks_like_meta(stripped: str) -> bool:
    key = stripped.partition(":")[0].strip().lower()
    return (
        ":" in stripped and key in ("name", "description", "step_limit") and stripped.index(":") < stripped.index("=")
    )


def _parse_legend_line(raw: str, source: str, lineno: int) -> tuple[str, int, int]:
    left, _, right = raw.partition("=")
    sym = left.strip()
    col = len(left) - len(left.lstrip()) + 1
    if len(sym) != 1:
        raise LevelFormatError(source, lineno, col, f"legend symbol {sym!r}; expected one character before '='")
    if sym in BUILTIN_SYMBOLS or sym.isspace() or sym in ";=":
        raise LevelFormatError(source, lineno, col, f"legend symbol {sym!r} is reserved; '#', '.', '@' are built in")
    words = right.split()
    vcol = len(left) + 2 + len(right) - len(right.lstrip())
    if len(words) != 2:
        raise LevelFormatError(
            source, lineno, vcol, f"legend entry {right.strip()!r}; expected 'KIND COLOUR' such as 'door red'"
        )
    try:
        kind = kind_index(words[0])
        if not is_object(kind):
            raise ValueError(f"{words[0]!r} is terrain; the legend defines objects: door, key, ball, box")
        colour = color_index(words[1])
    except ValueError as exc:
        raise LevelFormatError(source, lineno, vcol, str(exc)) from None
    return sym, kind, colour


def _read_value(value: str, source: str, lineno: int, col: int) -> str:
    if value.startswith('"'):
        try:
            out = json.loads(value)
        except ValueError:
            raise LevelFormatError(source, lineno, col, "a quoted value that is not a valid JSON string") from None
        if not isinstance(out, str):
            raise LevelFormatError(source, lineno, col, "a quoted value that is not a string")
        return out
    return value


# -- writing -----------------------------------------------------------------------------------
def format_level(level: Level) -> str:
    """The text of a level file; `parse_level(format_level(x))` equals x."""
    if level.kind[level.start] != FLOOR:
        raise ValueError(f"cannot save: the start {level.start} is not on floor")
    used = sorted({(int(k), int(c)) for k, c in zip(level.kind.ravel(), level.color.ravel()) if k >= DOOR})
    symbols: dict[tuple[int, int], str] = {}
    taken = set(BUILTIN_SYMBOLS)
    for k, c in used:
        for ch in _PREFERRED[KIND_NAMES[k]] + _POOL:
            if ch not in taken:
                symbols[(k, c)] = ch
                taken.add(ch)
                break
    out = [f"name: {_write_value(level.name)}"]
    if level.description:
        out.append(f"description: {_write_value(level.description)}")
    if level.step_limit:
        out.append(f"step_limit: {level.step_limit}")
    if symbols:
        out.append("legend:")
        out += [f"  {ch} = {KIND_NAMES[k]} {COLOR_NAMES[c]}" for (k, c), ch in symbols.items()]
    out.append("map:")
    for r in range(level.height):
        row = []
        for c in range(level.width):
            k = int(level.kind[r, c])
            if (r, c) == level.start:
                row.append(START_SYMBOL)
            elif k == WALL:
                row.append("#")
            elif k == FLOOR:
                row.append(".")
            else:
                row.append(symbols[(k, int(level.color[r, c]))])
        out.append("".join(row))
    return "\n".join(out) + "\n"


def _write_value(value: str) -> str:
    safe = value == value.strip() and value.isprintable() and not value.startswith('"') and "\\" not in value
    return value if safe else json.dumps(value)


def save_level(level: Level, path: str | os.PathLike) -> Path:
    """Write atomically (a temporary file in the same folder, then replace; a kill at any moment
    leaves the old file or the new one). A symlink is written through: the link stays, the file
    it names gets the level. Returns the path actually written."""
    data = format_level(level).encode("utf-8")
    return atomic_write(path, lambda fh: fh.write(data))
