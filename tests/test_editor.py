"""The editor driven by synthetic pygame events, as a user would: keys, clicks, drags, typed text."""

import random

import numpy as np
import pygame
import pytest

from reddoor.game.core.constants import BALL, BLUE, BOX, FLOOR, GREEN, KEY, WALL, YELLOW
from reddoor.game.core.level import Level
from reddoor.game.core.level_io import format_level, load_level, parse_level, save_level
from reddoor.game.editor_files import Recovery, user_level_path
from reddoor.game.levels import builtin_dir, list_levels, resolve_level, user_levels_dir
from reddoor.game.scenes.base import Push, Quit
from reddoor.game.scenes.editor import EDITOR_BINDINGS, EditorScene, translate
from reddoor.game.scenes.menu import Menu
from reddoor.game.scenes.widgets import Question, TextPrompt

SIZE = (1280, 760)
CTRL, SHIFT = pygame.KMOD_LCTRL, pygame.KMOD_LSHIFT


@pytest.fixture()
def screen():
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(SIZE)
    yield surface


def make(level: Level | None = None, path=None, **kw) -> EditorScene:
    scene = EditorScene(level if level is not None else Level.empty(7, 7, name="room"), path, **kw)
    scene.resize(SIZE)
    return scene


# -- input helpers: what a user does, as events -------------------------------------------------
def key(scene, k, mod=0, uni=None):
    if uni is None:
        uni = chr(k) if 32 <= k < 127 and not mod & CTRL else ""
        uni = uni.upper() if mod & SHIFT else uni
    return scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))


def type_text(scene, text):
    scene.handle_event(pygame.event.Event(pygame.TEXTINPUT, text=text))


def click(scene, cell, button=1):
    pos = scene.cell_centre(cell)
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button, mod=0))
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))


def drag(scene, a, b, button=1, via=()):
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=scene.cell_centre(a), button=button, mod=0))
    for cell in (*via, b):
        scene.handle_event(
            pygame.event.Event(pygame.MOUSEMOTION, pos=scene.cell_centre(cell), rel=(0, 0), buttons=(1, 0, 0))
        )
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=scene.cell_centre(b), button=button))


def press_button(scene, command):
    button = next(b for b in scene.buttons if b.command == command)
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=button.rect.center, button=1, mod=0))
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=button.rect.center, button=1))


# -- a level built from events is exactly the expected file ----------------------------------------
def test_events_give_the_expected_level_file(screen):
    scene = make()
    key(scene, pygame.K_d)  # door tool
    key(scene, pygame.K_3)  # blue
    click(scene, (5, 5))
    key(scene, pygame.K_b)  # ball tool
    key(scene, pygame.K_1)  # red
    click(scene, (1, 5))
    key(scene, pygame.K_w)  # wall tool, line mode: a wall across row 3 ...
    key(scene, pygame.K_l)
    drag(scene, (3, 0), (3, 6), via=[(3, 2)])
    click(scene, (3, 4), button=3)  # ... with a gap erased by the right button (line mode: one cell)
    key(scene, pygame.K_s)  # the start moves to the bottom-left
    click(scene, (5, 1))
    key(scene, pygame.K_n)  # name it
    key(scene, pygame.K_u, CTRL)
    type_text(scene, "Events")
    key(scene, pygame.K_RETURN)
    key(scene, pygame.K_s, CTRL)  # never saved: Ctrl+S asks for a name (offering the level's)
    assert isinstance(scene.modal, TextPrompt) and scene.modal.text == "Events"
    key(scene, pygame.K_RETURN)
    path = user_levels_dir() / "events.level"
    assert path.read_text() == (
        "name: Events\n"
        "legend:\n"
        "  D = door blue\n"
        "  B = ball red\n"
        "map:\n"
        "#######\n"
        "#....B#\n"
        "#.....#\n"
        "####.##\n"
        "#.....#\n"
        "#@...D#\n"
        "#######\n"
    )
    assert not scene.doc.dirty and scene.doc.path == path


def test_pencil_drag_is_one_undo_step_and_has_no_gaps(screen):
    scene = make(Level.empty(12, 12))
    key(scene, pygame.K_w)
    drag(scene, (2, 2), (9, 9))  # the motion jumps straight there: the stroke fills in a 4-connected line
    walls = np.argwhere(scene.level.kind == WALL)
    inner = {tuple(map(int, rc)) for rc in walls if 0 < rc[0] < 11 and 0 < rc[1] < 11}
    assert (2, 2) in inner and (9, 9) in inner and len(inner) == 15
    key(scene, pygame.K_z, CTRL)
    assert scene.level == Level.empty(12, 12)
    key(scene, pygame.K_y, CTRL)
    assert len({tuple(map(int, rc)) for rc in np.argwhere(scene.level.kind == WALL)}) > 44


