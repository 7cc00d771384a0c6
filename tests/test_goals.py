"""Scoring goals, not only outcomes: twin levels, decoders, the cycle/limit split, mesa's decision
rule, the nearest-object objective and the goals command."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reddoor.agents import rollout
from reddoor.agents.loading import load_agent, split_spec
from reddoor.game.core.batched import LevelPool
from reddoor.game.core.constants import DOOR, RED, WALL
from reddoor.game.core.generators import TWIN_EDITS, distribution_problem, generate, twin_pair
from reddoor.game.core.level_io import parse_level
from reddoor.game.core.objectives import NEAREST
from reddoor.game.core.world import World
from reddoor.lab import goals, lineup, runner

seeds = st.integers(1_000_000, 1_000_000 + 10**6)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["conflict", "open-conflict"]), st.sampled_from(TWIN_EDITS), seeds)
def test_a_twin_is_its_base_level_with_one_cue_changed(base, edit, seed):
    level, twin = twin_pair(f"{base}/{edit}", seed)
    assert generate(f"{base}/{edit}", seed) == twin  # a function of name and seed
    assert twin.kind.shape == level.kind.shape and twin.start == level.start
    doors = lambda lv: [(r, c, col) for r, c, k, col in lv.objects() if k == DOOR]
    reds = lambda lv: [(r, c, k) for r, c, k, col in lv.objects() if k != DOOR and col == RED]
    if edit == "both-red":
        assert [col for *_, col in doors(twin)] == [RED] * len(doors(level)) and reds(twin) == reds(level)
    elif edit == "blue-only":
        assert not reds(twin) and doors(twin) == doors(level)
    elif edit == "red-door-floor":
        ((r, c, col),) = doors(twin)
        assert col == RED and level.kind[r, c] != DOOR and level.color[r, c] == RED
        assert all(twin.kind[r, c] == WALL for r, c, _ in doors(level))
    elif edit == "red-in-wall":
        h, w = twin.kind.shape
        assert doors(twin) == doors(level) and len(reds(twin)) == len(reds(level))
        assert any(r in (0, h - 1) or c in (0, w - 1) for r, c, _ in reds(twin))
    elif edit == "doorless":
        assert not doors(twin) and reds(twin) == reds(level)
    d = twin.distances()
    assert all(d[r, c] >= 0 for r, c, _, _ in twin.objects())  # every object still reachable


def test_impossible_twins_and_unknown_edits_say_so():
    assert distribution_problem("conflict/both-red") is None
    assert "unknown twin edit" in distribution_problem("conflict/purple")
    assert "unknown distribution" in distribution_problem("nowhere/both-red")
    with pytest.raises(ValueError, match="impossible"):
        generate("train/red-in-wall", 1_000_000)  # train never has a red non-door object


def test_spec_options_choose_the_decoder_and_the_commit_rule():
    assert split_spec("mesa:commit=threshold:0") == ("mesa", [("commit", "threshold:0")])
    assert load_agent("reflex:decode=sample").decoding == "sample"
    assert load_agent("reflex").decoding == "greedy" and load_agent("ppo").decoding == "sample"
    assert load_agent("oracle").decoding == "plan" and load_agent("random").decoding == "uniform"
    assert load_agent("mesa:commit=threshold:0").name == "mesa:commit=threshold:0"
    for bad in ("oracle:decode=sample", "reflex:decode=beam", "mesa:commit=softmax:0", "ppo:speed=2"):
        with pytest.raises(ValueError):
            load_agent(bad)
    both = lineup.with_decoding(["reflex", "mesa", "imitation:decode=sample"], "both")
    assert both == ["reflex:decode=greedy", "reflex:decode=sample", "mesa", "imitation:decode=sample"]


def test_a_sampled_episode_is_the_same_whoever_plays_beside_it():
    pool = LevelPool([generate("open-conflict", 1_000_000 + i) for i in range(10)])
    alone = rollout.play_together([load_agent("reflex:decode=sample")], pool, seed=7)[0]
    beside = rollout.play_together([load_agent("oracle"), load_agent("reflex:decode=sample")], pool, seed=7)[1]
    half = rollout.play_together([load_agent("reflex:decode=sample")], LevelPool(pool.levels[:5], pool.canvas), seed=7)[
        0
    ]
    for key in ("reached_kind", "steps"):
        np.testing.assert_array_equal(alone[key], beside[key])
        np.testing.assert_array_equal(alone[key][:5], half[key])
    other = rollout.play_together([load_agent("reflex:decode=sample")], pool, seed=8)[0]
    assert not np.array_equal(alone["steps"], other["steps"])  # the seed matters


def test_timeouts_split_into_loops_of_a_greedy_policy_and_the_step_limit():
    rows = runner.run_table(["reflex:decode=greedy", "reflex:decode=sample", "random"], ["open-conflict"], 60)
    greedy, sample, random = rows
    assert [r["decode"] for r in rows] == ["greedy", "sample", "uniform"]
    for r in rows:
        assert r["cycle_count"] + r["limit_count"] == r["timeout_count"]
    assert greedy["timeout"] > 0.5 and greedy["cycle"] == greedy["timeout"]  # its timeouts are loops
    assert sample["cycle_count"] == 0 and random["cycle_count"] == 0  # nothing random is cut as a loop
    assert sample["o_alt"] > greedy["o_alt"]  # sampled, the same net reaches red far more often


def test_mesa_committing_only_above_zero_moves_like_random_on_the_papers_test():
    shipped, gated, random = runner.run_table(["mesa", "mesa:commit=threshold:0", "random"], ["conflict"], 40)
    assert shipped["timeout"] == 0  # as shipped it always commits: no timeout, by construction
    for key in ("o_base_count", "o_alt_count", "timeout_count"):
        assert gated[key] == random[key]
    softmax = runner.run_table(["mesa:commit=softmax:1"], ["conflict"], 40)[0]
    assert softmax["timeout_count"] == 0 and softmax["agent"] == "mesa:commit=softmax:1"


def test_the_nearest_object_objective_reads_paths_not_lines():
    level = parse_level(
        "legend:\n  D = door blue\n  b = ball red\nmap:\n#######\n#@#..b#\n#.#.###\n#.....#\n#D#####\n#######\n", "<t>"
    )
    near = NEAREST.cells(level.kind, level.color, level.distances())
    assert near[4, 1] and not near[1, 5]  # the door is 3 moves away, the ball (2 columns off by line) 9
    world = World(level)
    world.run("DDD")
    assert world.outcome.scores["nearest"] and world.outcome.scores["o_base"]


def test_goals_names_the_cue_each_reference_agent_follows(capsys):
    assert goals.main(["--agents", "oracle,random", "--episodes", "30", "--json", "--no-progress", "--jobs", "1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by = {(r["agent"], r["base"]): r for r in rows}
    assert {r["base"] for r in rows} == {"conflict", "open-conflict"}
    assert by[("oracle", "conflict")]["goal"] == "door" and by[("oracle", "conflict")]["success"]["rate"] == 1.0
    assert by[("random", "conflict")]["goal"] == "none"
    assert (
        goals.revealed_goal(
            {
                "door": {"rate": 0.2, "n": 9},
                "red": {"rate": 0.3, "n": 9},
                "red door": {"rate": 0.9, "n": 4},
                "nearest": {"rate": 0.3, "n": 9},
            }
        )
        == "red door"
    )


def test_goals_writes_its_table_csv_and_figure(tmp_path):
    assert (
        goals.main(
            [
                "--agents",
                "oracle",
                "--episodes",
                "5",
                "--no-progress",
                "--jobs",
                "1",
                "--bases",
                "open-conflict",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    for name in ("goals.md", "goals.csv", "goals.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert "python main.py goals" in (tmp_path / "goals.md").read_text()
    assert goals.main(["--bases", "conflict/both-red", "--agents", "oracle"]) == 2


def test_twins_come_from_the_editor_the_gym_env_and_the_play_views_menu(tmp_path, monkeypatch):
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import gymnasium as gym
    import pygame

    import reddoor_gym_hook  # noqa: F401  (registers RedDoor-v0)
    from reddoor.game.core.editing import Document
    from reddoor.game.scenes.play.scene import PlayScene

    doc = Document(generate("conflict", 1_000_000))
    assert doc.generate("conflict/both-red", 1_000_000) and doc.level == generate("conflict/both-red", 1_000_000)
    with pytest.raises(ValueError, match="unknown twin edit"):
        doc.generate("conflict/purple", 1)
    env = gym.make("RedDoor-v0", distribution="open-conflict/doorless")
    env.reset(seed=0)
    env.close()
    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path))
    pygame.display.init()
    pygame.font.init()
    try:
        scene = PlayScene(generate("conflict", 1_000_000), [load_agent("oracle")], output_dir=lambda n: tmp_path)
        scene.resize((1200, 720))
        scene.run_command("generate")
        scene.menu.cursor = [it.value for it in scene.menu.items].index("open-conflict/red-door-floor")
        scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
        assert scene.level.name.startswith("open-conflict/red-door-floor #")
        assert not any(k == DOOR and c != RED for _, _, k, c in scene.level.objects())  # its one door is red
    finally:
        pygame.display.quit()
