"""The experiment: its statistics, its batched play, its table and the files it writes."""

import json

import numpy as np
import pytest

from reddoor.agents import rollout
from reddoor.agents.checkpoint import save_checkpoint
from reddoor.agents.loading import load_agent
from reddoor.game.core.batched import LevelPool
from reddoor.game.core.generators import generate
from reddoor.game.core.observation import CH_AGENT
from reddoor.game.core.stats import mean_interval, preference, wilson
from reddoor.lab import experiment, lineup, report, runner

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
NEWCOMBE_WILSON = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0000, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
]


@pytest.mark.parametrize("counts,expected", NEWCOMBE_WILSON)
def test_wilson_interval_matches_the_published_cases(counts, expected):
    lo, hi = wilson(*counts)
    assert (round(lo, 4), round(hi, 4)) == expected


def test_wilson_interval_edges():
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 50)[0] == 0.0 and wilson(50, 50)[1] == 1.0
    lo, hi = wilson(25, 50)
    assert lo < 0.5 < hi and abs((lo + hi) / 2 - 0.5) < 1e-12
    with pytest.raises(ValueError):
        wilson(51, 50)


def test_mean_interval_and_preference():
    mean, lo, hi = mean_interval([1.0, 1.0, 1.0])
    assert mean == lo == hi == 1.0
    assert preference(90, 10) == "O_base" and preference(10, 90) == "O_alt"
    assert preference(50, 50) == "undecided" and preference(0, 0) == "undecided"


def random_mesa(tmp_path, seed=0):
    """A mesa checkpoint with random weights: a learned agent to play, without training."""
    rng = np.random.default_rng(seed)
    hidden = 4
    params = {
        "fc1.weight": rng.normal(size=(hidden, CH_AGENT, 1, 1)),
        "fc1.bias": rng.normal(size=hidden),
        "fc2.weight": rng.normal(size=(1, hidden, 1, 1)),
        "fc2.bias": np.zeros(1),
    }
    meta = {
        "kind": "mesa",
        "architecture": {"arch": "cellscorer", "hidden": hidden, "in_channels": CH_AGENT},
        "training_distribution": "train",
        "seed": seed,
    }
    return save_checkpoint(tmp_path / "mesa-random.npz", params, meta)


class Spy:
    """Wraps an agent and records the batch sizes it was asked to act on."""

    def __init__(self, agent):
        self.agent, self.batches = agent, []
        self.deterministic = agent.deterministic

    def reset(self, seed=None):
        self.agent.reset(seed)

    def act_batch(self, obs):
        self.batches.append(len(obs))
        return self.agent.act_batch(obs)


def test_agents_play_the_same_levels_together_as_they_would_alone(tmp_path):
    pool = LevelPool([generate("conflict", 1_000_000 + i) for i in range(12)])
    specs = ["oracle", "random", str(random_mesa(tmp_path))]
    together = rollout.play_together([Spy(load_agent(s, seed=3)) for s in specs], pool, seed=3)
    for spec, outcome in zip(specs, together):
        alone = rollout.play_together([load_agent(spec, seed=3)], pool, seed=3)[0]
        for key in outcome:
            np.testing.assert_array_equal(outcome[key], alone[key], err_msg=f"{spec} {key}")
    spy = Spy(load_agent("oracle"))
    rollout.play_together([spy], pool)
    assert spy.batches[0] == len(pool)  # every level's episode in one call, not one by one


@pytest.mark.slow
def test_ending_loops_early_changes_no_outcome():
    """A deterministic agent back on a cell it has stood on can only loop to the step limit:
    play_together records that timeout at once. Every number it records is the one that playing
    on to the limit gives, with an intervention at step K too, and fewer moves are asked for."""
    from reddoor.game.core.interventions import parse_interventions
    from reddoor.lab.lineup import shipped_agents

    specs = shipped_agents(lambda message: None)
    deterministic = {s.split("-")[0] for s in specs if load_agent(s).deterministic}
    assert deterministic == {"oracle", "reflex", "imitation"}
    cut = set()
    for distribution, intervention in (
        ("conflict", None),
        ("train", parse_interventions("swap@3")[0]),
        ("conflict", parse_interventions("move@3")[0]),
        ("large", None),
    ):
        pool = LevelPool([generate(distribution, 3_000_000 + i) for i in range(8 if distribution == "large" else 24)])
        asked = {}
        for end_loops in (True, False):
            spies = [Spy(load_agent(s, seed=5)) for s in specs]
            outcome = rollout.play_together(spies, pool, seed=5, intervention=intervention, end_loops=end_loops)
            asked[end_loops] = [sum(spy.batches) for spy in spies]
            if end_loops:
                first = outcome
        for spec, a, b in zip(specs, first, outcome):
            assert a.keys() == b.keys()
            for key in a.keys() - {"cycled"}:  # cycled says which timeouts were cut as loops
                np.testing.assert_array_equal(a[key], b[key], err_msg=f"{distribution} {spec} {key}")
            assert not b["cycled"].any() and (b["reached_kind"][a["cycled"]] == -1).all(), spec
        for spec, fewer, all_ in zip(specs, asked[True], asked[False]):
            assert fewer <= all_ and (fewer == all_ or load_agent(spec).deterministic), spec
            if fewer < all_:
                cut.add(spec)
    assert {s for s in specs if s != "oracle" and load_agent(s).deterministic} <= cut  # every looping kind was cut


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    ckpt = random_mesa(tmp_path_factory.mktemp("ckpt"))
    return runner.run_table(
        ["oracle", "random", str(ckpt)],
        ["train", "conflict", "large"],
        episodes=120,
        objectives=["ball", "kind=key|ball,colour=red"],
    )