def test_rectangles_flood_fill_and_the_on_screen_buttons(screen):
    scene = make(Level.empty(9, 9))
    press_button(scene, "tool:key")
    press_button(scene, "colour:4")  # yellow
    press_button(scene, "mode:filled")
    drag(scene, (2, 2), (3, 4))
    assert (scene.level.kind[2:4, 2:5] == KEY).all() and (scene.level.color[2:4, 2:5] == YELLOW).all()
    press_button(scene, "mode:rect")
    press_button(scene, "tool:wall")
    drag(scene, (5, 5), (7, 7))
    assert scene.level.kind[5, 5] == WALL and scene.level.kind[6, 6] == FLOOR
    press_button(scene, "mode:fill")
    press_button(scene, "tool:box")
    press_button(scene, "colour:1")  # green
    click(scene, (6, 6))
    assert scene.level.kind[6, 6] == BOX and scene.level.color[6, 6] == GREEN
    assert scene.level.kind[1, 1] == FLOOR  # the fill stayed inside the wall ring
    press_button(scene, "undo")
    assert scene.level.kind[6, 6] == FLOOR
    press_button(scene, "redo")
    assert scene.level.kind[6, 6] == BOX


def test_pick_with_the_middle_button_and_colour_by_wheel(screen):
    level = Level.empty(7, 7)
    level.kind[3, 3], level.color[3, 3] = BALL, BLUE
    scene = make(level)
    click(scene, (3, 3), button=2)
    assert scene.tool == "ball" and scene.colour == BLUE
    scene.handle_event(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-1, flipped=False))
    assert scene.colour == BLUE + 1


def test_painting_over_the_start_is_refused_with_a_reason(screen):
    scene = make()
    key(scene, pygame.K_w)
    click(scene, scene.level.start)
    assert scene.level.kind[scene.level.start] == FLOOR
    assert "start" in scene.status and scene.status_bad


def test_resize_by_buttons_keys_and_typed_size_all_undo(screen):
    scene = make(resolve_level("paper-test"))
    original = scene.level.copy()
    press_button(scene, "rows_more")
    key(scene, pygame.K_RIGHT, CTRL)
    assert (scene.level.height, scene.level.width) == (10, 12)
    key(scene, pygame.K_r, CTRL)
    assert isinstance(scene.modal, TextPrompt)
    key(scene, pygame.K_u, CTRL)
    type_text(scene, "40x3")
    key(scene, pygame.K_RETURN)
    assert scene.modal is not None and "5 to 32" in scene.modal.error  # refused, still open
    key(scene, pygame.K_u, CTRL)
    type_text(scene, "14 x 20")
    key(scene, pygame.K_RETURN)
    assert scene.modal is None and (scene.level.height, scene.level.width) == (14, 20)
    for _ in range(3):
        key(scene, pygame.K_z, CTRL)
    assert scene.level == original


def test_generate_from_a_distribution_with_a_seed(screen):
    from reddoor.game.core.generators import generate

    scene = make()
    key(scene, pygame.K_g)
    assert isinstance(scene.modal, Menu)
    key(scene, pygame.K_HOME)
    key(scene, pygame.K_RETURN)  # 'train'
    assert isinstance(scene.modal, TextPrompt)
    key(scene, pygame.K_BACKSPACE)
    type_text(scene, "42")
    key(scene, pygame.K_RETURN)
    assert scene.level == generate("train", 42)
    key(scene, pygame.K_g, SHIFT)
    assert scene.level == generate("train", 43)
    key(scene, pygame.K_z, CTRL)
    key(scene, pygame.K_z, CTRL)
    assert scene.level == Level.empty(7, 7, name="room")


def test_text_entry_edits_with_the_cursor(screen):
    scene = make()
    key(scene, pygame.K_n, SHIFT)  # describe
    prompt = scene.modal
    type_text(scene, "acd")
    key(scene, pygame.K_LEFT)
    key(scene, pygame.K_LEFT)
    type_text(scene, "b")
    key(scene, pygame.K_END)
    key(scene, pygame.K_BACKSPACE)
    key(scene, pygame.K_HOME)
    key(scene, pygame.K_DELETE)
    type_text(scene, "é!")
    assert prompt.text == "é!bc"
    key(scene, pygame.K_ESCAPE)  # cancelled: nothing changes
    assert scene.level.description == "" and scene.modal is None
    key(scene, pygame.K_n, SHIFT)
    type_text(scene, "Blue door, red ball")
    key(scene, pygame.K_RETURN)
    assert scene.level.description == "Blue door, red ball"


