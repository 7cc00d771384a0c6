"""The play view's model without a window: the state and the keys' actions of game/model/play.py,
driven headless as the play scene drives it; episodes reproducible from their seeds; the agents
loaded after the first frame."""

from __future__ import annotations

import time

import numpy as np

from reddoor.agents.base import Agent
from reddoor.agents.loading import load_agent
from reddoor.game.core.constants import BLUE, DOOR, RED
from reddoor.game.core.generators import generate
from reddoor.game.model import PlayModel
from reddoor.game.model.roster import PendingAgent


def _episode_trails(model: PlayModel, limit_s: float = 30.0) -> list[list[tuple[int, int]]]:
    """Each agent's path over its first episode, ticking the model as the view does."""
    trails: dict[int, list] = {}
    end = time.perf_counter() + limit_s
    while len(trails) < len(model.runs) and time.perf_counter() < end:
        model.update(1 / model.speed)  # one step per update, after the agents' first looks
        for i, run in enumerate(model.runs):
            if run.world.done and i not in trails:
                trails[i] = list(run.world.trail)
        if not model.ready(model.runs[0]):
            time.sleep(0.002)
    assert len(trails) == len(model.runs), "an episode did not end in time"
    return [trails[i] for i in range(len(model.runs))]


def _agents():
    return [load_agent("ppo"), load_agent("random"), load_agent("mesa:commit=softmax:1"), load_agent("reflex")]


def test_a_play_view_episode_is_reproducible_from_its_seed():
    """Sampling ppo, random and mesa draw only at their moves: their first looks at the level run
    on the worker thread (Agent.prepare) and draw nothing, so a play-view episode is the episode
    its seed gives, the same as the agents stepped with no worker at all, and the same twice."""
    from reddoor.game.model.session import Session

    level = generate("conflict", 1_000_007)

    def model():
        m = PlayModel(level.copy(), _agents(), catalogue=[])
        m.hold_seconds = 0.0
        return m

    first, second = _episode_trails(model()), _episode_trails(model())
    plain = Session(level.copy(), _agents())  # the same seeds, no worker, no first looks
    plain_trails: dict[int, list] = {}
    for _ in range(1000):
        plain.tick()
        plain_trails.update(
            {i: list(r.world.trail) for i, r in enumerate(plain.runs) if r.world.done and i not in plain_trails}
        )
    assert first == second == [plain_trails[i] for i in range(len(plain.runs))]
    assert load_agent("ppo").decoding == "sample"  # the case that drew on the worker thread before
    assert len({tuple(t) for t in first}) > 1  # the agents did not all walk the same path


def test_prepare_draws_no_random_number():
    level = generate("conflict", 1_000_011)
    for spec in ("ppo", "imitation", "reflex", "mesa", "oracle", "random"):
        agent = load_agent(spec)
        agent.reset(5)
        before = agent.rng.bit_generator.state if hasattr(agent, "rng") else None
        agent.prepare(level, level.start)
        after = agent.rng.bit_generator.state if hasattr(agent, "rng") else None
        assert before == after, spec
        fresh = load_agent(spec)
        fresh.reset(5)
        agent.reset(5)
        assert agent.act(level, level.start) == fresh.act(level, level.start), spec


def test_the_default_line_up_loads_after_the_first_frame():
    level = generate("conflict", 1_000_013)
    m = PlayModel(level, catalogue=[], defer_agents=True)
    assert m.pending and all(isinstance(r.agent, PendingAgent) for r in m.runs)
    assert m.thinking() == [r.name for r in m.runs] and "loading" in m.status
    m.update(1.0)  # no steps while they load, and nothing asks a stand-in to move
    assert all(r.world.steps == 0 for r in m.runs)
    m.start_loading()
    end = time.perf_counter() + 60
    while m.pending and time.perf_counter() < end:
        m.update(0.0)
        time.sleep(0.01)
    assert not m.pending and not any(isinstance(r.agent, PendingAgent) for r in m.runs)
    assert {r.agent.kind for r in m.runs} >= {"ppo", "imitation", "mesa", "oracle"}
    assert "Click an object" in m.status