def test_rates_add_up(table):
    assert len(table) == 9
    for row in table:
        n = row["episodes"]
        assert n == 120
        # Every episode ends in exactly one of: O_base only, O_alt only, both, neither, timeout.
        assert (
            row["o_base_count"] + row["o_alt_count"] - row["both_count"] + row["neither_count"] + row["timeout_count"]
            == n
        )
        for name in ("o_base", "o_alt", "both", "neither", "timeout", "ball", "kind=key|ball,colour=red"):
            lo, hi = row[f"{name}_ci"]
            assert lo <= row[name] <= hi and row[name] == round(row[f"{name}_count"] / n, 4)


def test_the_oracle_goes_to_the_door_by_shortest_paths(table):
    for row in table:
        if row["agent"] == "oracle":
            assert row["o_base"] == 1.0 and row["efficiency"] == 1.0
            assert row["o_alt"] == (1.0 if row["distribution"] in ("train", "large") else 0.0)


def test_results_do_not_depend_on_worker_processes():
    one = runner.run_table(["oracle", "random"], ["conflict"], episodes=150, seed=1, jobs=1)
    two = runner.run_table(["oracle", "random"], ["conflict"], episodes=150, seed=1, jobs=2)
    assert one == two


def test_csv_and_markdown_round_trip_the_same_numbers(table, tmp_path):
    csv_rows = report.read_csv(report.write_csv(table, tmp_path / "t.csv"))
    md_rows = report.read_markdown(report.write_markdown(table, tmp_path / "t.md", preamble="# heading"))
    assert csv_rows == md_rows
    for row, back in zip(table, csv_rows):
        assert (back["agent"], back["distribution"], back["episodes"]) == (
            row["agent"],
            row["distribution"],
            row["episodes"],
        )
        for name in ("o_base", "o_alt", "both", "neither", "timeout", "ball", "kind=key|ball,colour=red", "efficiency"):
            rate, lo, hi = back[name]
            assert (rate, lo, hi) == tuple(round(x, report.DECIMALS) for x in (row[name], *row[f"{name}_ci"]))


def test_terminal_table_and_figure(table, tmp_path):
    text = report.format_table(table)
    assert "O_base" in text and "conflict" in text and "kind=key|ball,colour=red" in text
    png = report.plot(table, tmp_path / "t.png", "title")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_command_json_and_files(tmp_path, capsys):
    out = tmp_path / "out"
    rc = experiment.main(
        [
            "--agents",
            "oracle,random",
            "--distributions",
            "train,swap",
            "--episodes",
            "30",
            "--json",
            "--no-progress",
            "--jobs",
            "1",
            "--out",
            str(out),
            "--objectives",
            "blue",
        ]
    )
    assert rc == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["agent"], r["distribution"]) for r in rows] == [
        ("oracle", "train"),
        ("random", "train"),
        ("oracle", "swap"),
        ("random", "swap"),
    ]
    for r in rows:
        assert {
            "agent",
            "distribution",
            "episodes",
            "o_base",
            "o_alt",
            "neither",
            "timeout",
            "efficiency",
            "blue",
        } <= set(r)
    assert sorted(p.name for p in out.iterdir()) == ["experiment.csv", "experiment.md", "experiment.png"]
    assert report.read_csv(out / "experiment.csv") == report.read_markdown(out / "experiment.md")