def test_every_documented_key_runs(screen):
    scene = make(resolve_level("paper-test"))
    for binding in EDITOR_BINDINGS:
        for k in binding.keys:
            event = k.event()
            assert translate(event) == binding.command, binding.command
            scene.handle_event(event)
            scene.draw(screen)
            while scene.modal is not None:  # close whatever it opened
                scene.handle_event(
                    pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode="", scancode=0)
                )


# -- files: never into the app, overwrite asks, broken files listed --------------------------------
def test_a_builtin_level_is_saved_as_a_user_level(screen):
    builtin = builtin_dir() / "paper-test.level"
    before = builtin.read_bytes()
    scene = make(resolve_level("paper-test"), builtin)
    key(scene, pygame.K_w)
    click(scene, (3, 3))
    key(scene, pygame.K_s, CTRL)
    assert isinstance(scene.modal, TextPrompt)  # no writing into the app: it asks for a name
    key(scene, pygame.K_RETURN)
    assert builtin.read_bytes() == before
    saved = user_level_path("The paper's test")
    assert saved.parent == user_levels_dir() and load_level(saved) == scene.level
    assert any(e.path == saved and not e.builtin for e in list_levels())  # the play view lists it


def test_a_save_outside_the_levels_folder_says_where_it_went(screen, tmp_path):
    outside = tmp_path / "elsewhere" / "mine.level"
    outside.parent.mkdir()
    save_level(Level.empty(7, 7, name="mine"), outside)
    scene = make(load_level(outside), outside)
    key(scene, pygame.K_w)
    click(scene, (3, 3))
    key(scene, pygame.K_s, CTRL)
    text, ink = scene.status_line()
    assert load_level(outside) == scene.level
    assert str(outside) in text and "outside your levels folder" in text


def test_overwriting_asks_first(screen):
    other = Level.empty(6, 6, name="Mine")
    save_level(other, user_level_path("Mine"))
    scene = make()
    key(scene, pygame.K_s, CTRL | SHIFT)
    key(scene, pygame.K_u, CTRL)
    type_text(scene, "Mine")
    key(scene, pygame.K_RETURN)
    assert isinstance(scene.modal, Question) and scene.modal.title == "Overwrite?"
    key(scene, pygame.K_ESCAPE)
    assert load_level(user_level_path("Mine")) == other and scene.doc.dirty is False
    key(scene, pygame.K_s, CTRL | SHIFT)
    key(scene, pygame.K_u, CTRL)
    type_text(scene, "Mine")
    key(scene, pygame.K_RETURN)
    key(scene, pygame.K_o)
    saved = load_level(user_level_path("Mine"))
    assert saved.height == 7 and saved.name == "Mine"


def test_a_corrupted_user_file_is_listed_with_its_error_and_the_editor_keeps_working(screen):
    folder = user_levels_dir()
    (folder / "broken.level").write_bytes(b"name: broken\nmap:\n###\n#@\x00\n")
    (folder / "ragged.level").write_text("name: ragged\nmap:\n#####\n#@..#\n###\n#####\n#####\n")
    save_level(Level.empty(8, 8, name="Good one"), folder / "good-one.level")
    scene = make()
    key(scene, pygame.K_o, CTRL)
    menu = scene.modal
    assert isinstance(menu, Menu)
    bad = [it for it in menu.items if not it.enabled]
    assert {it.label.split()[0] for it in bad} == {"broken.level", "ragged.level"}
    assert all("line" not in it.detail or ":" in it.detail for it in bad)
    assert any("ragged map" in it.detail for it in bad) and any("NUL" in it.detail for it in bad)
    scene.draw(screen)
    index = next(i for i, it in enumerate(menu.items) if not it.enabled)
    menu.cursor = index
    key(scene, pygame.K_RETURN)  # choosing a broken file does nothing
    assert scene.modal is menu
    index = next(i for i, it in enumerate(menu.items) if it.label.startswith("Good one"))
    menu.cursor = index
    key(scene, pygame.K_RETURN)
    assert scene.modal is None and scene.level.name == "Good one" and scene.doc.path == folder / "good-one.level"
    key(scene, pygame.K_w)
    click(scene, (3, 3))
    key(scene, pygame.K_s, CTRL)
    assert load_level(folder / "good-one.level").kind[3, 3] == WALL


