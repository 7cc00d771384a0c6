"""Thinking time: a FieldNet's rounds set at test time (name@K, rounds=K, --rounds-test), the large
conflict distributions, and the thinking command that classes each net convergent or overthinking."""

import csv
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reddoor.agents.loading import join_spec, load_agent, split_spec
from reddoor.game.core.constants import DOOR, MAX_ROUNDS, RED
from reddoor.game.core.generators import generate
from reddoor.game.core.world import World
from reddoor.lab import experiment, lineup, thinking
from reddoor.lab.report import seed_group


def test_a_spec_names_test_rounds_with_at_k_and_reads_back():
    assert split_spec("imitation-k48@96") == ("imitation-k48", [("rounds", "96")])
    assert split_spec("ppo@12:decode=sample") == ("ppo", [("rounds", "12"), ("decode", "sample")])
    assert join_spec("ppo", [("decode", "sample"), ("rounds", "12")]) == "ppo@12:decode=sample"
    agent = load_agent("imitation-k8@16")
    assert (agent.rounds, agent.trained_rounds, agent.name) == (16, 8, "imitation-k8@16")
    assert load_agent("imitation-k8:rounds=16").rounds == 16


def test_a_checkpoint_path_with_an_at_sign_stays_a_path(tmp_path):
    src = load_agent("imitation-k8")  # a real checkpoint copied under a name holding '@'
    from reddoor.agents.loading import shipped_path

    path = tmp_path / "net@3.npz"
    path.write_bytes(shipped_path("imitation", "k8-train").read_bytes())
    assert split_spec(str(path)) == (str(path), [])
    assert load_agent(str(path)).rounds == src.trained_rounds == 8


@pytest.mark.parametrize("spec", ["imitation-k8@0", f"imitation-k8@{MAX_ROUNDS + 1}", "oracle@8", "mesa@4"])
def test_rounds_out_of_range_or_on_an_agent_without_rounds_are_refused(spec):
    with pytest.raises(ValueError):
        load_agent(spec)


def test_setting_rounds_recomputes_the_field_rather_than_reusing_the_old_one():
    level = generate("train", 1_000_123)
    world = World(level)
    changed = load_agent("imitation-k8")
    changed.reset(0)
    changed.act(level, world.agent)  # fills its cache at 8 rounds
    changed.set_rounds(16)
    fresh = load_agent("imitation-k8@16")
    fresh.reset(0)
    field = lambda agent: np.asarray(agent.explain(level).arrows, float)
    assert np.allclose(field(changed), field(fresh), equal_nan=True)
    assert not np.allclose(field(load_agent("imitation-k8")), field(fresh), equal_nan=True)


def test_with_rounds_plays_each_fieldnet_once_per_k_and_the_rest_once():
    specs = lineup.with_rounds(["imitation-k8", "oracle", "imitation-k8@5"], [4, 8])
    assert specs == ["imitation-k8@4", "imitation-k8", "oracle", "imitation-k8@5"]
    assert lineup.with_rounds(["ppo"], None) == ["ppo"]


def test_seed_group_keeps_the_test_rounds():
    assert seed_group("study-imitation-3m/k8-seed-0003@16") == "study-imitation-3m/k8@16"
    assert seed_group("study-imitation/k48-seed-0001") == "study-imitation/k48"


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["large-conflict", "large-blue-door"]), st.integers(1_000_000, 2_000_000))
def test_large_conflict_levels_are_big_mazes_with_conflicts_colours(dist, seed):
    level = generate(dist, seed)
    assert 17 <= level.height <= 31 and 17 <= level.width <= 31
    objs = level.objects()
    doors = [c for _, _, k, c in objs if k == DOOR]
    assert doors and all(c != RED for c in doors)  # the door is never red here
    reds = [k for _, _, k, c in objs if k != DOOR and c == RED]
    if dist == "large-conflict":
        assert reds  # a red non-door object to tempt O_alt
    else:
        assert not reds
    d = level.distances()
    assert all(d[r, c] >= 0 for r, c, _, _ in objs)


