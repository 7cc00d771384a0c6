"""The editor's dialogs, apart from the scene: the questions (recover? unsaved edits? overwrite?),
the text prompts (resize, name, description, step limit, seed, save as) and the menus (open,
generate). Each opens a modal on the editor `ed` and calls back into it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pygame

from reddoor.game.core.constants import MAX_SIDE, MIN_SIDE
from reddoor.game.core.editing import Document
from reddoor.game.core.generators import MENU_DISTRIBUTIONS, describe
from reddoor.game.core.level_io import LevelFormatError, load_level, save_level
from reddoor.game.editor_files import describe_target, is_protected, save_target, user_level_path
from reddoor.game.levels import list_levels
from reddoor.game.render.text import has_visible
from reddoor.game.scenes.menu import Menu, MenuItem
from reddoor.game.scenes.widgets import Answer, Question, TextPrompt

from .keys import parse_size

K = pygame
UNSAVED = "Unsaved edits"
RECOVER = "Recover unsaved edits?"


def offer_recovery(ed) -> None:
    """After a crash: the autosaved edits, recovered (still unsaved) or discarded."""
    pending = ed.recovery.pending()
    if pending is None:
        return

    def recover():
        saved = None
        if pending.origin and not is_protected(pending.origin):
            try:
                saved = load_level(pending.origin)
            except LevelFormatError:
                saved = None
        ed.set_document(Document(pending.level, path=Path(pending.origin) if pending.origin else None))
        ed.doc.saved = saved  # so the recovered edits count as unsaved
        ed.set_status(f"recovered {pending.describe()}; save it with Ctrl+S")

    def discard():
        ed.recovery.clear()
        ed.set_status("discarded the recovered edits")

    ed.modal = Question(
        RECOVER,
        f"The editor did not close normally last time. Unsaved edits were autosaved: {pending.describe()}.",
        [Answer("Recover", K.K_RETURN, "Enter", recover), Answer("Discard", K.K_d, "D", discard)],
    )


def guard(ed, action: Callable[[], None], doing: str) -> None:
    """Run `action` now, or after asking what to do with unsaved edits. Discard forgets them (and
    their autosave) before the action."""
    if not ed.doc.dirty:
        action()
        return

    def discard():
        ed.recovery.clear()
        action()

    ed.modal = Question(
        UNSAVED,
        f"'{ed.level.name}' has edits that are not saved. Save them before you {doing}?",
        [
            Answer("Save", K.K_s, "S", lambda: save(ed, then=action)),
            Answer("Discard", K.K_d, "D", discard),
            Answer("Cancel", K.K_ESCAPE, "Esc", lambda: ed.set_status("cancelled")),
        ],
    )


def asking_about_unsaved(ed) -> bool:
    return isinstance(ed.modal, Question) and ed.modal.title == UNSAVED


def save(ed, then: Callable[[], None] | None = None) -> None:
    target = save_target(ed.doc.path)
    if target is None or ed.level.name in ("", "untitled"):
        save_as(ed, then)
        return
    write(ed, target, then)


def save_as(ed, then: Callable[[], None] | None = None) -> None:
    default = ed.level.name if ed.level.name not in ("", "untitled") else ""

    def named(text):
        if text is None:
            ed.set_status("not saved")
            return
        path = user_level_path(text)
        name = " ".join(text.split())

        def go():
            ed.doc.set_name(name)
            write(ed, path, then)

        if path.exists() and (ed.doc.path is None or Path(ed.doc.path).resolve() != path.resolve()):
            ed.modal = Question(
                "Overwrite?",
                f"A level file {path.name} already exists in your levels folder "
                f"({path.parent}). Replace it with '{name}'?",
                [
                    Answer("Overwrite", K.K_o, "O", go),
                    Answer("Cancel", K.K_ESCAPE, "Esc", lambda: ed.set_status("not saved")),
                ],
            )
        else:
            go()

    ed.modal = TextPrompt(
        "Save as: level name",
        default,
        named,
        max_length=60,
        hint="saved in your levels folder; the play view lists it",
        validate=lambda t: None if has_visible(t) else "a name cannot be empty",
    )


def write(ed, path: Path, then: Callable[[], None] | None = None) -> bool:
    try:
        save_level(ed.level, path)
    except (OSError, ValueError) as exc:
        ed.set_status(f"could not save {path}: {exc}", bad=True, seconds=15)
        return False
    ed.doc.mark_saved(Path(path))
    ed.recovery.clear()
    note = describe_target(path)  # outside the levels folder, or through a link: say where it went
    ed.set_status(f"saved {path}" + (f" ({note})" if note else ""), seconds=15.0 if note else 6.0)
    if then is not None:
        then()
    return True


def open_menu(ed) -> None:
    entries = sorted(list_levels(), key=lambda e: (e.builtin, e.name))  # the user's own first
    items = []
    for e in entries:
        where = "built-in" if e.builtin else "yours"
        if e.level is not None:
            items.append(
                MenuItem(
                    f"{e.level.name}   [{e.path.name}, {where}, {e.level.height}×{e.level.width}]",
                    e,
                    e.level.description,
                )
            )
        else:
            items.append(MenuItem(f"{e.path.name}   [{where}, cannot be opened]", e, short_error(e), enabled=False))
    if not items:
        ed.set_status("no level files found", bad=True)
        return

    def chosen(entry):
        if entry is not None:
            guard(ed, lambda: open_path(ed, entry.path), "open another level")

    menu = Menu(
        "Open a level",
        items,
        chosen,
        hint="↑↓ move   Enter/click: open   Esc: cancel   (red: a file with an error, shown below it)",
    )
    menu.layout(ed.size)
    ed.modal = menu


def short_error(entry) -> str:
    """A level file's error without its (long) folder: 'line 5, column 4: ragged map: ...'."""
    error = entry.error or ""
    m = re.match(r"^" + re.escape(str(entry.path)) + r":(\d+):(\d+): (.*)$", error, re.S)
    return f"line {m.group(1)}, column {m.group(2)}: {m.group(3)}" if m else error


