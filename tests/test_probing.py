"""Probes and steering: on a tiny hand-built FieldNet whose hidden channels are known (two of them
count the moves to the door along a corridor) the probes read the door distance with R² ≈ 1 and a
"goal here" direction provably turns the agent; the shipped mesa agent goes where it is steered
and back when steering is cleared; the commands print both controls from the same run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reddoor.agents.imitation import ImitationAgent
from reddoor.agents.loading import load_agent
from reddoor.agents.probing import (
    APP_FIELDS,
    ProbeSet,
    decode_fields,
    field_map,
    hidden_states,
    probe_path,
    probes_for,
    static_of,
)
from reddoor.game.core.constants import BALL, BLUE, DOOR, FLOOR, RED, WALL
from reddoor.game.core.generators import generate
from reddoor.game.core.level import Level
from reddoor.game.model.session import Session
from reddoor.lab.probe import run_probes
from reddoor.lab.steer import episode_end, goal_direction, run_steer

ROOT = Path(__file__).resolve().parent.parent
S, D, S2, D2 = range(4)  # the hand-built channels: door seen to the left, moves since it; same to the right
K = 16


def corridor_net() -> ImitationAgent:
    """A FieldNet on a one-row corridor. S(x) = S(x-1) + door(x) is 1 right of the door, D(x) =
    D(x-1) + S(x-1) counts the moves from it; S2 and D2 do the same leftwards. So D + D2 is the
    BFS distance to the door after K >= corridor length rounds. The head moves left where S wins,
    right where S2 does: toward the door."""
    w_in = np.zeros((4, 11, 3, 3), np.float32)
    w_in[S, 1, 1, 1] = w_in[S2, 1, 1, 1] = 1  # channel 1 of the observation is 'door'
    w_rec = np.zeros((4, 4, 3, 3), np.float32)
    w_rec[S, S, 1, 0] = w_rec[D, D, 1, 0] = w_rec[D, S, 1, 0] = 1  # from the left neighbour
    w_rec[S2, S2, 1, 2] = w_rec[D2, D2, 1, 2] = w_rec[D2, S2, 1, 2] = 1  # from the right neighbour
    w_head = np.zeros((4, 4, 3, 3), np.float32)
    w_head[2, S, 1, 1], w_head[2, S2, 1, 1] = 1, -1  # left
    w_head[3, S2, 1, 1], w_head[3, S, 1, 1] = 1, -1  # right
    params = {
        "conv_in.weight": w_in,
        "conv_in.bias": np.zeros(4, np.float32),
        "conv_rec.weight": w_rec,
        "conv_rec.bias": np.zeros(4, np.float32),
        "conv_head.weight": w_head,
        "conv_head.bias": np.array([-10, -10, 0, 0], np.float32),
    }
    meta = {
        "kind": "imitation",
        "architecture": {"arch": "fieldnet", "channels": 4, "iterations": K, "out_channels": 4, "in_channels": 11},
    }
    return ImitationAgent(meta, params, name="corridor")


def corridor(width: int, door: int, ball: int, start: int) -> Level:
    kind = np.full((3, width), WALL, np.uint8)
    kind[1, 1:-1] = FLOOR
    color = np.zeros_like(kind)
    kind[1, door], color[1, door] = DOOR, BLUE
    kind[1, ball], color[1, ball] = BALL, RED
    return Level(kind, color, (1, start))


def corridors(rng: np.random.Generator, n: int, ball_right: bool | None = None) -> list[Level]:
    out = []
    while len(out) < n:
        w = int(rng.integers(7, 16))
        door, ball, start = rng.choice(np.arange(1, w - 1), 3, replace=False)
        # the start between the two, so that each episode ends on one of them
        if not min(door, ball) < start < max(door, ball) or (ball_right is not None and (ball > door) != ball_right):
            continue
        out.append(corridor(w, int(door), int(ball), int(start)))
    return out


# -- probes -----------------------------------------------------------------------------------
def test_probe_reads_the_hand_built_door_distance_and_the_controls_do_not():
    rng = np.random.default_rng(0)
    sets = ({"corridor": corridors(rng, 40)}, {"corridor": corridors(rng, 40)})
    result = run_probes(corridor_net(), fields=("door", "red"), level_sets=sets)
    rows = {(r["field"], r["round"]): r for r in result["rows"]}
    # every (field, round) row carries the agent and both controls, scored on the same cells
    assert len(rows) == 2 * (K + 1) and all({"r2", "r2_random", "r2_input"} <= set(r) for r in rows.values())
    door = rows[("door", K)]
    assert door["r2"] > 0.999
    assert door["r2_input"] < 0.5 and door["r2_random"] < 0.9
    assert rows[("door", 0)]["r2"] < 0.5  # before any round the distance is not there yet
    assert rows[("red", K)]["r2"] < 0.9  # the net has no red channel


def test_decoded_door_field_is_the_bfs_distance_and_probe_files_round_trip(tmp_path):
    agent = corridor_net()
    rng = np.random.default_rng(1)
    result = run_probes(agent, fields=APP_FIELDS, level_sets=({"c": corridors(rng, 30)}, {"c": corridors(rng, 10)}))
    path = result["probes"].save(tmp_path / "corridor.npz")
    assert path.stat().st_size < 20_000
    probes = probes_for(agent, path)
    assert probes is not None and probes.rounds == K
    level = corridor(13, 2, 10, 6)
    decoded = decode_fields(agent, level, probes)
    assert set(decoded) == set(APP_FIELDS) and decoded["door"].shape == (K + 1, 3, 13)
    truth = field_map(level.kind, level.color, "door")
    ok = np.isfinite(truth)
    assert np.allclose(decoded["door"][K][ok], truth[ok], atol=0.05)
    assert np.isnan(decoded["door"][K][level.kind != FLOOR]).all()
    # a probe file fitted to other weights does not apply
    other = corridor_net()
    other.net.p["conv_rec.bias"] = other.net.p["conv_rec.bias"] + 0.5
    assert probes_for(other, path) is None


def test_probe_file_that_is_not_one_fails_with_one_line(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="probe file"):
        ProbeSet.load(bad)


def test_forward_pass_with_nothing_added_is_unchanged_and_reports_every_round():
    agent = load_agent("imitation-k8")
    static = static_of(generate("conflict", 1_000_000), 15)[None]
    plain = agent.net(static)
    seen = []
    zero = np.zeros((1, 24, 15, 15), np.float32)
    again = agent.net(static, zero, lambda t, h, first: seen.append(t))
    assert np.array_equal(plain, again) and seen == list(range(9))
    assert hidden_states(agent.net, static[0]).shape == (9, 24, 15, 15)


# -- steering a FieldNet ----------------------------------------------------------------------
def test_steering_the_hand_built_net_turns_it_to_the_ball_and_clearing_turns_it_back():
    agent = corridor_net()
    level = corridor(13, door=2, ball=10, start=6)
    assert episode_end(agent, level, 0) == (1, 2)  # its own choice: the door
    e_s2 = np.eye(4, dtype=np.float32)[S2]
    agent.set_steering((1, 10), 0.5, e_s2)  # S2 = 0.5 < S = 1 between them: still left
    assert agent.act(level, level.start) == 2 and episode_end(agent, level, 0) == (1, 2)
    agent.set_steering((1, 10), 2.0, e_s2)  # S2 = 2 > S = 1: the argmax turns right
    assert agent.steering == ((1, 10), 2.0)
    assert agent.act(level, level.start) == 3 and episode_end(agent, level, 0) == (1, 10)
    agent.clear_steering()
    assert agent.steering is None and episode_end(agent, level, 0) == (1, 2)


def test_steering_rejects_a_direction_of_the_wrong_size():
    agent = corridor_net()
    with pytest.raises(ValueError, match="4 finite values"):
        agent.set_steering((1, 3), 1.0, np.ones(3))
    with pytest.raises(ValueError, match="no steering direction"):
        agent.set_steering((1, 3), 1.0)  # no probe file for these weights


def test_goal_direction_of_the_hand_built_net_retargets_it_and_a_random_one_mostly_does_not():
    agent = corridor_net()
    rng = np.random.default_rng(2)
    fit = goal_direction(agent, levels=corridors(rng, 30))
    d = fit["direction"]
    assert d[S2] > 0 or d[S] > 0  # the door's own cell: a source of the "door seen" channels
    held_out = corridors(rng, 20, ball_right=True)
    result = run_steer(agent, held_out, alphas=(0.0, 8.0), direction=d)
    rows = {r["alpha"]: r for r in result["rows"]}
    assert rows[0.0]["success"] == 0.0 and rows[0.0]["door"] == 1.0
    assert rows[8.0]["success"] == 1.0
    # the control ran in the same run, on the same targets, with a random direction of the same norm
    assert rows[8.0]["targets"] == rows[0.0]["targets"] == 20
    assert rows[8.0]["control_success"] < rows[8.0]["success"]


# -- steering mesa ----------------------------------------------------------------------------
def test_steering_shipped_mesa_to_a_red_ball_in_a_session_and_clearing_it():
    level = generate("conflict", 1_000_005)  # a red ball at (1, 7); mesa's own choice: the blue door at (4, 10)
    assert level.describe_cell(1, 7) == "red ball" and level.describe_cell(4, 10) == "blue door"
    mesa = load_agent("mesa")
    session = Session(level, [mesa])

    def next_episode():
        session.reset_episodes()
        for _ in range(500):
            for _run, outcome in session.tick():
                return outcome.reached[2]
        raise AssertionError("the episode did not end")

    assert next_episode() == (4, 10)
    scores = {o.cell: o for o in mesa.object_scores(level)}
    gap = scores[(4, 10)].learned - scores[(1, 7)].learned
    assert gap > 0  # why it goes to the door
    mesa.set_steering((1, 7), gap + 0.1)
    assert mesa.object_scores(level)[0].nudge == pytest.approx(gap + 0.1)
    assert next_episode() == (1, 7)
    mesa.clear_steering()
    assert next_episode() == (4, 10)


def test_mesa_kind_colour_edit_retargets_every_object_of_that_kind_and_colour():
    level = generate("conflict", 1_000_029)  # two red balls, (1, 2) and (5, 7), and a blue door
    mesa = load_agent("mesa")
    mesa.set_steering((1, 2), 5.0, same_kind_colour=True)
    nudged = {o.cell for o in mesa.object_scores(level) if o.nudge}
    assert nudged == {(1, 2), (5, 7)}
    mesa.set_steering((1, 2), 5.0)
    assert {o.cell for o in mesa.object_scores(level) if o.nudge} == {(1, 2)}
    assert episode_end(mesa, level, 0) == (1, 2)


# -- the commands -----------------------------------------------------------------------------
def _run(*args):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_probe_json_prints_the_agent_and_both_controls_per_field_and_round(tmp_path):
    p = _run("probe", "--agent", "imitation-k8", "--levels", "4", "--json", "--out", str(tmp_path))
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(rows) == 2 * 5 * 9  # train, conflict x 5 fields x rounds 0..8
    assert all(set(r) >= {"field", "round", "distribution", "r2", "r2_random", "r2_input"} for r in rows)
    assert {p.name for p in tmp_path.iterdir()} >= {"probe.md", "probe.csv", "probe.png"}
    assert " s" in p.stderr  # the run's time


def test_probe_fitted_on_one_distribution_is_scored_on_others():
    p = _run(
        "probe", "--agent", "imitation-k8", "--distribution", "train", "--test", "conflict", "--levels", "3", "--json"
    )
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert rows and {r["distribution"] for r in rows} == {"conflict"}


def test_steer_json_prints_success_for_the_agent_and_the_random_control():
    p = _run("steer", "--agent", "mesa", "--levels", "3", "--alphas", "0,20", "--json")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    cell = {r["alpha"]: r for r in rows if r["method"] == "cell"}
    assert cell[20.0]["success"] == 1.0 and "control_success" in cell[20.0]


@pytest.mark.parametrize(
    "args, message",
    [
        (("probe", "--agent", "mesa"), "not a FieldNet agent"),
        (("probe", "--agent", "imitation", "--distribution", "nowhere"), "unknown distribution"),
        (("steer", "--agent", "oracle"), "cannot be steered"),
        (("steer", "--agent", "mesa", "--alphas", "a,b"), "--alphas"),
    ],
)
def test_commands_refuse_bad_input_in_one_line(args, message):
    p = _run(*args)
    assert p.returncode == 2 and message in p.stderr and "Traceback" not in p.stderr


def test_shipped_probe_files_fit_the_shipped_fieldnets():
    for spec in ("ppo", "imitation", "imitation-k8"):
        agent = load_agent(spec)
        probes = probes_for(agent)
        assert probes is not None, f"no probes for {agent.name} at {probe_path(agent.name)}"
        assert probes.direction is not None
        assert probe_path(agent.name).stat().st_size < 20_000
        level = generate("conflict", 1_000_000)
        decoded = decode_fields(agent, level)
        assert decoded["door"].shape == (agent.net.iterations + 1, level.height, level.width)
        agent.set_steering(level.objects()[0][:2], 1.0)  # the shipped direction loads
        assert agent.steering is not None


def test_steering_shipped_imitation_net_to_a_red_ball_in_a_session_and_clearing_it():
    level = generate("conflict", 1_000_007)  # a red ball at (3, 7); the net's own choice: the blue door at (0, 7)
    assert level.describe_cell(3, 7) == "red ball" and level.describe_cell(0, 7) == "blue door"
    net = load_agent("imitation")
    session = Session(level, [net])

    def next_episode():
        session.reset_episodes()
        for _ in range(500):
            for _run, outcome in session.tick():
                return None if outcome.reached is None else outcome.reached[2]
        raise AssertionError("the episode did not end")

    assert next_episode() == (0, 7)
    plain = net.explain(level).arrows
    net.set_steering((3, 7), 1.0)  # the shipped direction, from assets/probes/imitation-k48.npz
    assert next_episode() == (3, 7)
    assert not np.allclose(net.explain(level).arrows, plain, equal_nan=True)  # explain sees the steered net
    net.clear_steering()
    assert next_episode() == (0, 7)
    assert np.allclose(net.explain(level).arrows, plain, equal_nan=True)


def test_steering_set_during_an_unsteered_first_look_never_lands_in_the_unsteered_cache():
    """The play view's worker computes a first look while the UI thread may steer: the unsteered
    answer must be computed unsteered, so that clearing the steering gives the agent back its own."""
    from reddoor.game.core.observation import CH_AGENT, encode

    agent = load_agent("imitation-k8")
    level = generate("conflict", 1_000_005)
    static = encode(level, level.start)[None, :CH_AGENT]
    clean = agent._per_level_batch(static)[0].copy()
    agent._cache.clear()
    agent._index = type(agent._index)()
    direction = probes_for(agent).direction
    compute = agent._compute

    def steered_midway(level_static, *args):  # the UI thread steers as the first look begins
        agent.set_steering(level.start, 8.0, direction=direction)
        return compute(level_static, *args)

    agent._compute = steered_midway
    agent._per_level_batch(static)
    del agent._compute
    agent.clear_steering()
    np.testing.assert_array_equal(agent._per_level_batch(static)[0], clean)


def test_a_broken_probe_file_is_a_value_error_naming_it(tmp_path):
    for name, data in (("truncated.npz", probe_path("imitation-k8").read_bytes()[:300]), ("garbage.npz", b"not a zip")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=name):
            ProbeSet.load(path)


# -- probe files under the checkpoint's rules (issue 26 item 1) ---------------------------------------
def _probe_file(path, weights, direction=None):
    import json

    from reddoor.agents.probing import PROBE_FORMAT

    meta = {"format": PROBE_FORMAT, "agent": "x", "fingerprint": "f", "fields": ["door"], "r2_distributions": []}
    arrays = {"meta": np.array(json.dumps(meta)), "weights": weights, "bias": np.zeros(weights.shape[:2], np.float32)}
    if direction is not None:
        arrays["direction"] = direction
    np.savez_compressed(path, **arrays)
    return path


def test_a_probe_file_that_expands_to_a_gigabyte_is_refused_before_it_expands(tmp_path):
    from reddoor.agents.probing import ProbeSet

    path = _probe_file(tmp_path / "big.npz", np.zeros((1, 49, 2_700_000), np.float32))  # 0.5 MB on disk, 0.5 GB open
    with pytest.raises(ValueError, match=r"probe file .*big\.npz: arrays too large"):
        ProbeSet.load(path)


@pytest.mark.parametrize("value", [3e38, np.inf, np.nan])
def test_a_probe_direction_that_is_huge_or_not_finite_is_refused(tmp_path, value):
    from reddoor.agents.probing import ProbeSet

    path = _probe_file(tmp_path / "d.npz", np.zeros((1, 9, 8), np.float32), np.full(8, value, np.float32))
    with pytest.raises(ValueError, match=r"probe file .*d\.npz: direction"):
        ProbeSet.load(path)


def test_saving_probes_on_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    import errno

    from reddoor.agents.probing import ProbeSet

    good = ProbeSet("x", "f", ("door",), np.zeros((1, 9, 8), np.float32), np.zeros((1, 9), np.float32))
    path = good.save(tmp_path / "p.npz")
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", full)
    with pytest.raises(OSError):
        good.save(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["p.npz"]