def test_open_with_unsaved_edits_asks(screen):
    scene = make()
    key(scene, pygame.K_w)
    click(scene, (3, 3))
    key(scene, pygame.K_o, CTRL)
    key(scene, pygame.K_RETURN)
    assert isinstance(scene.modal, Question) and scene.modal.title == "Unsaved edits"
    key(scene, pygame.K_ESCAPE)
    assert scene.level.kind[3, 3] == WALL
    key(scene, pygame.K_o, CTRL)
    key(scene, pygame.K_RETURN)
    key(scene, pygame.K_d)  # discard
    assert scene.level.kind[3, 3] != WALL or scene.level.name != "room"


# -- nothing is lost ------------------------------------------------------------------------------
def test_autosave_and_recovery_after_a_crash(screen, tmp_path):
    recovery = Recovery(tmp_path / "autosave", interval=2.0)
    scene = make(recovery=recovery)
    scene.update(5.0)
    assert not recovery.level_path.exists()  # nothing unsaved, nothing written
    key(scene, pygame.K_d)
    click(scene, (2, 2))
    scene.update(0.1)
    assert recovery.level_path.exists()
    edited = scene.level.copy()
    # ... the process dies here. The next start offers the edits back.
    again = make(recovery=Recovery(tmp_path / "autosave"))
    assert isinstance(again.modal, Question) and "Recover" in again.modal.title
    key(again, pygame.K_RETURN)
    assert again.level == edited and again.doc.dirty
    key(again, pygame.K_s, CTRL)
    key(again, pygame.K_RETURN)
    assert not recovery.level_path.exists()  # saved: the recovery file is gone


def test_declining_recovery_removes_it(screen, tmp_path):
    recovery = Recovery(tmp_path)
    recovery.save(Level.empty(6, 6, name="lost"), None)
    scene = make(recovery=Recovery(tmp_path))
    key(scene, pygame.K_d)
    assert scene.modal is None and not recovery.level_path.exists() and scene.level.name == "room"


def test_a_damaged_recovery_file_is_ignored(screen, tmp_path):
    (tmp_path / "editor-recovery.level").write_text("garbage")
    scene = make(recovery=Recovery(tmp_path))
    assert scene.modal is None


def test_quitting_with_unsaved_edits_asks(screen):
    scene = make()
    assert scene.request_close() == Quit()  # nothing unsaved: closes at once
    scene = make()
    key(scene, pygame.K_w)
    click(scene, (2, 2))
    scene.update(10)
    assert scene.request_close() is None  # asking first
    assert isinstance(scene.modal, Question)
    assert key(scene, pygame.K_ESCAPE) is None and scene.modal is None  # cancelled
    assert key(scene, pygame.K_q, CTRL) is None and isinstance(scene.modal, Question)
    assert key(scene, pygame.K_d) == Quit() and not scene.recovery.level_path.exists()


def test_try_it_hands_the_level_to_the_play_view(screen):
    scene = make(resolve_level("paper-test"))
    key(scene, pygame.K_d)
    click(scene, (3, 5))
    go = key(scene, pygame.K_t)
    assert isinstance(go, Push) and go.scene == "play" and go.args["level"] == scene.level


def test_play_view_to_editor_and_back_keeps_the_edits(screen):
    """The app's scene stack: Ctrl+E in the play view opens the editor on that level; Esc goes back
    with the edits; closing the window with those edits unsaved asks in the editor."""
    from reddoor.game.app import App
    from reddoor.game.scenes.play import PlayScene

    app = App(headless=True)
    play = PlayScene(resolve_level("paper-test"))
    seen = {}

    def post_key(k, mod=0, uni=""):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))

    def script(frame, top, a):  # events go through the app's queue, as a user's do
        if frame == 1:
            post_key(pygame.K_e, CTRL)
        elif frame == 3:
            seen["editor"] = top
            assert isinstance(top, EditorScene) and top.level == play.level
            post_key(pygame.K_w, uni="w")
            for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
                pygame.event.post(pygame.event.Event(kind, pos=top.cell_centre((3, 3)), button=1, mod=0))
            post_key(pygame.K_ESCAPE)
        elif frame == 5:
            seen["back"] = top
            pygame.event.post(pygame.event.Event(pygame.QUIT))
        elif frame == 7:
            seen["asking"] = top
            post_key(pygame.K_d, uni="d")

    stats = app.run(play, max_frames=30, script=script)
    assert seen["back"] is play and play.level.kind[3, 3] == WALL
    assert seen["asking"] is seen["editor"] and stats["frames"] < 30


