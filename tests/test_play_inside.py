"""The play view's look inside the agents (game/model/steering.py, game/scenes/play/inside.py): the probe
view, the steer tool and mesa's scores, driven headless with posted key and mouse events."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import subprocess
import sys
import time

import numpy as np
import pygame
import pytest

from reddoor.agents.probing import decode_fields, probes_for
from reddoor.game.core.generators import generate
from reddoor.game.model.roster import load_agent
from reddoor.game.scenes import keymap
from reddoor.game.scenes.play import PlayScene

SIZE = (1280, 760)


@pytest.fixture(autouse=True)
def display(tmp_path, monkeypatch):
    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path / "home"))
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(SIZE)
    yield screen
    pygame.display.quit()


def agent(spec):
    a, why = load_agent(spec)
    assert a is not None, why
    return a


def make_scene(tmp_path, level, agents) -> PlayScene:
    def out(name):
        p = tmp_path / "out" / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    scene = PlayScene(level, agents, catalogue=[], output_dir=out)
    scene.resize(SIZE)
    scene.session.hold_ticks = 0
    return scene


def press(scene, command, which=0):
    return scene.handle_event(keymap.COMMANDS[command].keys[which].event())


def centre_of(scene, cell, panel=0):
    p = scene.layout.panels[panel]
    return (p.board.left + cell[1] * p.tile + p.tile // 2, p.board.top + cell[0] * p.tile + p.tile // 2)


def click(scene, cell, panel=0, button=1):
    scene.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=centre_of(scene, cell, panel), button=button))


def point(scene, cell, panel=0):
    scene.handle_event(
        pygame.event.Event(pygame.MOUSEMOTION, pos=centre_of(scene, cell, panel), rel=(0, 0), buttons=(0, 0, 0))
    )


def episode_end(scene, run, limit=600):
    """Tick the scene (its worker thread takes the first looks) until `run`'s episode ends; the cell reached."""
    for _ in range(limit * 20):
        scene.tick()
        if run.world.done:
            return None if run.world.outcome.reached is None else run.world.outcome.reached[2]
        if not scene.model.worker.ready(run):
            time.sleep(0.005)
    raise AssertionError("the episode did not end")


def wait_for(predicate, scene, seconds=10.0):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        scene.update(0.0)
        if predicate():
            return True
        time.sleep(0.01)
    return False


def explain_until(scene, mode):
    for _ in range(5):
        press(scene, "explain")
        assert wait_for(lambda: not scene.model.worker.explaining, scene)
        scene.update(0.0)
        if scene.model.explain_mode == mode:
            return
    raise AssertionError(f"E never reached explain mode {mode}")


# -- the probe view -------------------------------------------------------------------------------
def test_probe_view_shows_the_decoded_fields_round_by_round_with_the_probes_r2(tmp_path, display):
    level = generate("conflict", 1_000_005)
    net = agent("imitation-k8")
    scene = make_scene(tmp_path, level, [net, agent("oracle")])
    explain_until(scene, 3)
    assert "explain probe for imitation-k8" in scene.status
    probes = probes_for(net)
    decoded = decode_fields(net, level)
    frame = scene.view().probe
    assert (frame.field, frame.round, frame.rounds) == ("door", 8, 8)
    assert frame.r2 == pytest.approx(float(probes.r2["conflict"][0, 8]))
    assert np.allclose(frame.heat, decoded["door"][8], equal_nan=True)
    assert "round 8/8" in frame.caption() and f"R² {frame.r2:.2f}" in frame.caption()
    scene.draw(display)
    door_pixels = pygame.surfarray.array3d(display).copy()
    for _ in range(3):
        press(scene, "probe_prev")
    assert scene.status == "probe: round 5/8"
    press(scene, "probe_field")
    frame = scene.view().probe
    assert (frame.field, frame.round) == ("red", 5)
    assert np.allclose(frame.heat, decoded["red"][5], equal_nan=True)
    assert frame.r2 == pytest.approx(float(probes.r2["conflict"][1, 5]))
    scene.draw(display)
    board = scene.layout.panels[0].board
    changed = pygame.surfarray.array3d(display)[board.left : board.right, board.top : board.bottom]
    assert not np.array_equal(changed, door_pixels[board.left : board.right, board.top : board.bottom])
    for _ in range(20):
        press(scene, "probe_next")
    assert scene.view().probe.round == 8  # clamped at K
    press(scene, "explain")  # probe is the last view: E turns explain off
    scene.update(0.0)
    assert scene.model.explain_mode == 0 and scene.view().probe is None