def _eval_json(capsys, *args):
    assert experiment.main(["--json", "--no-progress", "--jobs", "1", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_eval_rounds_test_gives_one_row_per_k_each_carrying_rounds_test(capsys):
    rows = _eval_json(
        capsys, "--agents", "imitation-k8,oracle", "--distributions", "train", "--episodes", "3",
        "--decode", "greedy", "--rounds-test", "4,8",
    )  # fmt: skip
    got = sorted((r["agent"], r["rounds_test"]) for r in rows)
    assert got == [("imitation-k8", 8), ("imitation-k8@4", 4), ("oracle", None)]


@pytest.mark.parametrize("value", ["0", str(MAX_ROUNDS + 1), "x", ","])
def test_eval_rounds_test_out_of_range_is_one_line(capsys, value):
    with pytest.raises(SystemExit) as e:
        experiment.main(["--agents", "imitation-k8", "--rounds-test", value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rounds-test" in err[0]


# -- the thinking command ---------------------------------------------------------------------------
def test_the_ladder_runs_from_half_to_four_times_k_capped_at_192():
    assert thinking.ladder(48) == [24, 48, 72, 96, 144, 192]
    assert thinking.ladder(8) == [4, 8, 12, 16, 24, 32]
    assert thinking.ladder(1) == [1, 2, 3, 4]
    assert thinking.ladder(100) == [50, 100, 150, 192]


def _row(k, rate, n=100, dist="train", decode="greedy", net="s/k8-seed-0000", trained=8):
    from reddoor.game.core.stats import wilson

    c = round(rate * n)
    return {
        "net": net,
        "rounds_trained": trained,
        "rounds_test": k,
        "decode": decode,
        "distribution": dist,
        "episodes": n,
        "o_base": c / n,
        "o_base_ci": list(wilson(c, n)),
        "o_alt": 0.0,
        "o_alt_ci": [0.0, 0.04],
        "timeout": 1 - c / n,
        "timeout_ci": list(wilson(n - c, n)),
    }


def test_a_net_whose_competence_falls_with_disjoint_intervals_overthinks():
    rows = [_row(4, 0.5), _row(8, 0.85), _row(12, 0.8), _row(16, 0.1)]
    (s,) = thinking.classify(rows)
    assert s["class"] == "overthinking" and s["falls_at"] == 16 and s["train_worst_beyond"] == 0.1
    # A dip inside the noise (overlapping intervals) is not overthinking; a fall before K does not count.
    rows = [_row(4, 0.1), _row(8, 0.85), _row(12, 0.8), _row(16, 0.78)]
    (s,) = thinking.classify(rows)
    assert s["class"] == "convergent" and s["falls_at"] is None


def test_seed_counts_tally_each_units_seeds():
    rows = [_row(8, 0.85, net=f"s/k8-seed-000{i}") for i in range(3)]
    rows += [_row(16, r, net=f"s/k8-seed-000{i}") for i, r in enumerate((0.1, 0.8, 0.05))]
    (c,) = thinking.seed_counts(thinking.classify(rows))
    assert (c["group"], c["seeds"], c["overthinking"], c["convergent"]) == ("s/k8", 3, 2, 1)
    assert c["train_worst_beyond"] == "0.100 [0.050, 0.800]"


def test_seeds_of_one_kind_and_k_are_read_together_whatever_folder_they_were_trained_into():
    f = thinking.seed_family
    assert f("study-imitation/k8-seed-0000", "imitation", 8) == f(
        "study-imitation-small-k/k8-seed-0003", "imitation", 8
    )
    assert f("study-imitation/k8-seed-0000", "imitation", 8) == "imitation/k8"
    assert f("study-ppo/seed-0002", "ppo", 48) == "ppo/k48"
    assert f("study-imitation/open-k4-seed-0000", "imitation", 4) == "imitation/open-k4"
    assert f("imitation-k8", "imitation", 8) == "imitation-k8"  # a shipped net is its own family
    rows = [_row(8, 0.85, net="a/k8-seed-0000"), _row(16, 0.1, net="a/k8-seed-0000")]
    rows += [_row(8, 0.85, net="b/k8-seed-0001"), _row(16, 0.8, net="b/k8-seed-0001")]
    for r in rows:
        r["group"] = f(r["net"], "imitation", 8)
    (c,) = thinking.seed_counts(thinking.classify(rows))
    assert (c["group"], c["seeds"], c["overthinking"], c["convergent"]) == ("imitation/k8", 2, 1, 1)


def test_the_thinking_command_writes_its_table_csv_and_figure(tmp_path, capsys):
    out = tmp_path / "think"
    argv = ["--agents", "imitation-k8", "--episodes", "2", "--jobs", "1", "--no-progress", "--out", str(out)]
    argv += ["--distributions", "train,conflict"]
    assert thinking.main(argv) == 0
    text = capsys.readouterr().out
    assert "imitation-k8" in text and ("convergent" in text or "overthinking" in text)
    with open(out / "thinking-time.csv") as f:
        rows = list(csv.DictReader(f))
    # 6 test rounds (4 .. 32) x 2 decoders x 2 distributions
    assert len(rows) == 24
    assert sorted({int(r["rounds_test"]) for r in rows}) == [4, 8, 12, 16, 24, 32]
    assert {r["decode"] for r in rows} == {"greedy", "sample"} and {r["rounds_trained"] for r in rows} == {"8"}
    md = (out / "thinking-time.md").read_text()
    assert "Command: `python main.py thinking" in md and "overthinks" in md
    assert (out / "thinking-time.png").stat().st_size > 10_000


def test_thinking_without_a_fieldnet_says_so(capsys):
    assert thinking.main(["--agents", "oracle,mesa", "--episodes", "1", "--no-progress"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("reddoor thinking: error: no FieldNet agent to vary (oracle, mesa have no rounds)")
