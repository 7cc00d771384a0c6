"""The editor's model without pygame: each edit, undo and redo of every edit, the dirty flag."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reddoor.game.core.constants import BALL, BLUE, DOOR, FLOOR, KEY, MAX_SIDE, MIN_SIDE, RED, WALL
from reddoor.game.core.editing import (
    MODES,
    TOOLS,
    Document,
    flood_cells,
    line_cells,
    rect_cells,
    resized,
)
from reddoor.game.core.generators import DISTRIBUTIONS, generate
from reddoor.game.core.level import Level
from reddoor.game.core.level_io import format_level, parse_level
from reddoor.game.levels import resolve_level


def room(h=7, w=7) -> Level:
    return Level.empty(h, w, name="room")


def test_paint_a_cell_then_undo_and_redo():
    doc = Document(room())
    assert not doc.dirty
    assert doc.paint_cell((3, 3), "door", RED)
    assert doc.level.kind[3, 3] == DOOR and doc.level.color[3, 3] == RED
    assert doc.dirty
    assert doc.undo() == "paint door"
    assert doc.level == room() and not doc.dirty
    assert doc.redo() == "paint door"
    assert doc.level.kind[3, 3] == DOOR


def test_a_no_op_records_nothing():
    doc = Document(room())
    assert not doc.paint_cell((2, 2), "floor")
    assert not doc.paint_cell((40, 40), "wall")
    assert doc.undo_stack == []


def test_terrain_carries_colour_zero_and_erase_makes_floor():
    doc = Document(room())
    doc.paint_cell((2, 2), "wall", BLUE)
    assert doc.level.kind[2, 2] == WALL and doc.level.color[2, 2] == 0
    doc.paint_cell((2, 3), "ball", BLUE)
    doc.paint([(2, 2), (2, 3)], "erase")
    assert doc.level.kind[2, 2] == FLOOR and doc.level.kind[2, 3] == FLOOR and doc.level.color[2, 3] == 0


def test_the_start_is_never_painted_over():
    doc = Document(room())
    start = doc.level.start
    doc.paint_cell(start, "wall")
    assert doc.level.kind[start] == FLOOR and doc.blocked == 1
    doc.rect((0, 0), (3, 3), "key", BLUE, filled=True)
    assert doc.level.kind[start] == FLOOR and doc.level.kind[2, 2] == KEY


def test_moving_the_start_clears_its_cell():
    doc = Document(room())
    doc.paint_cell((4, 4), "box", BLUE)
    assert doc.place_start((4, 4))
    assert doc.level.start == (4, 4) and doc.level.kind[4, 4] == FLOOR
    doc.undo()
    assert doc.level.start == (1, 1) and doc.level.kind[4, 4] != FLOOR


def test_a_group_undoes_as_one_command():
    doc = Document(room())
    doc.begin("drag")
    for c in range(1, 6):
        doc.paint_cell((3, c), "wall")
    assert doc.end()
    assert len(doc.undo_stack) == 1
    doc.undo()
    assert doc.level == room()


def test_line_is_four_connected_and_ends_at_both_points():
    cells = line_cells((0, 0), (4, 9))
    assert cells[0] == (0, 0) and cells[-1] == (4, 9)
    for (r0, c0), (r1, c1) in zip(cells, cells[1:]):
        assert abs(r1 - r0) + abs(c1 - c0) == 1
    assert line_cells((2, 2), (2, 2)) == [(2, 2)]


def test_rectangles_outline_and_filled():
    assert len(rect_cells((1, 1), (3, 4), filled=False)) == 10
    assert len(rect_cells((3, 4), (1, 1), filled=True)) == 12
    assert len(set(rect_cells((1, 1), (1, 5), filled=False))) == 5


def test_flood_fill_stops_at_other_cells():
    doc = Document(room())
    doc.line((3, 0), (3, 6), "wall")
    region = flood_cells(doc.level, (1, 1))
    assert len(region) == 2 * 5
    doc.flood((5, 5), "ball", BLUE)
    assert (doc.level.kind[4:6, 1:6] == BALL).all() and (doc.level.kind[1:3, 1:6] == FLOOR).all()


@pytest.mark.parametrize("h,w", [(5, 5), (6, 13), (11, 11), (32, 32), (17, 8)])
def test_resize_keeps_content_and_undoes(h, w):
    level = resolve_level("paper-test")
    doc = Document(level)
    doc.resize(h, w)
    assert (doc.level.height, doc.level.width) == (h, w)
    assert doc.level.kind[doc.level.start] == FLOOR
    assert (doc.level.kind[0, :] == WALL).all() and (doc.level.kind[:, -1] == WALL).all()
    parse_level(format_level(doc.level))  # still a valid level file
    doc.undo()
    assert doc.level == level


def test_resize_clamps_to_the_allowed_sides():
    doc = Document(room())
    doc.resize(1, 100)
    assert (doc.level.height, doc.level.width) == (MIN_SIDE, MAX_SIDE)


def test_growing_keeps_objects_where_they_were():
    level = resolve_level("paper-test")
    grown = resized(level, 20, 20)
    for r, c, k, col in level.objects():
        rr = r if r < level.height - 1 else 19
        cc = c if c < level.width - 1 else 19
        assert (grown.kind[rr, cc], grown.color[rr, cc]) == (k, col)
    assert grown.start == level.start


DOORS_IN_THE_OUTER_WALL = """\
name: doors in the walls
legend:
  R = door red
  B = door blue
