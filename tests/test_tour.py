"""The presenter's tour: W in the play view (or `python main.py tour`), → / ← / PgDn / PgUp / Esc,
each step's level, agents and card, and every number on a card found in the finding or research page."""

from __future__ import annotations

import os
import re
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame
import pytest

from reddoor.game.core.constants import DOOR, RED
from reddoor.game.model.roster import spec_of
from reddoor.game.model.tour import STEPS, step_level
from reddoor.game.scenes import keymap
from reddoor.game.scenes.play import PlayScene

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _pygame():
    pygame.init()  # the rest of the suite shares it: never quit here


def key(scene, k):
    return scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0))


def tour_scene(tmp_path):
    scene = PlayScene(None, output_dir=lambda name: tmp_path / name)
    scene.model.hold_seconds = 0.0
    scene.resize((1280, 760))
    tour_key = next(b for b in keymap.BINDINGS if b.command == "tour").keys[0]
    scene.handle_event(tour_key.event())
    return scene


def test_every_number_on_a_card_is_a_number_of_the_finding_or_the_research_page():
    pages = (ROOT / "docs" / "finding.md").read_text() + (ROOT / "docs" / "research.md").read_text()
    for step in STEPS:
        for number in re.findall(r"\b\d\.\d{3}\b", step.caption):
            assert number in pages, f"{step.title}: {number} is in no table the pages cite"
        assert (
            step.source.split(",")[0].startswith("docs/") and (ROOT / step.source.split(",")[0].split(" ")[0]).is_file()
        )


def test_w_opens_the_tour_on_the_training_maze_and_arrows_and_a_clicker_move_it(tmp_path):
    scene = tour_scene(tmp_path)
    assert scene.tour is not None and scene.tour.index == 0
    assert scene.level.name == step_level(STEPS[0]).name
    assert [spec_of(r.agent) for r in scene.runs] == list(STEPS[0].agents)
    assert scene.layout.card is not None and scene.layout.card.h > 0
    key(scene, pygame.K_RIGHT)
    assert scene.tour.index == 1 and scene.level.name == "The paper's test"
    key(scene, pygame.K_PAGEDOWN)
    assert scene.tour.index == 2 and scene.level.name == "Three ways to go"
    key(scene, pygame.K_PAGEUP)
    key(scene, pygame.K_LEFT)
    assert scene.tour.index == 0
    key(scene, pygame.K_LEFT)  # before the first step: stays, says so
    assert scene.tour.index == 0 and "first step" in scene.status
    key(scene, pygame.K_ESCAPE)
    assert scene.tour is None and scene.layout.card is None
    steps_before = scene.runs[0].world.steps
    key(scene, pygame.K_RIGHT)  # out of the tour, → is a single step again
    assert scene.model.paused and scene.runs[0].world.steps == steps_before + 1


def test_the_swap_step_leaves_the_door_red_and_the_steer_step_sends_mesa_to_the_red_ball(tmp_path):
    scene = tour_scene(tmp_path)
    swap = next(i for i, s in enumerate(STEPS) if "swap" in s.actions)
    steer = next(i for i, s in enumerate(STEPS) if any(a.startswith("steer:") for a in s.actions))
    for _ in range(swap):
        key(scene, pygame.K_RIGHT)
    doors = [(r, c) for r, c, k, _ in scene.level.objects() if k == DOOR]
    assert doors and all(scene.level.color[d] == RED for d in doors)
    for _ in range(steer - swap):
        key(scene, pygame.K_RIGHT)
    mesa = next(r for r in scene.runs if spec_of(r.agent) == "mesa")
    cell, _ = mesa.agent.steering
    assert scene.level.kind[cell] != DOOR and scene.level.color[cell] == RED
    while not mesa.world.done:
        scene.session.tick()
    assert mesa.world.reached[2] == cell  # the planner walks to the steered object
    key(scene, pygame.K_RIGHT)
    assert all(getattr(r.agent, "steering", None) is None for r in scene.runs)  # a new step, a new level


def test_every_step_draws_its_card_in_a_big_and_a_tiny_window(tmp_path):
    scene = tour_scene(tmp_path)
    for size in ((1280, 760), (320, 200), (3, 2)):
        surface = pygame.Surface(size)
        scene.resize(size)
        for i in range(len(STEPS)):
            scene.tour.go(i - scene.tour.index)
            scene.draw(surface)
            card = scene.layout.card
            if size[1] >= 200:
                assert card is not None and card.bottom <= scene.layout.status.top
                assert all(p.rect.bottom <= card.top for p in scene.layout.panels)