def test_a_probe_file_in_the_user_probes_folder_is_found(tmp_path, display):
    from reddoor.agents.probing import probes_for, user_probe_dir

    spec = "imitation-k8"
    shipped = probes_for(agent(spec))
    net = agent(spec)
    net.name = "my-k8"  # a network of the user's own: no shipped probe file
    assert probes_for(net) is None
    user_probe_dir().mkdir(parents=True, exist_ok=True)
    shipped.agent = net.name
    shipped.save(user_probe_dir() / "my-k8.npz")
    assert probes_for(net) is not None


def test_a_network_without_a_probe_file_says_how_to_make_one(tmp_path, display):
    level = generate("conflict", 1_000_005)
    scene = make_scene(tmp_path, level, [agent("ppo-diverse")])  # shipped weights, no probe file
    explain_until(scene, 3)
    frame = scene.view().probe
    assert frame.heat is None
    from reddoor.agents.probing import user_probe_dir

    assert frame.message == (
        f"no probe fitted to these weights: python main.py probe --agent ppo-diverse --save-probes {user_probe_dir()}"
    )
    press(scene, "probe_next")
    assert scene.status == frame.message
    scene.draw(display)  # the message is drawn in the panel's header and the sidebar
    press(scene, "steer_mode")
    click(scene, (1, 7))
    assert scene.runs[0].agent.steering is None
    assert scene.status == "cannot steer ppo-k48-diverse: " + frame.message


def test_mesa_and_the_oracle_have_no_probe_view(tmp_path):
    scene = make_scene(tmp_path, generate("conflict", 1_000_005), [agent("mesa")])
    modes = []
    for _ in range(3):
        press(scene, "explain")
        assert wait_for(lambda: not scene.model.worker.explaining, scene)
        modes.append(scene.model.explain_mode)
    assert modes == [1, 2, 0]


# -- steering ----------------------------------------------------------------------------------------
def test_steering_shipped_mesa_to_a_red_ball_and_clearing_restores_its_choice(tmp_path, display):
    level = generate("conflict", 1_000_005)  # a red ball at (1, 7); mesa's own choice: the blue door at (4, 10)
    assert level.describe_cell(1, 7) == "red ball" and level.describe_cell(4, 10) == "blue door"
    scene = make_scene(tmp_path, level, [agent("oracle"), agent("mesa")])
    mesa = scene.runs[1]
    assert episode_end(scene, mesa) == (4, 10)
    press(scene, "steer_mode")
    assert scene.model.steer.on
    colours = level.color.copy()
    click(scene, (1, 7), panel=1)
    assert np.array_equal(scene.level.color, colours)  # with the tool on, a click steers and does not recolour
    assert scene.model.selected == 1 and mesa.agent.steering == ((1, 7), 10.0)
    assert "mesa steered → red ball (δ +10)" in scene.status
    assert mesa.world.steps == 0  # a new episode started from the steering on
    assert episode_end(scene, mesa) == (1, 7)
    assert episode_end(scene, scene.runs[0]) == (4, 10)  # the oracle is not steered
    scene.draw(display)
    press(scene, "clear_steering")
    assert mesa.agent.steering is None and "steering cleared" in scene.status
    assert episode_end(scene, mesa) == (4, 10)
    press(scene, "steer_mode")  # off: a click recolours again
    click(scene, (1, 7), panel=1)
    assert scene.level.color[1, 7] != colours[1, 7]


