"""The batched env and the Gymnasium env: agreement, auto-reset, outcomes, check_env."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import reddoor.game.gym_env  # noqa: F401  registers RedDoor-v0
from reddoor.game.core.batched import BatchedEnv
from reddoor.game.core.generators import DISTRIBUTIONS, generate
from reddoor.game.core.oracle import oracle_moves
from reddoor.game.core.world import World


def test_batched_and_single_env_agree_step_for_step():
    levels = [generate("conflict", s) for s in range(6)]
    env = BatchedEnv(levels, num_envs=6, draw="sequential", canvas=15)
    obs = env.reset()
    worlds = [World(lv.copy()) for lv in levels]
    rng = np.random.default_rng(3)
    for _ in range(300):
        for i, w in enumerate(worlds):
            assert np.array_equal(obs[i], w.observation(15)), i
        actions = rng.integers(0, 4, 6)
        obs, reward, term, trunc, info = env.step(actions)
        for i, w in enumerate(worlds):
            res = w.step(int(actions[i]))
            assert (res.terminated, res.truncated, res.reward) == (term[i], trunc[i], reward[i])
            if w.done:
                o = w.outcome
                kind = -1 if o.reached is None else o.reached[0]
                assert (
                    info["reached_kind"][i] == kind
                    and info["steps"][i] == o.steps
                    and info["shortest"][i] == o.shortest
                )
                for name, value in o.scores.items():
                    assert info["scores"][name][i] == float(value)
                nxt = levels[env.level_index[i]]
                worlds[i] = World(nxt.copy())


def test_batched_oracle_episodes_score_o_base():
    levels = [generate("train", s) for s in range(8)]
    env = BatchedEnv(levels, num_envs=8, draw="sequential")
    env.reset()
    moves = [oracle_moves(lv) for lv in levels]
    done_at = {}
    for t in range(max(map(len, moves))):
        acts = np.array(["UDLR".index(m[t]) if t < len(m) else 0 for m in moves])
        _, reward, term, _, info = env.step(acts)
        for i in np.flatnonzero(info["done"]):
            done_at.setdefault(i, (t + 1, reward[i], info["scores"]["o_alt"][i]))
    assert all(done_at[i] == (len(moves[i]), 1.0, 1.0) for i in range(8))


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_check_env_passes_for_every_distribution(distribution):
    check_env(gym.make("RedDoor-v0", distribution=distribution).unwrapped)


def test_check_env_on_a_builtin_level_and_rgb_frames():
    from reddoor.game.paths import asset_path

    env = gym.make("RedDoor-v0", level=str(asset_path("levels", "paper-test.level")), render_mode="rgb_array")
    check_env(env.unwrapped)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (9 * 16, 11 * 16, 3) and frame.dtype == np.uint8


def test_sync_vector_env():
    venv = gym.vector.SyncVectorEnv([lambda: gym.make("RedDoor-v0", distribution="conflict") for _ in range(3)])
    obs, _ = venv.reset(seed=5)
    assert obs.shape == (3, 12, 15, 15)
    for _ in range(100):
        obs, reward, term, trunc, info = venv.step(venv.action_space.sample())
    assert obs.shape == (3, 12, 15, 15)


def test_a_level_by_name_is_the_level_file_and_an_unknown_name_is_named():
    from reddoor.game.core.level_io import LevelFormatError
    from reddoor.game.paths import asset_path

    by_name = gym.make("RedDoor-v0", level="paper-test")
    by_path = gym.make("RedDoor-v0", level=asset_path("levels", "paper-test.level"))
    assert np.array_equal(by_name.reset(seed=0)[0], by_path.reset(seed=0)[0])
    with pytest.raises(LevelFormatError, match="no such level file or level name; known levels: .*paper-test"):
        gym.make("RedDoor-v0", level="paper-tset")


# -- the Gymnasium edges (issue 26 item 7): one ValueError naming the argument, never deep in the world --
def test_gym_reset_takes_a_level_by_name_as_make_does_and_refuses_none():
    from reddoor.game.gym_env import RedDoorEnv

    env = RedDoorEnv(distribution="conflict")
    env.reset(seed=0)
    obs, info = env.reset(options={"level": "paper-test"})
    assert info["level_name"] == "The paper's test" and obs.shape == env.observation_space.shape
    with pytest.raises(ValueError, match=r"options\['level'\]"):
        env.reset(options={"level": None})
    with pytest.raises(ValueError, match="larger than this env's canvas"):
        env.reset(options={"level": generate("large", 1)})


@pytest.mark.parametrize("canvas", [10**5, 3, -1, 2.5, True])
def test_gym_canvas_out_of_range_is_a_value_error_not_a_memory_error(canvas):
    from reddoor.game.gym_env import RedDoorEnv

    with pytest.raises(ValueError, match="canvas"):
        RedDoorEnv(distribution="conflict", canvas=canvas)


@pytest.mark.parametrize("action", [np.array([1, 2]), 1.5, "up", None, True, 4, -1])
def test_gym_step_with_a_bad_action_is_one_value_error(action):
    from reddoor.game.gym_env import RedDoorEnv

    env = RedDoorEnv(distribution="conflict")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(action)
    env.step(np.int64(1))  # a numpy integer is a move
    env.step(np.array(2))