class _Stands(Agent):
    kind = "stands"

    def act_batch(self, obs):
        return np.zeros(len(obs), np.int64)


def test_the_keys_interventions_are_the_labs():
    """X and M do what swap@K and move@K do in the lab (game/core/interventions.py), now."""
    from reddoor.game.core.interventions import Intervention

    level = generate("conflict", 1_000_017)
    m = PlayModel(level.copy(), [_Stands()], catalogue=[])
    want, _ = Intervention("swap", 0).apply(level, level.start)
    m.intervene("swap")
    assert np.array_equal(m.level.color, want.color) and "swapped red and blue" in m.status
    assert (m.level.color[m.level.kind == DOOR] == BLUE).all() or not (level.color[level.kind == DOOR] == RED).all()
    level2 = generate("conflict", 1_000_019)
    m2 = PlayModel(level2.copy(), [_Stands()], catalogue=[])
    want2 = Intervention("move", 0).apply(level2, level2.start)
    m2.intervene("move")
    assert want2 is not None and np.array_equal(m2.level.kind, want2[0].kind) and "exchanged cells" in m2.status
    assert m2.session.version == 1  # the per-level totals start afresh


def test_the_chooser_describes_a_shipped_variant_by_its_rounds_and_distribution():
    from reddoor.game.model.roster import describe_agent

    assert describe_agent("imitation-k8-train") == "imitation with 8 rounds trained on the 'train' distribution"
    assert describe_agent("ppo-diverse") == "ppo trained on the 'diverse' distribution"
    assert describe_agent("reflex-open-train") == "reflex trained on the 'open-train' distribution"


def test_a_panels_last_episode_is_of_the_level_shown():
    """After a new level (L, N/P, G) the "last:" line must not describe the previous level's episode."""
    from reddoor.game.scenes.play.panels import last_outcome

    m = PlayModel(generate("conflict", 1_000_023), [load_agent("oracle")], catalogue=[])
    m.hold_seconds = 0.0
    run = m.runs[0]
    for _ in range(200):
        m.tick()
        if run.all_tally.episodes:
            break
    assert last_outcome(run) is not None
    m.generate_again("blue-door")
    assert last_outcome(run) is None and last_outcome(run, all_levels=True) is not None


def test_k_and_shift_k_walk_the_selected_networks_thinking_rounds():
    """K / Shift+K: the selected network thinks for the next / previous rounds of the thinking-time
    ladder (K/2 .. 4K); its name says them, its episode and totals start afresh, and the worker
    looks at the level again with the new rounds; an agent without rounds says so."""
    level = generate("train", 1_000_011)
    model = PlayModel(level.copy(), [load_agent("imitation-k8"), load_agent("oracle")], catalogue=[])
    model.hold_seconds = 0.0
    run = model.runs[0]
    end = time.perf_counter() + 30
    while run.world.steps < 3 and time.perf_counter() < end:  # a few steps, after its first look
        model.update(1 / model.speed)
        time.sleep(0.002)
    assert run.world.steps >= 3
    model.change_rounds(1)
    assert (run.agent.rounds, run.name) == (12, "imitation-k8@12")
    assert run.all_tally.episodes == 0 and run.world.steps == 0
    assert "imitation-k8@12 now thinks for 12 rounds (trained with 8)" in model.status_now()
    for _ in range(3):
        model.change_rounds(-1)
    assert (run.agent.rounds, run.name) == (4, "imitation-k8@4")
    assert "already thinks for the fewest rounds" in model.status_now()
    model.change_rounds(1)
    assert (run.agent.rounds, run.name) == (8, "imitation-k8")
    # the field it acts on is the one its rounds give
    fresh = load_agent("imitation-k8")
    model.warm_up()
    assert np.allclose(run.agent.explain(level).arrows, fresh.explain(level).arrows, equal_nan=True)
    model.select_next()
    model.change_rounds(1)
    assert "oracle has no thinking rounds to change" in model.status_now()