def test_missing_weights_are_skipped_with_a_message(tmp_path, monkeypatch, capsys):
    from reddoor.agents import loading

    missing = lambda kind, dist="train": tmp_path / f"{kind}-{dist}.npz"  # noqa: E731
    monkeypatch.setattr(loading, "shipped_path", missing)  # what load_agent reads
    monkeypatch.setattr(lineup, "shipped_path", missing)  # what the line-up lists
    assert lineup.shipped_agents() == ["oracle", "random"]
    assert "skipping ppo" in capsys.readouterr().out
    rc = experiment.main(
        ["--agents", "oracle,ppo", "--distributions", "train", "--episodes", "5", "--json", "--no-progress"]
    )
    captured = capsys.readouterr()
    assert rc == 0 and "skipping ppo" in captured.err
    assert [json.loads(line)["agent"] for line in captured.out.splitlines()] == ["oracle"]


def test_bad_input_is_an_error_not_a_crash(tmp_path, capsys):
    assert experiment.main(["--distributions", "nowhere", "--no-progress"]) == 2
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert experiment.main(["--agents", str(bad), "--episodes", "5", "--no-progress"]) == 2
    assert (
        experiment.main(["--agents", "oracle", "--objectives", "kind=unicorn", "--episodes", "5", "--no-progress"]) == 2
    )
    assert "error" in capsys.readouterr().err


def test_an_agent_that_reaches_nothing_has_no_efficiency_and_strict_json():
    timeouts = {
        "reached_kind": np.full(4, -1),
        "reached_color": np.full(4, -1),
        "steps": np.full(4, 50),
        "shortest": np.full(4, 7),
    }
    cell = rollout.summarise(timeouts)
    assert cell["timeout"] == 1.0 and cell["o_base"] == cell["neither"] == 0.0
    assert np.isnan(cell["efficiency"])
    line = json.dumps(report.json_safe(cell), allow_nan=False)
    assert json.loads(line)["efficiency"] is None
    assert "-" in report.format_table([{"agent": "stuck", "distribution": "train", **cell}])


@pytest.mark.parametrize(
    "words,names",
    [
        (["ball,kind=key"], ["ball", "kind=key"]),  # the README's form
        (["ball", "kind=key"], ["ball", "kind=key"]),
        (["kind=key|ball,colour=red"], ["kind=key|ball,colour=red"]),  # one spec, two conditions
        (["blue,kind=ball,colour=green,red_door"], ["blue", "kind=ball,colour=green", "red_door"]),
        (["kind=ball,kind=key"], ["kind=ball", "kind=key"]),  # the same key twice: two objectives
        (["kind=ball", "colour=blue"], ["kind=ball", "colour=blue"]),  # a spec never runs on into the next word
    ],
)
def test_objectives_on_the_command_line_split_on_spaces_and_commas(words, names):
    from reddoor.game.core.objectives import parse_objectives

    assert [o.name for o in parse_objectives(words)] == names


def test_the_readme_objectives_example_runs(capsys):
    rc = experiment.main(
        [
            "--agents",
            "oracle",
            "--distributions",
            "conflict",
            "--episodes",
            "10",
            "--json",
            "--no-progress",
            "--jobs",
            "1",
            "--objectives",
            "ball,kind=key",
        ]
    )
    assert rc == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["ball"] == 0.0 and row["kind=key"] == 0.0 and row["o_base"] == 1.0  # the oracle goes to the door
    assert (
        experiment.main(["--agents", "oracle", "--objectives", "ball,unicorn", "--episodes", "5", "--no-progress"]) == 2
    )
    assert "unknown objective 'unicorn'" in capsys.readouterr().err


def test_the_overlay_and_the_table_sort_outcomes_into_the_same_categories():
    """'neither' and 'timeout' have one definition (game.core.objectives): the play view's running
    totals and the experiment's table count the same episodes in them."""
    from reddoor.game.core.constants import DOOR, N_COLORS, N_KINDS
    from reddoor.game.core.objectives import NEITHER, OUTCOME_CATEGORIES, TIMEOUT
    from reddoor.game.core.world import Outcome
    from reddoor.game.model.session import Tally

    outcomes = [(k, c) for k in range(DOOR, N_KINDS) for c in range(N_COLORS)] + [(-1, -1)] * 3
    tally = Tally()
    for k, c in outcomes:
        tally.record(Outcome(None if k < 0 else (k, c, (1, 1)), 5, 5, k >= 0, k < 0))
    cell = rollout.summarise(
        {
            "reached_kind": np.array([k for k, _ in outcomes]),
            "reached_color": np.array([c for _, c in outcomes]),
            "steps": np.full(len(outcomes), 5),
            "shortest": np.full(len(outcomes), 5),
        }
    )
    assert list(cell)[1 : 1 + 3 * len(OUTCOME_CATEGORIES) : 3] == list(OUTCOME_CATEGORIES)
    assert (tally.neither, tally.timeouts) == (cell[f"{NEITHER}_count"], cell[f"{TIMEOUT}_count"]) == (15, 3)
    assert (tally.o_base, tally.o_alt) == (cell["o_base_count"], cell["o_alt_count"]) == (6, 4)
