"""The scene contract and what a new user tripped over, each as the behaviour a user would notice."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from pathlib import Path

import numpy as np
import pygame
import pytest
from test_play import LEVEL, ScriptedAgent, level, make_scene

from reddoor.agents.base import make_agent
from reddoor.game.core.constants import BLUE, DOOR, RED
from reddoor.game.core.describe import describe_objects, plural
from reddoor.game.core.level import Level
from reddoor.game.core.level_io import parse_level
from reddoor.game.editor_files import Recovery
from reddoor.game.levels import resolve_level
from reddoor.game.render.palette import AGENT_ACCENTS, COLORBLIND
from reddoor.game.scenes.base import Pop, Push, Quit, Replace, Scene

CTRL = pygame.KMOD_LCTRL


@pytest.fixture(autouse=True)
def display(tmp_path, monkeypatch):
    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path / "home"))
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode((1200, 720))
    pygame.display.quit()


def post_key(k, mod=0, uni=""):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))


# -- the contract: transitions are values the app acts on -------------------------------------------
class Probe(Scene):
    """A scene that returns whatever transition it is told to on its next frame, and logs its hooks."""

    def __init__(self, tag="", log=None, **args):
        self.tag, self.log, self.args, self.then, self.closing = tag, log if log is not None else [], args, None, Quit()

    def enter(self, below, args):
        super().enter(below, args)
        self.log.append(("enter", self.tag, below, dict(args)))

    def leave(self):
        self.log.append(("leave", self.tag))

    def request_close(self):
        self.log.append(("close?", self.tag))
        return self.closing

    def update(self, dt):
        go, self.then = self.then, None
        return go


def run_app(bottom, steps, frames=40):
    """Run the real App loop with Probe scenes registered as 'a' and 'b'; steps[frame](app) acts."""
    from reddoor.game.app import App

    app = App(headless=True)
    log = bottom.log
    app.registry = {"a": type(bottom), "b": lambda **args: Probe("b", log, **args)}

    def script(frame, top, a):
        if frame in steps:
            steps[frame](a)

    stats = app.run(bottom, max_frames=frames, script=script)
    return app, stats


def test_push_pop_replace_and_quit_move_the_stack_and_only_quit_ends_it():
    log = []
    bottom = Probe("a", log)
    seen = {}

    def top_says(t):
        def step(app):
            app.top.then = t

        return step

    def look(name):
        def step(app):
            seen[name] = [s.tag for _, s in app.stack]

        return step

    steps = {
        1: top_says(Push("b", {"x": 1})),
        3: look("pushed"),
        4: top_says(Pop({"y": 2})),
        6: look("popped"),
        7: top_says(Push("b", {"z": 3})),
        9: look("again"),
        10: top_says(Replace("b", {})),
        12: look("replaced"),
        13: top_says(Quit()),
    }
    app, stats = run_app(bottom, steps)
    assert seen == {"pushed": ["a", "b"], "popped": ["a"], "again": ["a", "b"], "replaced": ["a", "b"]}
    assert ("enter", "a", None, {"y": 2}) in log  # the Pop result reaches the scene beneath
    assert ("enter", "b", "a", {"z": 3}) in log  # the scene set aside comes back with the new args
    assert stats["frames"] < 40  # Quit ended the app ...
    assert ("close?", "a") in log  # ... after asking the scene beneath


def test_a_scene_asking_before_closing_keeps_the_app_running():
    log = []
    bottom = Probe("a", log)
    bottom.closing = None  # "I am asking the user"

    def close(app):
        pygame.event.post(pygame.event.Event(pygame.QUIT))

    app, stats = run_app(bottom, {2: close}, frames=10)
    assert stats["frames"] == 10 and ("close?", "a") in log


# -- (a) the editor: Discard really discards and closes -------------------------------------------
def _dirty_editor(tmp_path):
    from reddoor.game.scenes.editor import EditorScene

    scene = EditorScene(Level.empty(7, 7, name="room"), None, recovery=Recovery(tmp_path / "autosave", interval=0.0))
    scene.resize((1280, 760))
    scene.doc.paint_cell((2, 2), "wall")
    assert scene.doc.dirty
    return scene


@pytest.mark.parametrize("how", ["ctrl+q", "esc", "window close"])
def test_discarding_unsaved_edits_ends_the_editor(tmp_path, how):
    from reddoor.game.app import App
    from reddoor.game.scenes.widgets import Question

    scene = _dirty_editor(tmp_path)
    app = App(headless=True)
    asked = []

    def script(frame, top, a):
        if frame == 2:
            if how == "ctrl+q":
                post_key(pygame.K_q, CTRL)
            elif how == "esc":
                post_key(pygame.K_ESCAPE)
            else:
                pygame.event.post(pygame.event.Event(pygame.QUIT))  # SDL turns SIGTERM into this too
        elif frame == 4:
            asked.append(isinstance(top.modal, Question) and top.modal.title == "Unsaved edits")
            post_key(pygame.K_d, uni="d")

    stats = app.run(scene, max_frames=30, script=script)
    assert asked == [True] and stats["frames"] < 10
    assert not scene.recovery.level_path.exists()  # discarded: nothing offered back next time


def test_a_second_close_while_asking_ends_the_editor_and_keeps_the_edits_for_next_time(tmp_path):
    from reddoor.game.app import App

    scene = _dirty_editor(tmp_path)
    app = App(headless=True)

    def script(frame, top, a):
        if frame in (2, 4):
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    stats = app.run(scene, max_frames=30, script=script)
    assert stats["frames"] < 10
    assert Recovery(tmp_path / "autosave").pending() is not None


# -- (b) menus: Enter applies, Esc cancels ----------------------------------------------------------
def test_in_a_tick_menu_enter_applies_and_esc_cancels(tmp_path):
    scene = make_scene(tmp_path)
    for key, expected in ((pygame.K_ESCAPE, ["oracle", "random"]), (pygame.K_RETURN, ["oracle"])):
        scene.run_command("choose_agents")
        next(it for it in scene.menu.items if it.value == "random").checked = False
        scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
        assert scene.menu is None and [r.agent.kind for r in scene.runs] == expected


# -- (c) totals per level ---------------------------------------------------------------------------
def _finish_episode(scene, run):
    for _ in range(50):
        scene.session.tick()
        if run.world.done:
            return
    raise AssertionError("the episode did not end")


def test_totals_are_per_level_reset_by_a_recolour_and_all_levels_are_one_key_away(tmp_path):
    scene = make_scene(tmp_path, [ScriptedAgent("UU")])
    run = scene.runs[0]
    scene.session.hold_ticks = 0
    _finish_episode(scene, run)  # the red ball: O_alt
    assert scene.score_rows()[0][1] == [1, 0, 1, 0, 0]
    scene.session.tick()  # a new episode starts on the level as it is
    scene.session.tick()
    scene.run_command("swap_red_blue")  # a recolour mid-episode: that episode is not this level's
    assert scene.score_rows()[0][1] == [0, 0, 0, 0, 0]
    _finish_episode(scene, run)
    assert scene.score_rows()[0][1][0] == 0 and run.all_tally.episodes == 2
    scene.session.tick()
    _finish_episode(scene, run)  # a whole episode on the swapped level: the ball is blue now
    assert scene.score_rows()[0][1] == [1, 0, 0, 1, 0]
    scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t, mod=0, unicode="t", scancode=0))
    assert scene.model.all_levels and scene.score_rows()[0][1][0] == 3
    scene.run_command("next_level")
    assert run.tally.episodes == 0 and run.all_tally.episodes == 3


# -- (d) the description is made from the objects as they are now ----------------------------------
def test_the_description_follows_a_recolour(tmp_path):
    scene = make_scene(tmp_path)
    assert describe_objects(scene.level) == "Red ball 2 steps, blue door 2 steps, green key 3 steps."
    assert scene.view().original_description
    scene.run_command("swap_red_blue")
    assert describe_objects(scene.level) == "Red door 2 steps, blue ball 2 steps, green key 3 steps."
    assert not scene.view().original_description  # the author's words no longer hold: not shown


def test_counts_agree_with_their_number():
    assert [plural(1, "agent"), plural(2, "agent"), plural(3, "box"), plural(0, "door")] == [
        "1 agent",
        "2 agents",
        "3 boxes",
        "0 doors",
    ]
    two_doors = parse_level(LEVEL.replace("K..@..#", "D..@..#"))
    assert describe_objects(two_doors).startswith("Red ball 2 steps, 2 blue doors 2 and 3 steps")
    scene = PlayScene_with([make_agent("oracle")])
    assert scene.status.startswith("1 agent on")


def PlayScene_with(agents):
    from reddoor.game.scenes.play import PlayScene

    return PlayScene(level(), agents, catalogue=[])


# -- (e) legibility at 1024x700 -----------------------------------------------------------------------
def test_at_1024x700_text_is_at_least_11_px_and_headers_have_room_for_their_marks():
    from reddoor.game.render.text import line_height
    from reddoor.game.scenes.play.layout import MIN_FONT, compute_layout

    layout = compute_layout((1024, 700), 6, (25, 25))
    assert layout.small >= MIN_FONT >= 11
    for p in layout.panels:
        assert p.board.top - p.rect.top >= layout.lh + 2 * line_height(layout.small)  # name, last, marks


def test_marks_shorten_but_never_vanish_and_verdicts_shorten_rather_than_clip():
    from reddoor.game.core.objectives import O_ALT, O_BASE
    from reddoor.game.core.world import Outcome
    from reddoor.game.render.text import text_width
    from reddoor.game.scenes.play.panels import first_fitting, mark_parts, verdicts

    last = Outcome(reached=(DOOR, BLUE, (5, 3)), steps=9, shortest=9, terminated=True, truncated=False)
    for width in (400, 120, 60, 30):
        parts = mark_parts((O_BASE, O_ALT), last, 12, width)
        assert len(parts) == 2 and parts[0].endswith("✓") and parts[1].endswith("✗")
    assert mark_parts((O_BASE, O_ALT), last, 12, 400) == ["O_base ✓", "O_alt ✗"]
    narrow = text_width("blue door", 13) + 2
    assert first_fitting(verdicts(last), 13, narrow) == "blue door"  # not "reached bl…"


def test_object_letters_show_on_a_25x25_map_at_small_tiles():
    from reddoor.game.render.board import BoardRenderer
    from reddoor.game.render.palette import NORMAL

    maze = resolve_level("maze-25")
    r, c = next((r, c) for r, c, k, col in maze.objects() if col == RED)
    tile = 8
    board = pygame.surfarray.array3d(BoardRenderer().board(maze, tile, NORMAL))  # (x, y, rgb)
    cx, cy = c * tile + tile // 2, r * tile + tile // 2
    around = board[cx - 7 : cx + 7, cy - 7 : cy + 7]
    ink = np.all(around >= 235, axis=2).sum()  # the white letter on the red badge
    assert ink >= 10


# -- (f) the colour-blind palette: agent accents apart from its red ------------------------------------
_CVD = {  # Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB
    "normal": np.eye(3),
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _seen_as(rgb, vision):
    v = np.asarray(rgb, float) / 255
    linear = np.clip(np.asarray(_CVD[vision]) @ np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4), 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])  # CIELAB


def _delta_e(a, b, vision):
    return float(np.linalg.norm(_seen_as(a, vision) - _seen_as(b, vision)))


def test_no_agent_accent_in_the_colour_blind_palette_reads_as_its_red():
    red = COLORBLIND.object_rgb(RED)
    orange = (255, 160, 40)  # the accent that read as red before
    assert orange in AGENT_ACCENTS and min(_delta_e(orange, red, v) for v in _CVD) < 25
    for accent in COLORBLIND.agents:
        for vision in _CVD:
            assert _delta_e(accent, red, vision) >= 30, (accent, vision)


# -- (g) one text path that never raises ---------------------------------------------------------------
NASTY = [
    "a\x00b",
    "\x00",
    "\ud800 lone surrogate",
    "x\udfff",
    "\u200b",
    "\u200b\u200d\u2060",
    "\ufe0f",
    "a\ufe0f",
    "\U0001f600",
    "tab\there\nline",
    "",
    " ",
    "e\u0301",
    "\u202eright to left",
    "a" * 2000,
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_any_string_draws_measures_wraps_and_elides(display, text):
    from reddoor.game.render.text import draw_text, elide, text_width, wrap

    draw_text(display, text, (10, 10), 14, (255, 255, 255))
    draw_text(display, text, (600, 300), 14, (255, 255, 255), anchor="center", bold=True, max_width=80)
    assert text_width(text, 14) >= 0
    assert isinstance(wrap(text, 14, 60), list) and isinstance(elide(text, 14, 60), str)


def test_strange_text_typed_into_the_editor_never_crashes_it(display, tmp_path):
    from reddoor.game.scenes.editor import EditorScene

    scene = EditorScene(Level.empty(7, 7, name="room"), None, recovery=Recovery(tmp_path / "autosave"))
    scene.resize((1200, 720))
    key = lambda k, mod=0, uni="": scene.handle_event(
        pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0)
    )
    key(pygame.K_n, uni="n")  # rename
    key(pygame.K_u, CTRL)  # clear the field
    scene.handle_event(pygame.event.Event(pygame.TEXTINPUT, text="\ufe0f\u200b"))  # nothing visible: not taken
    assert scene.modal.text == ""
    for text in NASTY[:10]:
        scene.handle_event(pygame.event.Event(pygame.TEXTINPUT, text=text))
        scene.draw(display)
    key(pygame.K_RETURN)
    scene.draw(display)
    assert "\x00" not in scene.level.name and "\u200b" not in scene.level.name
    key(pygame.K_s, CTRL | pygame.KMOD_LSHIFT)  # save as: a name of only invisible characters is refused
    key(pygame.K_u, CTRL)
    scene.handle_event(pygame.event.Event(pygame.TEXTINPUT, text="\u00a0"))
    key(pygame.K_RETURN)
    scene.draw(display)
    assert scene.modal is not None and scene.modal.error == "a name cannot be empty"


# -- the editor's table of tools: a ninth tool takes its own row -----------------------------------------
def test_a_ninth_tool_gets_its_own_button_and_no_buttons_overlap():
    from reddoor.game.render.palette import NORMAL
    from reddoor.game.scenes.editor.toolbar import layout_editor
    from reddoor.game.scenes.editor.tools import TOOL_TABLE, Tool
    from reddoor.game.scenes.keymap import Key

    nine = TOOL_TABLE + (Tool("lava", Key(pygame.K_j), "lava tool"),)
    for tools in (TOOL_TABLE, nine):
        for size in ((1280, 760), (1024, 700)):
            rects = [b.rect for b in layout_editor(size, (9, 11), NORMAL.objects, tools=tools).buttons]
            assert all(not a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    commands = [b.command for b in layout_editor((1280, 760), (9, 11), NORMAL.objects, tools=nine).buttons]
    assert "tool:lava" in commands


def test_every_scene_module_stays_under_400_lines():
    scenes = Path(__file__).resolve().parents[1] / "game" / "scenes"
    sizes = {str(p.relative_to(scenes)): len(p.read_text().splitlines()) for p in scenes.rglob("*.py")}
    assert max(sizes.values()) <= 400, sizes


def test_a_heat_map_comes_with_its_numbers_on_the_objects():
    from reddoor.game.scenes.play.sidebar import object_values

    lv = level()
    heat = np.zeros(lv.kind.shape)
    heat[5, 3], heat[1, 3], heat[3, 0] = 0.9, 0.25, -1.5  # the blue door, the red ball, the green key
    assert object_values(lv, heat) == "on the objects: blue door 0.9, red ball 0.25, green key -1.5"


def test_the_play_views_first_frame_loads_no_editor_module():
    """The registry imports a scene when it is first opened: `python main.py` draws its first frame
    without the editor's modules; the scene names the registry opens agree with the classes'."""
    import subprocess
    import sys

    from reddoor.game.app import SCENES
    from reddoor.game.scenes.editor import EditorScene
    from reddoor.game.scenes.play import PlayScene

    assert {PlayScene.registry_name: PlayScene, EditorScene.registry_name: EditorScene}.keys() == SCENES.keys()
    code = (
        "import os, runpy, sys; os.environ.update(SDL_VIDEODRIVER='dummy', SDL_AUDIODRIVER='dummy', "
        "REDDOOR_FIRST_FRAME_EXIT='1'); sys.argv = ['main.py']\n"
        "try: runpy.run_path('main.py', run_name='__main__')\nexcept SystemExit: pass\n"
        "print('editor', sorted(m for m in sys.modules if m.startswith('reddoor.game.scenes.editor')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert "first-frame" in out and "editor []" in out, out  # Ctrl+E still opens it: tests/test_editor.py


@pytest.mark.parametrize("scene", ["play", "editor"])
def test_the_help_shows_each_group_of_keys_once(scene):
    import itertools

    from reddoor.game.scenes.editor import EDITOR_BINDINGS
    from reddoor.game.scenes.keymap import BINDINGS

    groups = [g for g, _ in itertools.groupby(b.group for b in (BINDINGS if scene == "play" else EDITOR_BINDINGS))]
    assert len(groups) == len(set(groups)), groups
