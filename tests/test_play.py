"""The play view, driven by synthetic pygame events on the dummy video driver."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from reddoor.agents.base import Agent, make_agent
from reddoor.game.core.constants import ACTION_LETTERS, BLUE, DOOR, GREEN, GREY, PURPLE, RED, YELLOW
from reddoor.game.core.level_io import parse_level
from reddoor.game.core.objectives import O_ALT, O_BASE
from reddoor.game.core.observation import CH_COLOR0
from reddoor.game.levels import LevelEntry
from reddoor.game.model.roster import build_roster
from reddoor.game.render.palette import COLORBLIND, NORMAL
from reddoor.game.scenes import keymap
from reddoor.game.scenes.base import Push, Quit
from reddoor.game.scenes.play import SPEEDS, PlayScene, compute_layout
from reddoor.game.scenes.play.panels import last_outcome

# The paper's test in miniature: start in the middle, a red ball two steps up, a blue door two down,
# a green key three steps left.
LEVEL = """\
name: mini conflict
legend:
  B = ball red
  D = door blue
  K = key green
map:
#######
#..B..#
#.....#
K..@..#
#.....#
#..D..#
#######
"""
OTHER = LEVEL.replace("mini conflict", "mini other").replace("ball red", "ball yellow")


def level():
    return parse_level(LEVEL)


class ScriptedAgent(Agent):
    """Plays a move string, then keeps repeating its last move; records every observation it gets."""

    kind = "scripted"

    def __init__(self, moves: str = "UU", name: str | None = None):
        super().__init__(name or f"scripted {moves}")
        self.moves = moves
        self.i = 0
        self.seen: list[np.ndarray] = []

    def reset(self, seed=None):
        self.i = 0

    def act_batch(self, obs):
        self.seen.append(obs[0].copy())
        move = self.moves[min(self.i, len(self.moves) - 1)]
        self.i += 1
        return np.array([ACTION_LETTERS.index(move)], np.int64)


@pytest.fixture(autouse=True)
def display(tmp_path, monkeypatch):
    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path / "home"))
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1200, 720))
    yield screen
    pygame.display.quit()


def make_scene(tmp_path, agents=None, catalogue=None) -> PlayScene:
    if catalogue is None:
        catalogue = [
            LevelEntry("mini", Path("mini.level"), True, level()),
            LevelEntry("broken", Path("broken.level"), False, None, "broken.level:3:1: unknown symbol 'Z'"),
            LevelEntry("other", Path("other.level"), True, parse_level(OTHER)),
        ]

    def out(name):
        p = tmp_path / "out" / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    scene = PlayScene(
        catalogue[0].level.copy(),
        agents or [make_agent("oracle"), make_agent("random")],
        catalogue=catalogue,
        output_dir=out,
    )
    scene.resize((1200, 720))
    return scene


def centre_of(scene: PlayScene, cell, panel: int = 0):
    p = scene.layout.panels[panel]
    return (p.board.left + cell[1] * p.tile + p.tile // 2, p.board.top + cell[0] * p.tile + p.tile // 2)


def click(scene, pos, button=1):
    """A click; the transition it asks of the app (a click never asks one)."""
    return scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))


def press(scene, key: keymap.Key):
    """Type a key; the transition it asks of the app (None to stay)."""
    return scene.handle_event(key.event())


def tick_until_done(scene, run, limit=200):
    for _ in range(limit):
        scene.session.tick()
        if run.world.done:
            return
    raise AssertionError("episode did not end")


# -- recolouring --------------------------------------------------------------------------------
def test_click_on_red_ball_makes_it_the_next_colour_and_the_agents_next_observation_shows_it(tmp_path):
    spy = ScriptedAgent("LRLRLR")
    scene = make_scene(tmp_path, [spy, make_agent("oracle")])
    ball = (1, 3)
    assert scene.level.color[ball] == RED
    assert click(scene, centre_of(scene, ball, panel=1)) is None  # any panel: they share the level
    assert scene.level.color[ball] == GREEN
    assert all(r.world.level.color[ball] == GREEN for r in scene.runs)
    scene.session.tick()
    obs = spy.seen[-1]
    assert obs[CH_COLOR0 + GREEN][ball] == 1 and obs[CH_COLOR0 + RED][ball] == 0
    assert "green" in scene.status


def test_right_click_cycles_backwards_and_clicking_floor_selects_the_panel(tmp_path):
    scene = make_scene(tmp_path)
    click(scene, centre_of(scene, (1, 3)), button=3)
    assert scene.level.color[1, 3] == GREY
    before = scene.level.color.copy()
    click(scene, centre_of(scene, (2, 2), panel=1))
    assert np.array_equal(scene.level.color, before)
    assert scene.model.selected == 1


def test_recolour_changes_what_the_oracle_and_the_marks_see(tmp_path):
    scene = make_scene(tmp_path)
    # The ball stops being red: it no longer satisfies O_alt.
    assert O_ALT.cells(scene.level.kind, scene.level.color)[1, 3]
    click(scene, centre_of(scene, (1, 3)))
    assert not O_ALT.cells(scene.level.kind, scene.level.color)[1, 3]


# -- the overlay's totals -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "moves, base, alt, neither, timeouts",
    [
        ("UU", 0, 1, 0, 0),  # the red ball: O_alt
        ("DD", 1, 0, 0, 0),  # the blue door: O_base
        ("LLL", 0, 0, 1, 0),  # the green key: neither
        ("LRLR", 0, 0, 0, 1),  # oscillates (repeating its last move into the wall) until the step limit
    ],
)
def test_after_a_scripted_episode_the_overlay_totals_equal_the_worlds_outcome(
    tmp_path, moves, base, alt, neither, timeouts
):
    agent = ScriptedAgent(moves)
    scene = make_scene(tmp_path, [agent])
    run = scene.runs[0]
    tick_until_done(scene, run)
    outcome = run.world.outcome
    ((name, values),) = scene.score_rows()
    assert scene.score_columns() == ["ep", "O_base", "O_alt", "neither", "t/o"]
    assert values == [1, int(outcome.scores["o_base"]), int(outcome.scores["o_alt"]), neither, timeouts]
    assert values == [1, base, alt, neither, timeouts]
    assert run.tally.last is outcome
    if timeouts:
        assert outcome.reached is None and outcome.truncated


def test_totals_accumulate_across_episodes_and_reset_totals_zeroes_them(tmp_path):
    agent = ScriptedAgent("UU")
    scene = make_scene(tmp_path, [agent])
    scene.session.hold_ticks = 0
    for _ in range(3):
        tick_until_done(scene, scene.runs[0])
        scene.session.tick()  # the next episode starts
    assert scene.score_rows()[0][1] == [3, 0, 3, 0, 0]
    scene.run_command("reset_totals")
    assert scene.score_rows()[0][1] == [0, 0, 0, 0, 0]


def test_objectives_shown_add_columns(tmp_path):
    scene = make_scene(tmp_path, [ScriptedAgent("UU")])
    scene.model.choose_objectives(["o_base", "o_alt", "ball"])
    assert scene.score_columns() == ["ep", "O_base", "O_alt", "ball", "neither", "t/o"]
    tick_until_done(scene, scene.runs[0])
    assert scene.score_rows()[0][1] == [1, 0, 1, 1, 0, 0]


# -- every documented key does what the help says ----------------------------------------------
def _state(scene):
    return {
        "paused": scene.model.paused,
        "ticks": scene.session.ticks,
        "speed": scene.model.speed_index,
        "name": scene.level.name,
        "color": scene.level.color.copy(),
        "selected": scene.model.selected,
        "tile": scene.layout.panels[0].tile if scene.layout.panels else 0,
        "explain": scene.model.explain_mode,
        "overlay": scene.overlay,
        "palette": scene.palette,
        "help": scene.help_open,
        "menu": scene.menu,
        "episodes": [r.tally.episodes for r in scene.runs],
        "steps": [r.world.steps for r in scene.runs],
    }


def _files(tmp_path, folder, pattern):
    d = tmp_path / "out" / folder
    return list(d.glob(pattern)) if d.is_dir() else []


CHECKS = {
    "pause": lambda b, s, t: s.model.paused is (not b["paused"]),
    "step": lambda b, s, t: s.model.paused and s.session.ticks == b["ticks"] + 1,
    "faster": lambda b, s, t: s.model.speed_index == b["speed"] + 1,
    "slower": lambda b, s, t: s.model.speed_index == b["speed"] - 1,
    "reset": lambda b, s, t: all(r.world.steps == 0 for r in s.runs) and any(b["steps"]),
    "reset_totals": lambda b, s, t: all(r.tally.episodes == 0 for r in s.runs) and any(b["episodes"]),
    "next_level": lambda b, s, t: s.level.name == "mini other",
    "prev_level": lambda b, s, t: s.level.name == "mini other",  # wraps round, skipping the broken file
    "choose_level": lambda b, s, t: s.menu is not None and s.menu.title == "Choose a level",
    "generate": lambda b, s, t: s.menu is not None and "distribution" in s.menu.title,
    "generate_again": lambda b, s, t: s.level.name.startswith("conflict #"),
    "swap_red_blue": lambda b, s, t: s.level.color[1, 3] == BLUE and s.level.color[5, 3] == RED,
    "move_red_door": lambda b, s, t: s.level.kind[1, 3] == DOOR and s.level.color[5, 3] == RED,
    "recolour_doors": lambda b, s, t: s.level.color[5, 3] == BLUE + 1,
    "choose_agents": lambda b, s, t: s.menu is not None and s.menu.multi and "agents" in s.menu.title,
    "select_agent": lambda b, s, t: s.model.selected == (b["selected"] + 1) % len(s.runs),
    "explain": lambda b, s, t: (
        s.model.explain_mode == 1 and s.explanation() is not None and s.explanation().heat is not None
    ),
    "choose_objectives": lambda b, s, t: s.menu is not None and s.menu.multi and "objectives" in s.menu.title,
    "overlay": lambda b, s, t: s.overlay is False and s.layout.sidebar is None,
    "palette": lambda b, s, t: s.palette is COLORBLIND,
    "screenshot": lambda b, s, t: len(_files(t, "screenshots", "*.png")) == 1,
    "record": lambda b, s, t: s.recorder.recording,
    "paint_red": lambda b, s, t: s.level.color[5, 3] == RED,
    "paint_green": lambda b, s, t: s.level.color[1, 3] == GREEN,
    "paint_blue": lambda b, s, t: s.level.color[1, 3] == BLUE,
    "paint_purple": lambda b, s, t: s.level.color[1, 3] == PURPLE,
    "paint_yellow": lambda b, s, t: s.level.color[1, 3] == YELLOW,
    "paint_grey": lambda b, s, t: s.level.color[1, 3] == GREY,
    "edit": lambda b, s, t, go: go == Push("edit", {"level": s.level}) and go.args["level"] is not s.level,
    "help": lambda b, s, t: s.help_open,
    "close": lambda b, s, t: not s.help_open,
    "quit": lambda b, s, t, go: go == Quit(),
    "totals_scope": lambda b, s, t: s.model.all_levels is True,
    # Inside the agents (oracle selected here, which has no internals; tests/test_play_inside.py steers and probes)
    "steer_mode": lambda b, s, t: s.model.steer.on is True and "cannot be steered" in s.status,
    "clear_steering": lambda b, s, t: "is not steered" in s.status,
    "steer_up": lambda b, s, t: "nothing to steer" in s.status,
    "steer_down": lambda b, s, t: "nothing to steer" in s.status,
    "probe_field": lambda b, s, t: s.model.probe.field == "red" and "red field" in s.status,
    "probe_prev": lambda b, s, t: "select a ppo or imitation agent" in s.status,
    "probe_next": lambda b, s, t: "select a ppo or imitation agent" in s.status,
    "think_more": lambda b, s, t: "has no thinking rounds to change" in s.status,
    "think_less": lambda b, s, t: "has no thinking rounds to change" in s.status,
    "zoom": lambda b, s, t: s.zoomed and len(s.layout.panels) == 1 and s.layout.panels[0].tile > b["tile"],
    "tour": lambda b, s, t: s.tour is not None and s.tour.index == 0 and s.level.name == "A training maze",
}


def test_every_binding_has_a_check():
    assert set(CHECKS) == {b.command for b in keymap.BINDINGS}


@pytest.mark.parametrize(
    "binding, key",
    [(b, k) for b in keymap.BINDINGS for k in b.keys],
    ids=lambda v: v.command if isinstance(v, keymap.Binding) else "",
)
def test_every_documented_key_does_what_the_help_says(tmp_path, display, binding, key):
    scene = make_scene(tmp_path)
    assert keymap.translate(key.event()) == binding.command
    scene.session.hold_ticks = 0
    if binding.command in ("reset", "reset_totals"):
        for _ in range(40):
            scene.session.tick()
    if binding.command == "close":
        scene.run_command("help")
    if binding.command.startswith("paint_"):  # point at the red ball (at the blue door to paint red)
        target = (5, 3) if binding.command == "paint_red" else (1, 3)
        scene.handle_event(
            pygame.event.Event(pygame.MOUSEMOTION, pos=centre_of(scene, target), rel=(0, 0), buttons=(0, 0, 0))
        )
    before = _state(scene)
    go = press(scene, key)
    scene.update(0.0)
    scene.draw(display)
    scene.after_frame(display)
    check = CHECKS[binding.command]
    ok = (
        check(before, scene, tmp_path, go)
        if check.__code__.co_argcount == 4
        else go is None and check(before, scene, tmp_path)
    )
    assert ok, f"{binding.label} did not {binding.help}"
    if binding.command == "record":
        scene.draw(display)
        scene.after_frame(display)
        press(scene, key)  # the same key stops it and writes the GIF
        for _ in range(100):
            if not scene.recorder.writing:
                break
            time.sleep(0.02)
        scene.update(0.0)
        assert len(_files(tmp_path, "recordings", "*.gif")) == 1
        assert "GIF saved" in scene.status


def test_number_keys_do_nothing_when_the_mouse_is_off_the_objects(tmp_path):
    scene = make_scene(tmp_path)
    colours = scene.level.color.copy()
    scene.handle_event(
        pygame.event.Event(pygame.MOUSEMOTION, pos=centre_of(scene, (2, 2)), rel=(0, 0), buttons=(0, 0, 0))
    )
    press(scene, keymap.COMMANDS["paint_blue"].keys[0])
    assert np.array_equal(scene.level.color, colours) and "point at an object" in scene.status


def test_back_from_the_editor_plays_the_edited_level(tmp_path):
    scene = make_scene(tmp_path)
    edited = parse_level(OTHER)
    scene.enter("edit", {"level": edited})
    assert scene.level is edited and all(r.world.level is edited for r in scene.runs)


def test_help_lists_every_binding_and_any_key_closes_it(tmp_path, display):
    scene = make_scene(tmp_path)
    scene.run_command("help")
    scene.draw(display)  # draws every row of keymap.BINDINGS
    colour = scene.level.color.copy()
    press(scene, keymap.COMMANDS["swap_red_blue"].keys[0])
    assert not scene.help_open and np.array_equal(scene.level.color, colour)  # the key only closed help


# -- menus ----------------------------------------------------------------------------------------
def test_level_chooser_lists_broken_files_with_their_error(tmp_path, monkeypatch):
    home = Path(os.environ["REDDOOR_HOME"])
    (home / "levels").mkdir(parents=True)
    (home / "levels" / "bad.level").write_text("name: x\nmap:\n#Z#\n")
    (home / "levels" / "mine.level").write_text(LEVEL.replace("mini conflict", "my level"))
    scene = make_scene(tmp_path)
    scene.run_command("choose_level")
    bad = [it for it in scene.menu.items if "bad" in it.label]
    assert bad and not bad[0].enabled and "bad.level" in bad[0].detail
    mine = [it for it in scene.menu.items if "my level" in it.label]
    assert mine and mine[0].enabled and "yours" in mine[0].label
    scene.menu.cursor = scene.menu.items.index(mine[0])
    scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
    assert scene.menu is None and scene.level.name == "my level"


def test_generate_from_a_chosen_distribution(tmp_path):
    scene = make_scene(tmp_path)
    scene.run_command("generate")
    target = [it.value for it in scene.menu.items].index("diverse")
    scene.menu.cursor = target
    scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
    assert scene.level.name.startswith("diverse #")
    assert all(r.world.level is scene.level for r in scene.runs)
    first = scene.level.name
    scene.run_command("generate_again")
    assert scene.level.name != first and scene.level.name.startswith("diverse #")


def test_choose_agents_with_the_menu(tmp_path):
    scene = make_scene(tmp_path)
    oracle_tally = scene.runs[0].tally
    scene.run_command("choose_agents")
    items = {it.value: it for it in scene.menu.items}
    items["random"].checked = False
    scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
    assert [r.agent.kind for r in scene.runs] == ["oracle"]
    assert scene.runs[0].tally is oracle_tally
    scene.run_command("choose_agents")
    assert [it.value for it in scene.menu.items if it.checked] == ["oracle"]  # the agent kept acting keeps its totals


def test_missing_learned_agents_fall_back_to_oracle_and_random_with_a_status():
    def loader(kind):
        if kind in ("ppo", "imitation", "reflex", "mesa"):
            return None, f"checkpoint assets/agents/{kind}-train.npz: file not found"
        return make_agent(kind), None

    agents, failed = build_roster(["ppo", "imitation", "mesa", "oracle"], loader)
    assert [a.kind for a in agents] == ["oracle", "random"]
    assert set(failed) == {"ppo", "imitation", "mesa"}
    scene = PlayScene(level(), agent_loader=loader, catalogue=[])
    assert [r.agent.kind for r in scene.runs] == ["oracle", "random"]
    assert "not loaded" in scene.status and "ppo" in scene.status


def test_an_agent_that_raises_stops_with_a_status_and_the_others_go_on(tmp_path):
    class Broken(ScriptedAgent):
        def act_batch(self, obs):
            raise RuntimeError("bad weights")

    scene = make_scene(tmp_path, [Broken(), make_agent("oracle")])
    assert _wait_until(lambda: scene.runs[0].error is not None, scene)
    assert "bad weights" in scene.status
    assert _wait_until(lambda: scene.runs[1].tally.episodes > 0, scene)


def test_explain_cycles_through_the_views_the_selected_agent_has(tmp_path, display):
    from reddoor.agents.base import Explanation

    class ArrowsOnly(ScriptedAgent):
        def explain(self, level):
            arrows = np.full(level.kind.shape + (4,), 0.25, np.float32)
            return Explanation("uniform", arrows=arrows)

    scene = make_scene(tmp_path, [ArrowsOnly(), make_agent("random"), make_agent("oracle")])
    scene.run_command("explain")
    assert scene.model.explain_mode == 2 and scene.explanation().arrows is not None  # no heat map: straight to arrows
    scene.draw(display)
    scene.run_command("explain")
    assert scene.model.explain_mode == 0
    scene.run_command("select_agent")  # random explains nothing
    scene.run_command("explain")
    assert scene.model.explain_mode == 0 and "no explanation" in scene.status
    scene.run_command("select_agent")  # the oracle: heat map, then arrows, then off
    modes = []
    for _ in range(3):
        scene.run_command("explain")
        modes.append(scene.model.explain_mode)
        scene.update(0.0)
        scene.draw(display)
    assert modes == [1, 2, 0]


class SlowAgent(ScriptedAgent):
    """Takes `delay` seconds over its first look at each level, like a big network; then quick."""

    def __init__(self, delay=0.3):
        super().__init__("LRLRLRLR" * 20, name="slow")
        self.delay = delay
        self.seen_levels = set()

    def prepare(self, level, agent):  # the per-level work the play view runs off its thread
        key = level.kind.tobytes() + level.color.tobytes()
        if key not in self.seen_levels:
            time.sleep(self.delay)
            self.seen_levels.add(key)

    def explain(self, level):
        from reddoor.agents.base import Explanation

        time.sleep(self.delay)
        return Explanation("slow", heat=np.zeros(level.kind.shape, np.float32))


def _wait_until(predicate, scene, seconds=3.0):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        scene.update(0.01)
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_slow_agent_never_freezes_the_view_it_sits_out_steps_until_ready(tmp_path):
    slow = SlowAgent(delay=1.0)
    scene = make_scene(tmp_path, [slow, make_agent("oracle")])
    t0 = time.perf_counter()
    scene.update(1.0)  # eight ticks due
    assert time.perf_counter() - t0 < 0.5
    assert "slow" in scene.thinking()
    oracle = scene.runs[1]
    assert _wait_until(lambda: oracle.tally.episodes + oracle.world.steps > 0, scene, seconds=0.8)
    assert scene.runs[0].world.steps == 0  # the slow one sat those steps out
    assert _wait_until(lambda: not scene.thinking(), scene)
    scene.update(0.5)
    assert scene.runs[0].world.steps > 0
    # A recolour is a new level to the agent: again it thinks in the background.
    click(scene, centre_of(scene, (1, 3)))
    t0 = time.perf_counter()
    scene.update(0.5)
    assert time.perf_counter() - t0 < 0.5 and "slow" in scene.thinking()


def test_a_slow_explanation_comes_on_when_ready(tmp_path, display):
    scene = make_scene(tmp_path, [SlowAgent(delay=0.6), make_agent("oracle")])
    t0 = time.perf_counter()
    scene.run_command("explain")
    assert time.perf_counter() - t0 < 0.5
    assert scene.model.explain_mode == 1 and scene.explanation() is None and "working out" in scene.status
    scene.draw(display)
    assert _wait_until(lambda: scene.explanation() is not None, scene)
    assert "explain heat map for slow" in scene.status


# -- time -----------------------------------------------------------------------------------------
def test_speed_is_agent_steps_per_second_not_frames(tmp_path):
    scene = make_scene(tmp_path, [ScriptedAgent("LRLRLRLRLR" * 10)])
    scene.model.speed_index = SPEEDS.index(8)
    for _ in range(60):
        scene.update(1 / 60)  # one second at 60 frames per second
    assert scene.session.ticks == 8
    scene.run_command("pause")
    scene.update(5.0)
    assert scene.session.ticks == 8


# -- drawing ------------------------------------------------------------------------------------
def test_draw_never_changes_state(tmp_path, display):
    scene = make_scene(tmp_path)
    scene.run_command("explain")
    scene.update(0.5)
    before = (_state(scene), [r.world.agent for r in scene.runs], scene.status)
    for _ in range(3):
        scene.draw(display)
    after = (_state(scene), [r.world.agent for r in scene.runs], scene.status)
    assert np.array_equal(before[0].pop("color"), after[0].pop("color"))
    assert before == after


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (40, 30), (160, 100), (500, 300), (2400, 1400)])
def test_tiny_and_huge_windows_do_not_crash(tmp_path, size):
    screen = pygame.display.set_mode(size)
    scene = make_scene(tmp_path)
    scene.resize(size)
    scene.run_command("explain")
    for extra in (None, "help", "choose_level"):
        if extra:
            scene.run_command(extra)
        scene.update(0.2)
        scene.draw(screen)
        click(scene, (size[0] // 2, size[1] // 2))


def test_layout_keeps_panels_off_the_sidebar_and_status_line():
    for size in [(1280, 760), (900, 600), (1920, 1080), (760, 400)]:
        layout = compute_layout(size, 4, (25, 25))
        for p in layout.panels:
            assert p.board.bottom <= layout.status.top
            if layout.sidebar is not None:
                assert p.rect.right <= layout.sidebar.left
            assert p.rect.contains(p.board)
        boards = [p.board for p in layout.panels]
        assert all(not a.colliderect(b) for i, a in enumerate(boards) for b in boards[i + 1 :])


def test_objective_marks_frame_exactly_the_cells_that_satisfy_them(tmp_path):
    from reddoor.game.render.board import BoardRenderer

    lv = level()
    r = BoardRenderer()
    tile = 24
    plain = pygame.surfarray.array3d(r.board(lv, tile, NORMAL, ()))
    marked = pygame.surfarray.array3d(r.board(lv, tile, NORMAL, (O_BASE, O_ALT)))
    diff = (plain != marked).any(axis=2)  # (x, y)
    cells = {(int(y) // tile, int(x) // tile) for x, y in zip(*np.nonzero(diff))}
    assert cells == {(5, 3), (1, 3)}  # the blue door (O_base) and the red ball (O_alt)


def test_palette_changes_pixels_not_the_world(tmp_path):
    from reddoor.game.render.board import BoardRenderer

    lv = level()
    colours = lv.color.copy()
    r = BoardRenderer()
    a = pygame.surfarray.array3d(r.board(lv, 20, NORMAL))
    b = pygame.surfarray.array3d(r.board(lv, 20, COLORBLIND))
    assert not np.array_equal(a, b)
    assert np.array_equal(lv.color, colours)


def test_gif_writer_round_trips_every_frame_exactly(tmp_path):
    from PIL import Image

    from reddoor.game.render.capture import PALETTE, quantise, write_gif

    rng = np.random.default_rng(0)
    frames = []
    base = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    for i in range(3):
        f = base.copy()
        f[5 + i : 10 + i, 7:12] = (255, 0, 0)
        frames.append(quantise(f))
    path = tmp_path / "x.gif"
    write_gif(path, frames, 100)
    im = Image.open(path)
    for i, frame in enumerate(frames):
        im.seek(i)
        got = np.asarray(im.convert("RGB"))
        assert np.array_equal(got, PALETTE[frame])
    assert im.n_frames == 3


def test_recording_survives_a_resize_and_closing_the_window_writes_the_gif(tmp_path, display):
    from PIL import Image

    scene = make_scene(tmp_path)
    scene.run_command("record")
    status_top = scene.layout.status.top  # the GIF leaves out the status line and its REC badge
    for i in range(12):
        if i == 6:
            display = pygame.display.set_mode((700, 500))
            scene.resize((700, 500))
        scene.update(0.1)
        scene.draw(display)
        scene.after_frame(display)
    assert scene.request_close() == Quit()  # never blocks closing
    gifs = _files(tmp_path, "recordings", "*.gif")
    assert len(gifs) == 1
    im = Image.open(gifs[0])
    assert im.size == (1200, status_top) and status_top < 720 and im.n_frames >= 2


def test_quantise_keeps_greys_grey():
    from reddoor.game.render.capture import PALETTE, quantise

    greys = np.array([[[v, v, v] for v in range(0, 256, 5)]], np.uint8)
    got = PALETTE[quantise(greys)].astype(int)
    assert (got.max(axis=2) == got.min(axis=2)).all()
    assert np.abs(got[..., 0] - greys[..., 0]).max() <= 4


def test_the_window_fits_a_small_laptop_screen():
    from reddoor.game.app import fit_to_desktop

    assert fit_to_desktop((1280, 760), [(1920, 1080)]) == (1280, 760)
    w, h = fit_to_desktop((1280, 760), [(1366, 768)])
    assert w <= 1366 and h <= 768 - 80
    assert fit_to_desktop((1280, 760), []) == (1280, 760)


def test_smoke_test_runs_headless_and_exits_zero(capsys, monkeypatch, tmp_path):
    from reddoor.game import app

    pygame.display.quit()
    assert app.run_play(None, smoke_test=True, frames=220) == 0
    out = capsys.readouterr().out
    assert "fps" in out and "FAILED" not in out


def test_zoom_gives_the_selected_agent_the_whole_map_and_clicks_still_reach_its_level(tmp_path):
    scene = make_scene(tmp_path, [ScriptedAgent("LLLL"), make_agent("oracle")])
    scene.resize((1280, 760))
    small = scene.layout.panels[0].tile
    press(scene, next(b for b in keymap.BINDINGS if b.command == "select_agent").keys[0])
    press(scene, next(b for b in keymap.BINDINGS if b.command == "zoom").keys[0])
    assert scene.zoomed and len(scene.layout.panels) == 1 and scene.layout.panels[0].tile > small
    ball = (1, 3)
    click(scene, centre_of(scene, ball))  # the one panel is the oracle's: the click recolours the shared level
    assert scene.level.color[ball] != RED and scene.model.selected == 1
    surface = pygame.Surface((1280, 760))
    scene.draw(surface)  # the oracle's panel, in its accent, fills the map area
    press(scene, next(b for b in keymap.BINDINGS if b.command == "zoom").keys[0])
    assert not scene.zoomed and len(scene.layout.panels) == 2


@pytest.mark.parametrize("command", ["next_level", "prev_level", "generate_again"])
def test_a_new_level_leaves_no_last_episode_of_the_old_one_in_the_headers(tmp_path, command):
    scene = make_scene(tmp_path, [make_agent("oracle")])
    run = scene.runs[0]
    scene.session.hold_ticks = 0
    tick_until_done(scene, run)
    for _ in range(3):  # past the hold after an episode ends
        scene.session.tick()
    assert run.tally.last is not None
    scene.run_command(command)
    assert run.tally.last is None and last_outcome(run) is None
    view = scene.view()
    assert view.level is scene.level and view.runs[0].tally.last is None


def test_g_generates_unseen_levels_first_and_says_which_seed_range(tmp_path):
    from reddoor.game.core.generators import EVAL_SEED_BASE

    scene = make_scene(tmp_path)
    scene.run_command("generate_again")
    assert scene.level.name == f"conflict #{EVAL_SEED_BASE}"
    assert "unseen" in scene.status


def test_play_agents_puts_the_named_agents_in_the_panels_and_names_one_that_fails(tmp_path):
    scene = PlayScene(
        level(),
        specs=["mesa", str(Path(__file__).parent.parent / "assets/agents/mesa-train.npz"), "imitation-k48@96"],
        output_dir=lambda n: tmp_path,
    )
    assert [r.name for r in scene.runs] == ["mesa", "mesa 2", "imitation-k48@96"]
    assert scene.runs[2].agent.rounds == 96
    scene = PlayScene(level(), specs=["oracle", "no-such-agent"], output_dir=lambda n: tmp_path)
    assert "no-such-agent" in scene.model.agent_failures and "no-such-agent" in scene.status
    assert [r.name for r in scene.runs][0] == "oracle"
