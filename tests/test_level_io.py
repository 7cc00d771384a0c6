"""Level files: round trips, and every malformed case gives one clear error with line and column."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reddoor.game.core.constants import DOOR, FLOOR, N_COLORS, WALL
from reddoor.game.core.level import Level
from reddoor.game.core.level_io import LevelFormatError, format_level, load_level, parse_level, save_level

GOOD = "name: t\nlegend:\n  D = door red\nmap:\n#####\n#@..D\n#...#\n#...#\n#####\n"


def error_of(text, source="bad.level"):
    with pytest.raises(LevelFormatError) as info:
        parse_level(text if isinstance(text, bytes) else text, source)
    return info.value


@pytest.mark.parametrize(
    "text, line, col, words",
    [
        ("", 1, 1, "empty"),
        ("   \n\n", 1, 1, "empty"),
        (GOOD.replace("#...#\n#...#", "#...#\n#..#"), 8, 5, "ragged"),
        (GOOD.replace("#@..D", "#@.?D"), 6, 4, "unknown symbol"),
        (GOOD.replace("#@..D", "#...D"), 5, 1, "no agent start"),
        (GOOD.replace("#...#\n#####", "#..@#\n#####"), 8, 4, "second agent start"),
        ("name: t\nmap:\n####\n#@.#\n####\n", 3, 1, "expected 5 to 32"),
        ("name: t\nmap:\n" + ("#" * 33 + "\n") + ("#@" + "." * 30 + "#\n") + ("#" * 33 + "\n") * 3, 3, 1, "33 columns"),
        (GOOD.replace("map:\n", ""), 4, 1, "map:"),
        (GOOD.replace("D = door red", "D = door pink"), 3, 7, "unknown colour"),
        (GOOD.replace("D = door red", "D = wall red"), 3, 7, "terrain"),
        (GOOD.replace("D = door red", "DD = door red"), 3, 3, "one character"),
        (GOOD.replace("name: t", "colour: red"), 1, 1, "unknown key"),
        (GOOD.replace("name: t", "name: t\nstep_limit: many"), 2, 1, "step_limit"),
        (GOOD.replace("name: t", "name: t\nbanana"), 2, 1, "unexpected text"),
    ],
)
def test_malformed_files_name_line_and_column(text, line, col, words):
    err = error_of(text)
    assert (err.line, err.column) == (line, col), str(err)
    assert words in str(err) and str(err).startswith("bad.level:")


def test_binary_and_non_utf8_files():
    assert "binary" in str(error_of(b"\x89PNG\r\n\x1a\n\x00\x00"))
    err = error_of(b"name: t\nmap:\n##\xff##\n")
    assert (err.line, err.column) == (3, 3) and "UTF-8" in str(err)


def test_missing_file_is_the_same_error(tmp_path):
    with pytest.raises(LevelFormatError) as info:
        load_level(tmp_path / "nope.level")
    assert "nope.level" in str(info.value)


def test_levels_with_warnings_still_load():
    level = parse_level("name: t\nlegend:\n  b = ball red\nmap:\n#####\n#@#b#\n#.###\n#...#\n#####\n")
    messages = [str(p) for p in level.problems()]
    assert any("no door" in m for m in messages) and any("unreachable" in m for m in messages)


def test_save_is_atomic_and_round_trips(tmp_path):
    level = parse_level(GOOD)
    path = save_level(level, tmp_path / "sub" / "x.level")
    assert load_level(path) == level
    assert [p.name for p in path.parent.iterdir()] == ["x.level"]  # no temporary left behind


text_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def levels(draw):
    h = draw(st.integers(5, 32))
    w = draw(st.integers(5, 32))
    kind = np.array(
        draw(st.lists(st.sampled_from([FLOOR, FLOOR, WALL, DOOR, 3, 4, 5]), min_size=h * w, max_size=h * w)), np.uint8
    ).reshape(h, w)
    color = np.array(draw(st.lists(st.integers(0, N_COLORS - 1), min_size=h * w, max_size=h * w)), np.uint8).reshape(
        h, w
    )
    r, c = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
    kind[r, c] = FLOOR
    return Level(
        kind,
        color,
        (r, c),
        name=draw(text_values),
        description=draw(text_values),
        step_limit=draw(st.integers(0, 5000)),
    )


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(levels())
def test_any_level_round_trips_through_the_file_format(level):
    assert parse_level(format_level(level)) == level


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(alphabet="#.@Dd= \n:abcdemorlgnp", max_size=300))
def test_parsing_garbage_raises_only_the_format_error(data):
    try:
        parse_level(data)
    except LevelFormatError as exc:
        assert exc.line >= 0 and exc.column >= 0