def test_smoke_command(screen):
    from reddoor.game.app import run_edit

    assert run_edit("tiny-room", smoke_test=True) == 0


# -- the monkey: thousands of random events --------------------------------------------------------
def test_monkey(screen):
    rng = random.Random(7)
    scene = make(resolve_level("two-doors"))
    keys = [b.keys[0] for b in EDITOR_BINDINGS] + [None] * 8
    specials = [
        pygame.K_RETURN,
        pygame.K_ESCAPE,
        pygame.K_BACKSPACE,
        pygame.K_UP,
        pygame.K_DOWN,
        pygame.K_LEFT,
        pygame.K_DELETE,
        pygame.K_HOME,
    ]
    w, h = SIZE
    held = None
    edits_seen = [0]
    for i in range(4000):
        roll = rng.random()
        pos = (rng.randrange(-20, w + 20), rng.randrange(-20, h + 20))
        if scene.tile and rng.random() < 0.6:  # mostly on the board
            pos = (
                scene.board_rect.left + rng.randrange(-5, scene.board_rect.w + 5),
                scene.board_rect.top + rng.randrange(-5, scene.board_rect.h + 5),
            )
        if roll < 0.25:
            k = rng.choice(keys)
            if k is None:
                event = pygame.event.Event(pygame.KEYDOWN, key=rng.choice(specials), mod=0, unicode="", scancode=0)
            else:
                event = k.event()
        elif roll < 0.35:
            event = pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(["a", "7", " ", "x", "é", "12x9", "3"]))
        elif roll < 0.55:
            held = rng.choice([1, 1, 1, 2, 3])
            event = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=held, mod=0)
        elif roll < 0.8:
            event = pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(1, 0, 0))
        elif roll < 0.95:
            event = pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=held or 1)
        elif roll < 0.97:
            event = pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=rng.choice([-1, 1]), flipped=False)
        else:
            scene.request_close()
            continue
        scene.handle_event(event)
        edits_seen[0] = max(edits_seen[0], len(scene.doc.undo_stack))
        scene.update(0.05)
        if i % 40 == 0:
            scene.draw(screen)
        if i % 200 == 0 or i == 3999:
            level = scene.level
            assert level.kind[level.start] == FLOOR
            assert parse_level(format_level(level)) == level
    assert edits_seen[0] > 20


def test_the_key_that_opens_a_prompt_is_not_typed_into_it(screen):
    scene = make()
    key(scene, pygame.K_n)  # rename; SDL then echoes the 'n' as text
    type_text(scene, "n")
    assert scene.modal.text == "room" and scene.modal.selected  # the echo is not typed
    type_text(scene, "n")  # a real second 'n' is typed: it replaces the selected old name
    assert scene.modal.text == "n"


def test_a_prompt_opens_with_the_old_text_selected_so_typing_replaces_it(screen):
    scene = make()
    key(scene, pygame.K_n)  # rename "room"
    type_text(scene, "My test room")
    key(scene, pygame.K_RETURN)
    assert scene.level.name == "My test room"  # not "roomMy test room"
    key(scene, pygame.K_n)
    key(scene, pygame.K_END)  # an arrow or End keeps the old text and types after it
    type_text(scene, " 2")
    key(scene, pygame.K_RETURN)
    assert scene.level.name == "My test room 2"
    key(scene, pygame.K_n)
    key(scene, pygame.K_LEFT)
    key(scene, pygame.K_a, CTRL)  # Ctrl+A selects it all again
    key(scene, pygame.K_BACKSPACE)
    type_text(scene, "fresh")
    key(scene, pygame.K_RETURN)
    assert scene.level.name == "fresh"


def test_step_limit_and_palette(screen):
    scene = make()
    key(scene, pygame.K_l, CTRL)
    type_text(scene, "30")
    key(scene, pygame.K_RETURN)
    assert scene.level.step_limit == 30
    key(scene, pygame.K_z, CTRL)
    assert scene.level.step_limit == 0
    before = scene.level.copy()
    key(scene, pygame.K_c)
    scene.draw(screen)
    assert scene.palette.name == "colorblind" and scene.level == before
