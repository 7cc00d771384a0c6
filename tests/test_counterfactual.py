"""Counterfactual tests: the detour and doorless columns, the swap@K / move@K interventions, Newcombe's
interval, the signature command and the play view's move key."""

from __future__ import annotations

import json
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from pathlib import Path

import numpy as np
import pytest

from reddoor.agents import rollout
from reddoor.agents.base import Agent, make_agent
from reddoor.game.core import interventions
from reddoor.game.core.batched import BatchedEnv, LevelPool
from reddoor.game.core.constants import ACTION_LETTERS, BALL, BLUE, DOOR, GREEN, RED
from reddoor.game.core.level_io import parse_level
from reddoor.game.core.observation import CH_AGENT, CH_COLOR0, decode_kinds
from reddoor.game.core.oracle import distance_to, greedy_action
from reddoor.game.core.stats import newcombe_difference
from reddoor.lab import counterfactual, experiment, lineup, runner

# Start in the middle, a red ball two steps up, a blue door two down, a green key three steps left.
MINI = """\
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

# One blue door and one red ball: the ball is nearer in a straight line (2 against 3) but farther
# by path (10 against 3), behind the wall.
DETOUR = """\
name: hand-made detour
legend:
  b = ball red
  D = door blue
map:
#######
#@#b..#
#.###.#
#.....#
#D#####
#######
"""


class RedSeeker(Agent):
    """Walks a shortest path to the nearest red object (the reactive proxy, as a planner)."""

    kind = "red-seeker"

    def act_batch(self, obs):
        out = np.zeros(len(obs), np.int64)
        for i, o in enumerate(obs):
            kind = decode_kinds(o)
            red = (kind >= DOOR) & (o[CH_COLOR0 + RED] > 0)
            pos = tuple(int(x) for x in np.argwhere(o[CH_AGENT] > 0)[0])
            a = greedy_action(distance_to(kind, red), pos)
            out[i] = 0 if a is None else a
        return out


class Recorder(Agent):
    """Left, right, left, right ... (never reaches anything on MINI); keeps every observation."""

    kind = "recorder"

    def __init__(self):
        super().__init__()
        self.seen: list[np.ndarray] = []

    def act_batch(self, obs):
        self.seen.append(obs[0, :CH_AGENT].copy())
        return np.array([ACTION_LETTERS.index("LR"[len(self.seen) % 2])], np.int64)


def mini():
    return parse_level(MINI)


# -- statistics ---------------------------------------------------------------------------------
# Newcombe (1998), "Interval estimation for the difference between independent proportions",
# Table II, method 10 (the hybrid score interval).
NEWCOMBE_DIFFERENCES = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
]


@pytest.mark.parametrize("counts,expected", NEWCOMBE_DIFFERENCES)
def test_newcombe_interval_matches_the_published_cases(counts, expected):
    d, lo, hi = newcombe_difference(*counts)
    assert d == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(lo, 4), round(hi, 4)) == expected


def test_newcombe_interval_without_data_is_everything():
    d, lo, hi = newcombe_difference(0, 0, 3, 10)
    assert np.isnan(d) and (lo, hi) == (-1.0, 1.0)


# -- detour and doorless columns ------------------------------------------------------------------
def test_detour_columns_on_a_hand_made_level():
    level = parse_level(DETOUR)
    from reddoor.game.core.generators import detour_targets

    assert detour_targets(level) == ((4, 1), (1, 3))  # (nearer by path: the door, nearer by line: the ball)
    oracle, seeker = rollout.play_together([make_agent("oracle"), RedSeeker()], LevelPool([level]))
    assert oracle["reached_cell"].tolist() == [[4, 1]] and seeker["reached_cell"].tolist() == [[1, 3]]
    for outcome, by_path in ((oracle, 1.0), (seeker, 0.0)):
        outcome.update(counterfactual.per_episode_columns("detour", [level], outcome))
        cols = counterfactual.summarise_columns("detour", outcome)["detour"]
        assert (cols["levels"], cols["by_path"], cols["by_line"], cols["door_by_path"]) == (
            1,
            by_path,
            1.0 - by_path,
            1.0,
        )


def test_eval_reports_detour_and_doorless_columns(capsys):
    rc = experiment.main(
        [
            "--agents",
            "oracle,random",
            "--distributions",
            "detour,doorless,conflict",
            "--episodes",
            "12",
            "--json",
            "--no-progress",
            "--jobs",
            "1",
        ]
    )
    assert rc == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by = {(r["agent"], r["distribution"]): r for r in rows}
    oracle = by[("oracle", "detour")]["detour"]
    assert oracle["levels"] == 12 and oracle["by_path"] == oracle["door_by_path"]  # the oracle always takes the door
    assert oracle["by_path_count"] + oracle["by_line_count"] == 12
    for agent in ("oracle", "random"):
        row = by[(agent, "doorless")]
        d = row["doorless"]
        assert d["red_object_count"] + d["other_object_count"] + d["timeout_count"] == 12
        assert d["red_object_count"] == row["o_alt_count"] and d["other_object_count"] == row["neither_count"]
        assert "detour" not in by[(agent, "conflict")] and "doorless" not in by[(agent, "conflict")]


def test_the_reached_cell_changes_no_existing_number():
    pool = LevelPool([mini()])
    (out,) = rollout.play_together([make_agent("oracle")], pool)
    assert out["reached_cell"].tolist() == [[5, 3]] and out["steps"].tolist() == [2]
    cell = rollout.summarise(out)
    assert cell == rollout.summarise({k: v for k, v in out.items() if k != "reached_cell"})


# -- interventions --------------------------------------------------------------------------------
def test_parse_interventions():
    assert [i.label for i in interventions.parse_interventions("swap@4, move@0")] == ["swap@4", "move@0"]
    for bad in ("swap", "swap@-1", "turn@3", ""):
        with pytest.raises(ValueError):
            interventions.parse_interventions(bad)


@pytest.mark.parametrize("spec", ["swap@3", "move@3", "swap@0"])
def test_the_level_changes_after_exactly_k_steps(spec):
    iv = interventions.parse_interventions(spec)[0]
    agent = Recorder()
    level = mini()
    (out,) = rollout.play_together([agent], LevelPool([level]), intervention=iv)
    before, after = agent.seen[: iv.k], agent.seen[iv.k :]
    assert len(after) == level.effective_step_limit - iv.k  # it never reached anything
    changed, _ = iv.apply(level, level.start)
    from reddoor.game.core.observation import encode_static

    want_before = encode_static(level.kind, level.color, level.width)[:CH_AGENT]
    want_after = encode_static(changed.kind, changed.color, level.width)[:CH_AGENT]
    assert all(np.array_equal(o, want_before) for o in before)
    assert all(np.array_equal(o, want_after) for o in after)
    assert not np.array_equal(want_before, want_after)
    assert out["intervened"].tolist() == [True] and out["ended_before_k"].tolist() == [False]


def test_swap_tracking_counts_for_the_oracle_and_a_red_seeker():
    level = mini()
    pool = LevelPool([level])
    agents = [make_agent("oracle"), RedSeeker()]
    plain = rollout.play_together(agents, pool)
    assert [o["reached_cell"].tolist() for o in plain] == [[[5, 3]], [[1, 3]]]  # door, ball: 2 steps each
    iv = interventions.Intervention(interventions.SWAP, 1)
    oracle, seeker = rollout.play_together(agents, pool, intervention=iv)
    for base, out in zip(plain, (oracle, seeker)):
        out.update(counterfactual.classify(iv, [level], base, out))
    # After the swap the door is red and the ball blue: the oracle goes on to the door (colour, door,
    # old target); the red seeker turns round to the now-red door (colour and door, not its old target).
    assert {k: bool(oracle[k][0]) for k in counterfactual.CATEGORIES["swap"]} == {
        "now_red": True,
        "door": True,
        "was_red": False,
        "old_target": True,
        "timeout": False,
    }
    assert {k: bool(seeker[k][0]) for k in counterfactual.CATEGORIES["swap"]} == {
        "now_red": True,
        "door": True,
        "was_red": False,
        "old_target": False,
        "timeout": False,
    }
    assert seeker["reached_cell"].tolist() == [[5, 3]] and seeker["steps"].tolist() == [4]
    # At K = 2 both episodes are over (2 steps each): ended before the change, counted apart.
    late = rollout.play_together(agents, pool, intervention=interventions.Intervention(interventions.SWAP, 2))
    for base, out in zip(plain, late):
        out.update(counterfactual.classify(interventions.Intervention(interventions.SWAP, 2), [level], base, out))
        s = counterfactual.summarise_intervention(interventions.Intervention(interventions.SWAP, 2), out)
        assert (s["ended_before_k_count"], s["intervened"], s["not_applicable_count"]) == (1, 0, 0)
        assert out["reached_cell"].tolist() == base["reached_cell"].tolist()


def test_move_tracking_counts_for_the_oracle_and_a_red_seeker():
    level = mini()
    pool = LevelPool([level])
    agents = [make_agent("oracle"), RedSeeker()]
    plain = rollout.play_together(agents, pool)
    iv = interventions.Intervention(interventions.MOVE, 1)
    oracle, seeker = rollout.play_together(agents, pool, intervention=iv)
    for base, out in zip(plain, (oracle, seeker)):
        out.update(counterfactual.classify(iv, [level], base, out))
    # After one step the door (5,3) and the ball (1,3) exchange cells. The oracle walks to the door's
    # new cell; the red seeker to the ball's new cell, the old door cell. Both follow their object.
    assert oracle["exchanged"].tolist() == [[5, 3, 1, 3]] and seeker["exchanged"].tolist() == [[5, 3, 1, 3]]
    assert oracle["reached_cell"].tolist() == [[1, 3]] and seeker["reached_cell"].tolist() == [[5, 3]]
    assert {k: bool(oracle[k][0]) for k in counterfactual.CATEGORIES["move"]} == {
        "new_door": True,
        "old_door": False,
        "old_target": True,
        "other": False,
        "timeout": False,
    }
    assert {k: bool(seeker[k][0]) for k in counterfactual.CATEGORIES["move"]} == {
        "new_door": False,
        "old_door": True,
        "old_target": True,
        "other": False,
        "timeout": False,
    }
    assert oracle["reached_kind"].tolist() == [DOOR] and seeker["reached_kind"].tolist() == [BALL]


def test_move_needs_a_red_object_and_a_door():
    level = mini()
    level.color[1, 3] = GREEN
    assert interventions.Intervention(interventions.MOVE, 0).apply(level, level.start) is None
    (out,) = rollout.play_together(
        [make_agent("oracle")], LevelPool([level]), intervention=interventions.Intervention(interventions.MOVE, 1)
    )
    assert out["intervened"].tolist() == [False] and out["ended_before_k"].tolist() == [False]  # not applicable


def test_switch_levels_keeps_the_agent_and_leaves_the_callers_pool_alone():
    level = mini()
    pool = LevelPool([level, level.copy()])
    env = BatchedEnv(pool, 2, draw="sequential")
    env.reset()
    env.step(np.array([ACTION_LETTERS.index("L")] * 2))
    changed, _ = interventions.Intervention(interventions.SWAP, 1).apply(level, (3, 2))
    env.switch_levels(np.array([1]), [changed])
    assert len(pool) == 2 and len(env.pool) == 3 and env.level_index.tolist() == [0, 2]
    assert env.steps.tolist() == [1, 1] and env.agent_pos.tolist() == [[3, 2], [3, 2]]
    assert env.obs[1, CH_COLOR0 + RED, 5, 3] == 1 and env.obs[0, CH_COLOR0 + BLUE, 5, 3] == 1
    assert env.obs[1, CH_AGENT].sum() == 1 and env.obs[1, CH_AGENT, 3, 2] == 1


def test_eval_intervene_rows_and_oracle_tracking(capsys):
    rows = runner.run_table(
        ["oracle"], ["conflict"], 15, interventions=interventions.parse_interventions("swap@3,move@3")
    )
    assert [r.get("intervention", {}).get("name") for r in rows] == [None, "swap@3", "move@3"]
    plain, swap, move = rows
    for row in (swap, move):
        iv = row["intervention"]
        assert iv["ended_before_k_count"] + iv["not_applicable_count"] + iv["intervened"] == 15
        assert iv["intervened"] > 0 and iv["old_target"] == 1.0  # the oracle follows the door
    assert swap["intervention"]["door"] == 1.0 and swap["intervention"]["was_red"] == 0.0
    assert move["intervention"]["new_door"] == 1.0 and move["intervention"]["old_door"] == 0.0
    assert plain["o_base"] == swap["o_base"] == move["o_base"] == 1.0
    assert (
        experiment.main(
            [
                "--agents",
                "oracle",
                "--distributions",
                "conflict",
                "--intervene",
                "swap@x",
                "--episodes",
                "3",
                "--no-progress",
            ]
        )
        == 2
    )
    assert "swap@K" in capsys.readouterr().err


# -- the signature --------------------------------------------------------------------------------
def test_signature_command_prints_and_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lineup, "shipped_agents", lambda report=print: ["oracle", "random"])
    out = tmp_path / "sig"
    rc = experiment.main(["--signature", "--episodes", "10", "--jobs", "1", "--no-progress", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "O_alt near - far" in text and "swap@4" in text and "move@4" in text and "oracle" in text
    assert sorted(p.name for p in out.iterdir()) == ["signature.csv", "signature.md", "signature.png"]
    assert (out / "signature.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "signature.md").read_text()
    assert "| oracle |" in md and "Newcombe" in md
    import csv

    with open(out / "signature.csv", newline="") as f:
        recs = list(csv.DictReader(f))
    assert [r["agent"] for r in recs] == ["oracle", "random"]
    oracle = recs[0]
    assert float(oracle["near_minus_far"]) == 0.0 and float(oracle["swap_door"]) == 1.0
    assert float(oracle["move_new_door"]) == 1.0 and float(oracle["doorless_red_object"]) + float(
        oracle["doorless_other_object"]
    ) + float(oracle["doorless_timeout"]) == pytest.approx(1.0)


def test_signature_json_adds_checkpoints_passed_with_agents(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lineup, "shipped_agents", lambda report=print: ["oracle"])
    rc = experiment.main(
        [
            "--signature",
            "--agents",
            "random,oracle",
            "--episodes",
            "5",
            "--jobs",
            "1",
            "--no-progress",
            "--json",
            "--intervene",
            "swap@2,move@6",
        ]
    )
    assert rc == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["agent"] for r in rows] == ["oracle", "random"]
    assert rows[0]["swap"]["name"] == "swap@2" and rows[0]["move"]["name"] == "move@6"
    assert rows[0]["near_minus_far"] == 0.0 and rows[0]["near_minus_far_ci"][0] < 0 < rows[0]["near_minus_far_ci"][1]


# -- the play view ----------------------------------------------------------------------------------
def test_play_view_move_key_exchanges_the_two_cells(tmp_path, monkeypatch):
    import pygame

    from reddoor.game.levels import LevelEntry
    from reddoor.game.scenes import keymap
    from reddoor.game.scenes.play import PlayScene

    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path / "home"))
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((1200, 720))
        catalogue = [LevelEntry("mini", Path("mini.level"), True, mini())]
        scene = PlayScene(
            catalogue[0].level.copy(),
            [make_agent("oracle"), make_agent("random")],
            catalogue=catalogue,
            output_dir=lambda name: tmp_path / name,
        )
        scene.resize((1200, 720))
        key = keymap.COMMANDS["move_red_door"].keys[0]
        assert key.key == pygame.K_m and keymap.translate(key.event()) == "move_red_door"
        assert keymap.COMMANDS["move_red_door"].in_help
        before = scene.level.copy()
        assert scene.handle_event(key.event()) is None  # a recolour key asks no scene change
        lv = scene.level
        assert (lv.kind[1, 3], lv.color[1, 3]) == (DOOR, BLUE) and (lv.kind[5, 3], lv.color[5, 3]) == (BALL, RED)
        rest = np.ones(lv.kind.shape, bool)
        rest[1, 3] = rest[5, 3] = False
        assert np.array_equal(lv.kind[rest], before.kind[rest]) and np.array_equal(lv.color[rest], before.color[rest])
        assert all(r.world.level is lv for r in scene.runs) and "exchanged" in scene.status
        scene.update(0.0)
        scene.draw(screen)
        scene.run_command("help")
        scene.draw(screen)  # the help overlay lists every binding, M included
        oracle = scene.runs[0]
        for _ in range(12):  # the oracle walks to the door's new cell
            scene.session.tick()
            if oracle.tally.episodes:
                break
        assert oracle.tally.episodes == 1 and oracle.tally.last.reached[2] == (1, 3)
        scene.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode="\x1b", scancode=0))
        assert not scene.help_open
    finally:
        pygame.display.quit()