map:
#######
#@....#
#.....B
#.....#
#.....#
###R###
"""


def _ring(level: Level) -> np.ndarray:
    return np.concatenate([level.kind[0], level.kind[-1], level.kind[:, 0], level.kind[:, -1]])


@pytest.mark.parametrize("grow", ["rows", "columns", "both"])
def test_growing_beside_a_door_in_the_outer_wall_keeps_the_wall_closed(grow):
    """Ctrl+Down / Ctrl+Right on a level with a door in its bottom and right walls: the new rows and
    columns get their outer wall; the door in the bottom wall moves down with that edge, the one in
    the right wall moves right with it, both still in the outer wall and reachable."""
    level = parse_level(DOORS_IN_THE_OUTER_WALL)
    assert level.kind[5, 3] == DOOR and level.kind[2, 6] == DOOR and (_ring(level) != FLOOR).all()
    doc = Document(level)
    h, w = level.height + (grow in ("rows", "both")) * 3, level.width + (grow in ("columns", "both")) * 3
    for _ in range(3):  # one row / column at a time, as the keys do
        doc.resize(doc.level.height + (grow in ("rows", "both")), doc.level.width + (grow in ("columns", "both")))
    grown = doc.level
    assert (grown.height, grown.width) == (h, w)
    assert (_ring(grown) != FLOOR).all(), "a gap in the outer wall"
    assert (grown.kind[-1, 3], grown.color[-1, 3]) == (DOOR, RED)  # bottom wall's door: still in the bottom wall
    assert (grown.kind[2, -1], grown.color[2, -1]) == (DOOR, BLUE)  # right wall's door: still in the right wall
    assert len(grown.objects()) == 2
    assert grown.problems() == []  # a start, doors, everything reachable
    doc.undo(), doc.undo(), doc.undo()
    assert doc.level == level


def test_growing_a_level_with_an_open_side_leaves_it_open():
    kind = np.full((5, 5), FLOOR, np.uint8)
    kind[0, :] = WALL  # a wall along the top only; the other sides are open floor
    grown = resized(Level(kind, np.zeros_like(kind), (2, 2)), 7, 8)
    assert (grown.kind[0] == WALL).all() and (grown.kind[1:] == FLOOR).all()


def test_new_and_generate_are_undoable():
    doc = Document(resolve_level("paper-test"))
    original = doc.level.copy()
    doc.generate("conflict", 3)
    assert doc.level == generate("conflict", 3)
    doc.new(6, 8)
    assert (doc.level.height, doc.level.width) == (6, 8)
    doc.undo()
    doc.undo()
    assert doc.level == original


def test_name_and_description_are_edits():
    doc = Document(room())
    doc.set_name("  My   level ")
    doc.set_description("two\nlines")
    assert doc.level.name == "My level" and doc.level.description == "two lines"
    doc.undo()
    doc.undo()
    assert doc.level.name == "room" and doc.level.description == ""


def test_dirty_follows_the_saved_state():
    doc = Document(room())
    doc.paint_cell((2, 2), "wall")
    doc.mark_saved("x.level")
    assert not doc.dirty
    doc.undo()
    assert doc.dirty
    doc.redo()
    assert not doc.dirty


def test_problems_follow_edits():
    doc = Document(room())
    assert any("no door" in p.message for p in doc.problems)
    doc.paint_cell((5, 5), "door", RED)
    assert doc.problems == []
    doc.rect((4, 4), (5, 5), "wall")  # walls the door in... the door cell itself becomes wall
    doc.undo()
    doc.line((4, 1), (4, 5), "wall")
    doc.line((4, 5), (1, 5), "wall")  # the door at (5,5) is now shut off from the start
    assert (5, 5) in doc.unreachable_cells()
    assert any(p.message.startswith("unsolvable") for p in doc.problems)


# -- the property: any edits, then as many undos, give back the original ---------------------------
cells = st.tuples(st.integers(-2, 33), st.integers(-2, 33))
edits = st.one_of(
    st.tuples(st.just("apply"), st.sampled_from(MODES), cells, cells, st.sampled_from(TOOLS), st.integers(0, 5)),
    st.tuples(st.just("start"), cells),
    st.tuples(st.just("resize"), st.integers(1, 40), st.integers(1, 40)),
    st.tuples(st.just("new"), st.integers(5, 12), st.integers(5, 12)),
    st.tuples(st.just("generate"), st.sampled_from(DISTRIBUTIONS), st.integers(0, 50)),
    st.tuples(st.just("name"), st.text(max_size=20)),
    st.tuples(st.just("describe"), st.text(max_size=20)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
)


def run_edit(doc: Document, edit) -> None:
    op = edit[0]
    if op == "apply":
        _, mode, a, b, tool, colour = edit
        doc.apply(mode, a, b, tool, colour)
    elif op == "start":
        doc.place_start(edit[1])
    elif op == "resize":
        doc.resize(edit[1], edit[2])
    elif op == "new":
        doc.new(edit[1], edit[2])
    elif op == "generate":
        doc.generate(edit[1], edit[2])
    elif op == "name":
        doc.set_name(edit[1])
    elif op == "describe":
        doc.set_description(edit[1])
    elif op == "undo":
        doc.undo()
    else:
        doc.redo()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["paper-test", "tiny-room", "maze-25", "two-doors"]), st.lists(edits, max_size=25))
def test_any_edits_then_as_many_undos_give_back_the_original(name, sequence):
    original = resolve_level(name)
    doc = Document(original)
    applied = 0
    for edit in sequence:
        if edit[0] in ("undo", "redo"):
            continue  # counted separately below
        before = len(doc.undo_stack)
        run_edit(doc, edit)
        applied += len(doc.undo_stack) - before
        # Every state along the way is a level that saves and loads back equal.
        assert parse_level(format_level(doc.level)) == doc.level
    for _ in range(applied):
        assert doc.undo() is not None
    assert doc.undo() is None
    assert doc.level == original and not doc.dirty


@settings(max_examples=60, deadline=None)
@given(st.lists(edits, max_size=30))
def test_undo_all_then_redo_all_is_the_same_level(sequence):
    doc = Document(resolve_level("paper-test"))
    for edit in sequence:
        run_edit(doc, edit)
    final = doc.level.copy()
    n = 0
    while doc.undo() is not None:
        n += 1
    for _ in range(n):
        doc.redo()
    assert doc.level == final
    assert np.array_equal(doc.level.kind, final.kind)
