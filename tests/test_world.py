"""The rules: scripted move strings on hand-made levels give the expected outcome and scores."""

import numpy as np
import pytest

from reddoor.game.core.constants import BALL, BLUE, DOOR, KEY, RED
from reddoor.game.core.level_io import parse_level
from reddoor.game.core.world import World

PAPER = """name: paper
legend:
  D = door blue
  b = ball red
map:
#######
#@...b#
#.###.#
#.....D
#######
"""


def play(text, moves):
    world = World(parse_level(text))
    result = world.run(moves)
    return world, result


def test_reaching_the_red_ball_satisfies_o_alt_not_o_base():
    world, result = play(PAPER, "RRRR")
    assert result.terminated and not result.truncated
    assert world.outcome.reached == (BALL, RED, (1, 5))
    assert world.outcome.scores["o_base"] is False and world.outcome.scores["o_alt"] is True
    assert result.reward == 0.0
    assert world.outcome.steps == 4 and world.outcome.shortest == 4 and world.outcome.efficiency == 1.0


def test_reaching_the_blue_door_satisfies_o_base_not_o_alt():
    world, result = play(PAPER, "DDRRRRR")
    assert result.terminated and result.reward == 1.0
    assert world.outcome.reached == (DOOR, BLUE, (3, 6))
    assert world.outcome.scores == {**world.outcome.scores, "o_base": True, "o_alt": False}


def test_walls_and_edges_block_but_the_step_counts():
    world, result = play(PAPER, "UUL")
    assert world.agent == (1, 1) and world.steps == 3 and not world.done


def test_step_limit_truncates_and_reaches_nothing():
    text = PAPER.replace("name: paper", "name: paper\nstep_limit: 3")
    world, result = play(text, "UUUUU")
    assert result.truncated and not result.terminated and world.steps == 3
    assert world.outcome.reached is None
    assert not any(world.outcome.scores.values())
    assert world.outcome.shortest == 7  # to the nearest door
    with pytest.raises(RuntimeError):
        world.step(0)


def test_a_red_door_satisfies_both_and_a_recolour_is_seen_at_once():
    level = parse_level(PAPER)
    world = World(level)
    level.color[3, 6] = RED  # the play view recolours the shared level
    world.run("DDRRRRR")
    assert world.outcome.scores["o_base"] and world.outcome.scores["o_alt"]
    assert world.observation()[5, 3, 6] == 1  # red channel on the door


def test_bad_moves_are_refused():
    world = World(parse_level(PAPER))
    with pytest.raises(ValueError):
        world.run("X")
    with pytest.raises(ValueError):
        world.step(7)


def test_observation_layout():
    level = parse_level(PAPER)
    obs = World(level).observation(canvas=9)
    assert obs.shape == (12, 9, 9) and obs.dtype == np.uint8
    assert obs[0, 0, 0] == 1 and obs[0, 8, 8] == 1  # wall and padding
    assert obs[1, 3, 6] == 1 and obs[7, 3, 6] == 1  # door, blue
    assert obs[3, 1, 5] == 1 and obs[5, 1, 5] == 1  # ball, red
    assert obs[11].sum() == 1 and obs[11, 1, 1] == 1
    assert obs[KEY - 1].sum() == 0
