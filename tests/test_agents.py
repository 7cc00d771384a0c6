"""Agents: numpy inference equals torch, checkpoints round-trip and fail clearly, shipped weights
are competent, the app path never imports torch, and short training runs beat random."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from reddoor.agents import nn
from reddoor.agents.checkpoint import CheckpointError, read_checkpoint, save_checkpoint
from reddoor.agents.loading import load_agent, shipped_path
from reddoor.agents.rollout import play, summarise
from reddoor.game.core.batched import LevelPool
from reddoor.game.core.generators import EVAL_SEED_BASE, generate

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [f"{k}-{d}" for k in ("ppo", "imitation", "mesa") for d in ("train", "diverse")]


def _small_fieldnet_checkpoint(tmp_path, **meta_overrides) -> Path:
    torch = pytest.importorskip("torch")
    from reddoor.agents.train.nets import FieldNet

    torch.manual_seed(0)
    net = FieldNet(channels=8, rounds=4, out_channels=5)
    meta = {"kind": "ppo", "architecture": net.config(), "training_distribution": "train", "seed": 0}
    meta.update(meta_overrides)
    return save_checkpoint(tmp_path / "small.npz", net.numpy_state(), meta)


# --- numpy == torch --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "config",
    [
        {"arch": "fieldnet", "channels": 24, "iterations": 48, "out_channels": 5, "in_channels": 11},
        {"arch": "fieldnet", "channels": 24, "iterations": 48, "out_channels": 4, "in_channels": 11},
        {"arch": "fieldnet", "channels": 8, "iterations": 3, "out_channels": 5, "in_channels": 11},
        {"arch": "cellscorer", "hidden": 16, "in_channels": 11},
    ],
)
@pytest.mark.parametrize("side", [5, 15, 32])
def test_numpy_forward_equals_torch(config, side):
    torch = pytest.importorskip("torch")
    from reddoor.agents.train.nets import build

    torch.manual_seed(side)
    net = build(config)
    with torch.no_grad():  # random weights, scaled so the 48-round recurrence neither dies nor explodes
        for p in net.parameters():
            p.copy_(torch.randn_like(p) * (0.1 if p.ndim > 1 else 0.05))
    rng = np.random.default_rng(side)
    x = (rng.random((2, 11, side, side)) < 0.3).astype(np.uint8)
    want = net(torch.as_tensor(x, dtype=torch.float32)).detach().numpy()
    got = nn.build(config, net.numpy_state())(x)
    assert got.shape == want.shape
    scale = max(1.0, float(np.abs(want).max()))
    # float32 through up to 48 weight-tied rounds: BLAS builds differ by ~1e-5 relative (2e-4 at 18 here)
    assert np.abs(got - want).max() <= 1e-4 * scale


# --- checkpoints -----------------------------------------------------------------------------
def test_checkpoint_round_trip(tmp_path):
    path = _small_fieldnet_checkpoint(tmp_path, env_steps=123, command="python main.py train --agent ppo")
    meta, params = read_checkpoint(path)
    assert meta["kind"] == "ppo" and meta["env_steps"] == 123 and meta["obs_layout_version"] == 1
    with np.load(path, allow_pickle=False) as data:  # plain arrays only, no pickle
        assert json.loads(str(data["meta"]))["kind"] == "ppo"
    agent = load_agent(path)
    assert agent.kind == "ppo"
    again = save_checkpoint(tmp_path / "again.npz", params, meta)
    meta2, params2 = read_checkpoint(again)
    assert meta2 == meta and all(np.array_equal(params[k], params2[k]) for k in params)


def _bad_files(tmp_path) -> dict[str, tuple[Path, str]]:
    good = _small_fieldnet_checkpoint(tmp_path)
    raw = good.read_bytes()
    cases = {}
    cases["missing"] = (tmp_path / "nope.npz", "not found")
    (tmp_path / "empty.npz").write_bytes(b"")
    cases["empty"] = (tmp_path / "empty.npz", "empty")
    (tmp_path / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    cases["truncated"] = (tmp_path / "truncated.npz", "truncated")
    flipped = bytearray(raw)
    for i in range(200, min(len(flipped) - 200, 1200)):
        flipped[i] ^= 0x5A
    (tmp_path / "corrupted.npz").write_bytes(bytes(flipped))
    cases["corrupted"] = (tmp_path / "corrupted.npz", "corrupt")
    (tmp_path / "text.npz").write_text("hello, I am not weights\n")
    cases["not an archive"] = (tmp_path / "text.npz", "not a checkpoint")
    np.savez(tmp_path / "nometa.npz", w=np.zeros(3))
    cases["no metadata"] = (tmp_path / "nometa.npz", "no 'meta'")
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"kind": "ppo"}], dtype=object))
    cases["pickled"] = (tmp_path / "pickled.npz", "not a checkpoint")
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}

    def rewrite(name, meta_fn=None, drop=None, reshape=None):
        meta, params = read_checkpoint(good)
        meta = meta_fn(dict(meta)) if meta_fn else meta
        arrays = {f"param/{k}": v for k, v in params.items() if k != drop}
        if reshape:
            arrays[f"param/{reshape}"] = np.zeros((2, 2), np.float32)
        arrays["meta"] = np.array(json.dumps(meta))
        np.savez(tmp_path / name, **arrays)
        return tmp_path / name

    del members
    cases["layout version"] = (rewrite("layout.npz", lambda m: {**m, "obs_layout_version": 99}), "layout version")
    cases["shape mismatch"] = (rewrite("shape.npz", reshape="conv_rec.weight"), "shape mismatch")
    cases["missing array"] = (rewrite("drop.npz", drop="conv_head.bias"), "missing array")
    cases["bad json"] = (rewrite("json.npz", lambda m: m), "")
    return cases


def test_bad_checkpoints_give_clear_errors(tmp_path):
    for case, (path, words) in _bad_files(tmp_path).items():
        if case == "bad json":
            continue
        with pytest.raises(CheckpointError) as err:
            load_agent(str(path))
        message = str(err.value)
        assert str(path) in message, case
        assert words in message, f"{case}: {message}"


def test_wrong_kind_is_named(tmp_path):
    path = _small_fieldnet_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="holds a 'ppo' agent, expected 'mesa'"):
        read_checkpoint(path, expect_kind="mesa")


def test_unknown_agent_name():
    with pytest.raises(ValueError, match="unknown agent"):
        load_agent("nonsense")


# --- shipped weights -------------------------------------------------------------------------
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoint_is_competent_on_unseen_train_levels(name):
    path = shipped_path(*name.split("-"))
    if not path.exists():
        pytest.fail(f"{path} is not shipped")
    agent = load_agent(name)
    meta, _ = read_checkpoint(path)
    for key in (
        "kind",
        "architecture",
        "obs_layout_version",
        "training_distribution",
        "seed",
        "env_steps",
        "wall_time_s",
        "final_o_base_train",
        "command",
    ):
        assert key in meta, key
    pool = LevelPool.from_distribution("train", 50, first_seed=EVAL_SEED_BASE)
    result = summarise(play(agent, pool))
    assert result["o_base"] >= 0.9, result


def test_explain_gives_per_cell_maps():
    level = generate("conflict", EVAL_SEED_BASE + 7)
    for name in ("ppo", "imitation", "mesa"):
        agent = load_agent(name)
        ex = agent.explain(level)
        assert ex.heat is not None and ex.heat.shape == level.kind.shape
        assert np.isnan(ex.heat[level.kind == 1]).all()  # walls
        if ex.arrows is not None:
            assert ex.arrows.shape == level.kind.shape + (4,)


def test_agents_work_on_every_canvas_size():
    for side in (5, 9, 32):
        level = generate("train", 3)
        from reddoor.game.core.observation import encode

        if max(level.height, level.width) > side:
            level = generate("train", 3)
            level.kind, level.color = level.kind[:side, :side].copy(), level.color[:side, :side].copy()
            level.start = (1, 1)
        obs = encode(level, level.start, canvas=max(side, level.height, level.width))
        for name in ("ppo", "imitation", "mesa"):
            a = load_agent(name).act_batch(obs[None])
            assert a.shape == (1,) and 0 <= a[0] < 4


def test_app_path_never_imports_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from reddoor.agents.loading import load_agent\n"
        "from reddoor.game.core.generators import generate\n"
        f"names = {SHIPPED!r} + ['oracle', 'random']\n"
        "level = generate('train', 5)\n"
        "for n in names:\n"
        "    a = load_agent(n); a.act(level, level.start); a.explain(level)\n"
        "import reddoor.lab.experiment\n"
        "assert sys.modules['torch'] is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]


# --- short training runs beat random ---------------------------------------------------------
def _o_base(agent, n=100):
    pool = LevelPool.from_distribution("train", n, first_seed=EVAL_SEED_BASE + 500)
    return summarise(play(agent, pool))["o_base"]


def _trained(kind, tmp_path, **kw):
    pytest.importorskip("torch")
    import importlib

    from reddoor.agents.loading import LEARNED_KINDS

    mod = importlib.import_module(f"reddoor.agents.train.{kind}")
    result = mod.train(mod.Args(threads=1, **kw), str(tmp_path / f"{kind}.npz"))
    net = result["net"]
    path = save_checkpoint(tmp_path / f"{kind}.npz", net.numpy_state(), {"kind": kind, "architecture": net.config()})
    agent = load_agent(path)
    assert isinstance(agent, LEARNED_KINDS[kind])
    return agent


@pytest.mark.slow
def test_short_training_beats_random(tmp_path):
    """Seconds of training with tiny networks: each kind already does better than random moves.
    The two policies act by sampling here (a barely trained greedy policy tends to loop)."""
    random_rate = _o_base(load_agent("random"))
    mesa = _trained("mesa", tmp_path, steps=20_000, pool_size=256)
    classifier = _trained(
        "imitation",
        tmp_path,
        steps=600_000,
        pool_size=256,
        channels=8,
        rounds=8,
        lr=5e-3,
        eval_every=10**6,
        eval_episodes=10,
    )
    ppo = _trained(
        "ppo",
        tmp_path,
        steps=100_000,
        pool_size=128,
        num_envs=64,
        num_steps=32,
        channels=8,
        rounds=8,
        lr=3e-3,
        eval_every=10**6,
        eval_episodes=10,
    )
    classifier.decode = ppo.decode = "sample"
    rates = {"random": random_rate, "mesa": _o_base(mesa), "classifier": _o_base(classifier), "ppo": _o_base(ppo)}
    assert rates["mesa"] > random_rate + 0.5, rates
    assert rates["classifier"] > random_rate + 0.1, rates
    assert rates["ppo"] > random_rate + 0.05, rates


def test_training_is_deterministic_for_a_seed():
    pytest.importorskip("torch")
    from reddoor.agents.train import ppo

    args = dict(
        steps=2048,
        pool_size=64,
        num_envs=32,
        num_steps=32,
        channels=8,
        rounds=4,
        eval_every=10**6,
        eval_episodes=10,
        threads=1,
    )
    first, second = (ppo.train(ppo.Args(**args), "")["net"].numpy_state() for _ in range(2))
    assert all(np.array_equal(first[k], second[k]) for k in first)


def test_reflex_training_views_are_the_egocentric_views_inference_sees():
    torch = pytest.importorskip("torch")
    from reddoor.agents.train.reflex import crop_views, pad_pool
    from reddoor.game.core.batched import LevelPool
    from reddoor.game.core.observation import CH_AGENT, egocentric

    pool = LevelPool.from_distribution("train", 6, first_seed=3)
    static = pool.static[:, :CH_AGENT]
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 6, 20)
    cells = rng.integers(0, pool.canvas, (20, 2))
    want = egocentric(static[levels], cells, 9)
    got = crop_views(pad_pool(static, 9, torch.device("cpu")), torch.as_tensor(levels), torch.as_tensor(cells), 9)
    assert np.array_equal(got.numpy().astype(np.uint8), want)


CH_AGENT_FOR_TEST = 11  # the static channels (wall .. grey); the agent channel is 11


def test_reflex_is_a_bounded_feedforward_net_whose_move_depends_only_on_the_view():
    from reddoor.agents.nn import ReflexMLP
    from reddoor.agents.reflex import ReflexAgent
    from reddoor.game.core.generators import generate
    from reddoor.game.core.observation import encode

    agent = load_agent("reflex")
    net = agent.net
    assert isinstance(net, ReflexMLP)
    # three weight matrices, none shared, nothing applied twice: parameters bounded by the view size
    sizes = {k: v.size for k, v in net.p.items()}
    view = 11 * (2 * net.radius + 1) ** 2
    assert len([k for k in sizes if k.endswith("weight")]) == 3
    assert (
        sum(sizes.values()) <= view * net.config["hidden"] + 2 * net.config["hidden"] ** 2 + 10 * net.config["hidden"]
    )
    # the same view gives the same move, wherever the level sits on the canvas...
    level = generate("open-train", 11)
    small = encode(level, level.start)
    big = encode(level, level.start, canvas=32)
    assert agent.act_batch(small[None])[0] == agent.act_batch(big[None])[0]
    # ...and whatever lies outside the view: on a large maze, change every cell more than 14 away
    for seed in range(50):
        maze = generate("large", seed)
        obs = encode(maze, maze.start)
        r, c = maze.start
        rows, cols = np.indices(obs.shape[1:])
        outside = ((np.abs(rows - r) > net.radius) | (np.abs(cols - c) > net.radius)) & (obs[0] == 0)
        if outside.any():  # floor or objects out of the view
            break
    assert outside.any()
    far = obs.copy()
    far[:CH_AGENT_FOR_TEST, outside] = 0
    far[0, outside] = 1  # all wall out there
    logits = agent.logits(np.stack([obs, far]), np.array([maze.start, maze.start]))
    assert np.array_equal(logits[0], logits[1])
    assert isinstance(agent, ReflexAgent) and agent.name.startswith("reflex")


def test_every_name_a_table_prints_loads_back_as_that_agent():
    for spec in (
        "ppo",
        "imitation",
        "imitation-k8-train",
        "reflex",
        "reflex-train",
        "mesa",
        "ppo-diverse",
        "imitation-diverse",
        "mesa-diverse",
        "classifier",
        "classifier-diverse",
    ):
        name = load_agent(spec).name
        assert load_agent(name).name == name, (spec, name)
    with pytest.raises(CheckpointError, match="file not found"):
        load_agent("imitation-k8-diverse")  # no such shipped net: the K=48 file must not stand in


def test_cached_reflex_moves_are_the_network_moves_step_after_step():
    """The reflex agent keeps its first layer per (level, cell); on a batch it revisits it must pick
    exactly the moves the plain network picks on the same batch, every time."""
    agent = load_agent("reflex-train")
    pool = LevelPool([generate("large", EVAL_SEED_BASE + i) for i in range(6)])
    obs = pool.static.copy()
    rng = np.random.default_rng(3)
    cells = np.stack([rng.integers(0, pool.canvas, 6), rng.integers(0, pool.canvas, 6)], 1)
    obs[np.arange(6), -1, cells[:, 0], cells[:, 1]] = 1
    for rows in ([0, 1, 2, 3, 4, 5], [0, 2, 3, 5], [1, 4], [3], [0, 1, 2, 3, 4, 5]):
        plain = agent.net(agent_views(obs[rows], cells[rows], agent.net.radius)).argmax(1)
        assert agent.act_batch(obs[rows]).tolist() == plain.tolist()


def agent_views(obs, cells, radius):
    from reddoor.game.core.observation import CH_AGENT, egocentric

    return egocentric(obs[:, :CH_AGENT], cells, radius)


def test_level_lookup_never_mixes_levels_whose_fingerprints_collide(monkeypatch):
    """Batched look-ups find a level's cache entry by fingerprint and then check its bytes: two
    different levels with the same fingerprint still get their own entries."""
    from reddoor.agents import policy

    monkeypatch.setattr(policy, "level_fingerprints", lambda static: [7] * len(static))
    index, store = policy.LevelIndex(), {}
    a = np.zeros((1, 11, 9, 9), np.uint8)
    b = a.copy()
    b[0, 1, 4, 4] = 1
    made = []
    make = lambda levels: [made.append(level.copy()) or int(level.sum()) for level in levels]
    assert index.lookup(store, np.concatenate([a, b, a, b]), make) == [0, 1, 0, 1]
    assert len(made) == 2  # each level made once, though it came twice in the batch
    assert index.lookup(store, b, make) == [1] and len(made) == 2


def test_egocentric_views_read_the_level_around_the_agent():
    from reddoor.game.core.observation import CH_WALL, egocentric

    static = np.zeros((2, 11, 5, 5), np.uint8)
    static[:, 3] = np.arange(25).reshape(5, 5) % 2
    view = egocentric(static, np.array([[0, 0], [2, 3]]), 2)
    assert view.shape == (2, 11, 5, 5)
    assert view[0, CH_WALL, :2].all() and view[0, CH_WALL, :, :2].all() and not view[0, CH_WALL, 2:, 2:].any()
    assert np.array_equal(view[1, 3, :, :4], static[1, 3, :, 1:]) and view[1, CH_WALL, :, 4].all()


def _row_outputs(agent, obs: np.ndarray) -> np.ndarray:
    """What a deterministic agent's move is the argmax of, one row per observation: the reflex
    network's logits, a FieldNet's field at the agent's cell; the oracle's move itself."""
    from reddoor.agents.policy import FieldPolicy, agent_cells
    from reddoor.agents.reflex import ReflexAgent
    from reddoor.game.core.constants import N_ACTIONS
    from reddoor.game.core.observation import CH_AGENT

    cells = agent_cells(obs)
    if isinstance(agent, ReflexAgent):
        return agent.net.head(agent._hidden_rows(obs, cells))
    if isinstance(agent, FieldPolicy):
        fields = agent._per_level_batch(obs[:, :CH_AGENT])
        return np.stack([field[:N_ACTIONS, r, c] for field, (r, c) in zip(fields, cells.tolist())])
    return agent.act_batch(obs).astype(np.float32)


@pytest.mark.parametrize(
    "spec", ["oracle", "reflex-train", "reflex-open-train", "imitation-train", "imitation-k8-train"]
)
def test_a_deterministic_agents_move_depends_on_its_own_row_alone(spec):
    """Agent.deterministic: the move for one observation, and the numbers it is the argmax of, have
    the same bits in any batch, of any size, with any other rows (play_together relies on it to end
    loops early). On a small canvas (FieldNets pad it with wall) and on large levels."""
    from reddoor.game.core.constants import FLOOR
    from reddoor.game.core.observation import CH_AGENT

    assert load_agent(spec).deterministic
    rng = np.random.default_rng(11)
    small = [lv for lv in (generate("train", 4_000_000 + i) for i in range(60)) if max(lv.height, lv.width) <= 11][:12]
    large = [generate(d, 4_100_000 + i) for d in ("large", "conflict") for i in range(6)]
    for levels in (small, large):
        pool = LevelPool(levels)
        obs = np.repeat(pool.static, 4, 0)
        for k in range(len(obs)):  # the agent on a random floor cell of its level
            floor = np.argwhere(pool.kind[k // 4] == FLOOR)
            r, c = floor[rng.integers(len(floor))]
            obs[k, CH_AGENT, r, c] = 1
        agent = load_agent(spec)
        whole = _row_outputs(load_agent(spec), obs).view(np.uint32)
        moves = load_agent(spec).act_batch(obs)
        for size in (1, 2, 3, 5, 8, 17, 40):
            rows = np.sort(rng.choice(len(obs), size=size, replace=False))
            for who, a in (("fresh", load_agent(spec)), ("warm", agent)):
                np.testing.assert_array_equal(
                    _row_outputs(a, obs[rows]).view(np.uint32),
                    whole[rows],
                    err_msg=f"{pool.canvas}-cell canvas, {size} rows, {who}",
                )
                np.testing.assert_array_equal(a.act_batch(obs[rows]), moves[rows])