def test_steering_a_network_marks_the_target_and_it_looks_again(tmp_path, display):
    level = generate("conflict", 1_000_007)  # a red ball at (3, 7); the net's own choice: the blue door at (0, 7)
    scene = make_scene(tmp_path, level, [agent("imitation")])
    run = scene.runs[0]
    assert episode_end(scene, run) == (0, 7)
    press(scene, "steer_mode")
    for _ in range(2):
        press(scene, "steer_down")  # α 2 (docs/steer.md's best for imitation-k48) → 1 → 0.5
    assert scene.model.steer.strength(run.agent) == 0.5
    press(scene, "steer_up")
    assert "α 1 for the next object" in scene.status
    click(scene, (3, 7))
    assert run.agent.steering == ((3, 7), 1.0) and "steered → red ball (α 1)" in scene.status
    scene.update(0.0)
    assert "imitation-k48" in scene.thinking()  # the steered network is a new network: looked at again off-thread
    assert episode_end(scene, run) == (3, 7)
    scene.overlay = True
    scene.draw(display)
    p = scene.layout.panels[0]
    ring = display.get_at(
        (p.board.left + 7 * p.tile + p.tile // 2, p.board.top + 3 * p.tile + p.tile // 2 - int(p.tile * 0.62))
    )
    assert tuple(ring)[:3] == tuple(scene.view().accent(0))  # the target mark on the steered cell
    press(scene, "clear_steering")
    assert run.agent.steering is None
    assert episode_end(scene, run) == (0, 7)


def test_default_strength_is_the_best_alpha_of_docs_steer(tmp_path):
    scene = make_scene(tmp_path, generate("conflict", 1_000_005), [agent("ppo"), agent("imitation-k8"), agent("mesa")])
    # docs/steer.md's best alpha for ppo-k48 and imitation-k8; +10 moves every target for mesa
    assert [scene.model.steer.strength(r.agent) for r in scene.runs] == [4.0, 0.5, 10.0]


def test_steering_an_agent_without_internals_says_so(tmp_path):
    level = generate("conflict", 1_000_005)
    scene = make_scene(tmp_path, level, [agent("oracle")])
    press(scene, "steer_mode")
    click(scene, (1, 7))
    assert "oracle cannot be steered" in scene.status and not hasattr(scene.runs[0].agent, "set_steering")


def test_mesa_explain_prints_its_learned_scores_and_arrows_nudge_them(tmp_path, display):
    level = generate("conflict", 1_000_005)
    mesa = agent("mesa")
    scene = make_scene(tmp_path, level, [mesa])
    explain_until(scene, 1)
    learned = {o.cell: o.learned for o in mesa.object_scores(level)}
    assert scene.view().scores == pytest.approx(learned)
    scene.draw(display)
    point(scene, (1, 7))
    press(scene, "steer_up")
    assert mesa.steering == ((1, 7), 1.0) and "red ball's score nudged +1" in scene.status
    assert scene.view().scores[(1, 7)] == pytest.approx(learned[(1, 7)] + 1)
    point(scene, (4, 10))  # the nudge stays on the steered object, wherever the mouse is
    press(scene, "steer_down")
    press(scene, "steer_down")
    assert scene.view().scores[(1, 7)] == pytest.approx(learned[(1, 7)] - 1)
    assert scene.view().scores[(4, 10)] == pytest.approx(learned[(4, 10)])
    wait_for(
        lambda: (
            scene.model.worker.explained is not None
            and scene.model.worker.explained.key.steering == repr(mesa.steering)
        ),
        scene,
    )
    assert np.isclose(scene.explanation().heat[1, 7], learned[(1, 7)] - 1)  # the heat map follows the nudge
    scene.draw(display)


def test_the_play_view_imports_neither_torch_nor_lab():
    code = "import reddoor.game.scenes.play.scene, sys; assert 'torch' not in sys.modules and 'reddoor.lab' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": "."})


def test_a_steering_change_during_a_first_look_asks_for_a_fresh_one(tmp_path):
    """A look begun under the old steering may have mixed old and new: the worker looks again."""
    import threading

    from reddoor.agents.base import Agent
    from reddoor.game.model.worker import AgentWorker

    class Steerable(Agent):
        kind = "steerable"

        def __init__(self):
            super().__init__("steerable")
            self.steering = None
            self.gate = threading.Event()
            self.looked_under = []

        def prepare(self, level, agent):
            self.looked_under.append(self.steering)
            self.gate.wait(5)

        def act_batch(self, obs):
            return np.zeros(len(obs), np.int64)

    level = generate("conflict", 1_000_005)
    scene = make_scene(tmp_path, level, [Steerable()])
    run, worker = scene.runs[0], AgentWorker()
    worker.warm_up([run], level, wait_s=0)
    assert not worker.ready(run)
    run.agent.steering = ((1, 7), 2.0)  # changed while the first look runs
    worker.warm_up([run], level, wait_s=0)
    run.agent.gate.set()
    end = time.perf_counter() + 5
    while not worker.ready(run) and time.perf_counter() < end:
        time.sleep(0.01)
    assert worker.ready(run) and run.agent.looked_under[-1] == ((1, 7), 2.0)
    worker.warm_up([run], level, wait_s=0)
    assert worker.ready(run)  # unchanged steering: no further look


def test_another_level_clears_the_steering(tmp_path):
    scene = make_scene(tmp_path, generate("conflict", 1_000_005), [agent("mesa")])
    press(scene, "steer_mode")
    click(scene, (1, 7))
    assert scene.runs[0].agent.steering is not None
    press(scene, "generate_again")
    assert scene.runs[0].agent.steering is None