def generate_menu(ed) -> None:
    def chosen(distribution):
        if distribution is None:
            return

        def seeded(text):
            if text is not None:
                ed.distribution, ed.seed = distribution, int(text)
                ed.run_command("generate_again")

        ed.modal = TextPrompt(
            f"Generate '{distribution}': seed",
            str(ed.seed),
            seeded,
            max_length=9,
            hint="the same distribution and seed always give the same level",
            validate=lambda t: None if t.strip().isdigit() else "a whole number, e.g. 7",
        )

    menu = Menu(
        "Generate a level from a distribution", [MenuItem(d, d, describe(d)) for d in MENU_DISTRIBUTIONS], chosen
    )
    menu.cursor = MENU_DISTRIBUTIONS.index(ed.distribution) if ed.distribution in MENU_DISTRIBUTIONS else 0
    menu.layout(ed.size)
    ed.modal = menu


def resize_prompt(ed) -> None:
    def check(text):
        size = parse_size(text)
        if size is None:
            return "type rows and columns, e.g. 12x16"
        return None if all(MIN_SIDE <= n <= MAX_SIDE for n in size) else f"each side is {MIN_SIDE} to {MAX_SIDE}"

    def done(text):
        if text is not None:
            ed.resize_level(*parse_size(text))

    ed.modal = TextPrompt(
        "Resize: rows x columns",
        f"{ed.level.height}x{ed.level.width}",
        done,
        hint=f"{MIN_SIDE} to {MAX_SIDE} a side; the outer wall and its doors stay outside",
        max_length=9,
        validate=check,
    )


def rename_prompt(ed) -> None:
    def done(text):
        if text is not None and ed.doc.set_name(text):
            ed.set_status(f"named '{ed.level.name}'")

    ed.modal = TextPrompt(
        "Level name",
        ed.level.name,
        done,
        max_length=60,
        validate=lambda t: None if has_visible(t) else "a name cannot be empty",
    )


def describe_prompt(ed) -> None:
    def done(text):
        if text is not None and ed.doc.set_description(text):
            ed.set_status("description changed")

    ed.modal = TextPrompt(
        "Level description", ed.level.description, done, max_length=300, hint="one line: what this level tests"
    )


def step_limit_prompt(ed) -> None:
    def done(text):
        if text is not None and ed.doc.set_step_limit(int(text)):
            ed.set_status(f"step limit {ed.level.effective_step_limit}")

    ed.modal = TextPrompt(
        "Step limit",
        str(ed.level.step_limit),
        done,
        max_length=6,
        hint=f"moves before an episode times out; 0 = one per cell ({ed.level.height * ed.level.width})",
        validate=lambda t: None if t.strip().isdigit() else "a whole number, 0 for the default",
    )


def open_path(ed, path) -> bool:
    """Open a level file in the editor (its recovery cleared); a bad file is a status line."""
    try:
        level = load_level(path)
    except LevelFormatError as exc:
        ed.set_status(str(exc), bad=True, seconds=15)
        return False
    ed.recovery.clear()
    ed.set_document(Document(level, path=Path(path)))
    note = " (built-in: Ctrl+S saves a copy in your folder)" if is_protected(path) else ""
    ed.set_status(f"opened {Path(path).name}{note}")
    return True
