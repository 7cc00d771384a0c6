"""What each editor command does (the keys and help for each are in keys.py, from the same names);
an action may return a Transition. Tools, colours and draw modes are set in EditorScene.run_command."""

from __future__ import annotations

from reddoor.game.core.generators import seed_range
from reddoor.game.render.palette import COLORBLIND, NORMAL
from reddoor.game.scenes.base import Quit, Transition
from reddoor.game.scenes.keymap import command_table

from . import dialogs
from .keys import EDITOR_BINDINGS

COMMANDS, command = command_table()


@command("colour_next")
def colour_next_(ed) -> None:
    ed.set_colour(ed.colour + 1)


@command("colour_prev")
def colour_prev_(ed) -> None:
    ed.set_colour(ed.colour - 1)


@command("undo")
def undo_(ed) -> None:
    ed.drag = None
    label = ed.doc.undo()
    ed.set_status(f"undid {label}" if label else "nothing to undo")


@command("redo")
def redo_(ed) -> None:
    ed.drag = None
    label = ed.doc.redo()
    ed.set_status(f"redid {label}" if label else "nothing to redo")


@command("rows_more")
def rows_more_(ed) -> None:
    ed.resize_level(ed.level.height + 1, ed.level.width)


@command("rows_fewer")
def rows_fewer_(ed) -> None:
    ed.resize_level(ed.level.height - 1, ed.level.width)


@command("cols_more")
def cols_more_(ed) -> None:
    ed.resize_level(ed.level.height, ed.level.width + 1)


@command("cols_fewer")
def cols_fewer_(ed) -> None:
    ed.resize_level(ed.level.height, ed.level.width - 1)


@command("resize")
def resize_(ed) -> None:
    dialogs.resize_prompt(ed)


@command("new")
def new_(ed) -> None:
    ed.drag = None
    h, w = ed.level.height, ed.level.width
    if ed.doc.new(h, w):
        ed.doc.path = None
        ed.set_status(f"new empty {h}x{w} level (Ctrl+Z brings the old one back)")


@command("generate")
def generate_(ed) -> None:
    dialogs.generate_menu(ed)


@command("generate_again")
def generate_again_(ed) -> None:
    ed.drag = None
    if ed.doc.generate(ed.distribution, ed.seed):
        ed.doc.path = None
        ed.relayout()
        ed.set_status(
            f"generated {ed.distribution} seed {ed.seed} ({seed_range(ed.seed)}; Shift+G: seed {ed.seed + 1}; "
            "Ctrl+Z undoes)"
        )
    ed.seed += 1


@command("rename")
def rename_(ed) -> None:
    dialogs.rename_prompt(ed)


@command("describe")
def describe_(ed) -> None:
    dialogs.describe_prompt(ed)


@command("step_limit")
def step_limit_(ed) -> None:
    dialogs.step_limit_prompt(ed)


@command("palette")
def palette_(ed) -> None:
    ed.palette = COLORBLIND if ed.palette is NORMAL else NORMAL
    ed.relayout()
    ed.set_status(f"{ed.palette.name} palette (pixels only: the level's colours are unchanged)")


@command("reach")
def reach_(ed) -> None:
    ed.show_reach = not ed.show_reach
    ed.set_status("shading floor the agent cannot reach" if ed.show_reach else "reach shading off")


@command("open")
def open_(ed) -> None:
    dialogs.open_menu(ed)


@command("save")
def save_(ed) -> None:
    dialogs.save(ed)


@command("save_as")
def save_as_(ed) -> None:
    dialogs.save_as(ed)


@command("try")
def try_(ed) -> Transition | None:
    ed.drag = None
    ed.doc.end()
    errors = [p for p in ed.doc.problems if p.severity == "error"]
    if errors:
        ed.set_status(f"cannot try it: {errors[0].message}", bad=True)
        return None
    return ed.to_play(f"Trying '{ed.level.name}' — Ctrl+E: back to the editor")


@command("help")
def help_(ed) -> None:
    ed.modal = "help"


@command("back")
def back_(ed) -> Transition | None:
    if ed.drag is not None:
        ed.drag = None
        ed.doc.end()
        return None
    if ed.below == "play":
        # The edits stay in this document (and the recovery file) until saved.
        return ed.to_play(f"edited '{ed.level.name}'")
    return quit_(ed)


@command("quit")
def quit_(ed) -> Transition | None:
    """Quit, or ask first when there are unsaved edits (an answer then decides)."""

    def leave():
        ed.recovery.clear()
        ed.go(Quit())

    if ed.doc.dirty:
        if not dialogs.asking_about_unsaved(ed):
            dialogs.guard(ed, leave, "quit")
        return None
    ed.recovery.clear()
    return Quit()


_missing = {b.command for b in EDITOR_BINDINGS if ":" not in b.command} ^ set(COMMANDS)
assert not _missing, f"the editor's keys and COMMANDS differ: {sorted(_missing)}"
