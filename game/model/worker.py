"""The agents' slow work off the UI thread: each agent's first look at a changed level, and the
selected agent's explanation. No pygame: the play model asks, this holds the thread pool and answers.

An agent's first look at a level can be slow (a learned network runs over every cell; a recolour
makes it a new level). That look (Agent.prepare: it fills the agent's caches and draws no random
number, so an episode depends on its seed alone) happens on a worker thread so the view never
freezes; the agent sits out the steps until it is ready.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from reddoor.agents.base import Agent, Explanation
from reddoor.game.core.level import Level

THINK_WAIT = 0.004  # seconds a frame waits for quick agents' first look at a changed level


def level_key(level: Level) -> bytes:
    """What an agent sees of a level: its walls, objects and colours (a recolour is a new key)."""
    return level.kind.tobytes() + level.color.tobytes()


def steering_key(agent: Agent) -> str:
    """What the agent computes with besides the level: its steering (game/model/steering.py) and its
    thinking rounds. A steered network, or one given more rounds, is a new network to look again with."""
    return repr((getattr(agent, "steering", None), agent.rounds))


@dataclass
class FirstLook:
    """An agent's first look at the level with key `level_key`, running or done."""

    level_key: bytes
    future: Future
    steering: str = "None"  # the agent's steering when the look was asked for


@dataclass(frozen=True)
class ExplainKey:
    """Which explanation: of this agent object, on these walls and objects, with these colours."""

    agent_id: int
    kinds: bytes
    colours: bytes
    steering: str = "None"

    @classmethod
    def of(cls, agent: Agent, level: Level) -> ExplainKey:
        return cls(id(agent), level.kind.tobytes(), level.color.tobytes(), steering_key(agent))


@dataclass
class ExplainJob:
    key: ExplainKey
    future: Future


@dataclass(frozen=True)
class Explained:
    """A finished explanation; `version` counts them (the renderer's cache keys on it)."""

    key: ExplainKey
    explanation: Explanation | None
    version: int
    error: str | None = None


def _think(agent: Agent, level: Level, cell: tuple[int, int]) -> None:
    agent.prepare(level, cell)  # the per-level work, cached for the steps that follow; no move drawn


class AgentWorker:
    """The thread pool behind the play view."""

    def __init__(self, threads: int = 4):
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="agents-think")
        self._looks: dict[int, FirstLook] = {}  # id(run) -> its first look at the level as it is now
        self._job: ExplainJob | None = None
        self.explained: Explained | None = None
        self._version = 0

    # -- first looks ---------------------------------------------------------------------------
    def ready(self, run) -> bool:
        look = self._looks.get(id(run))
        return look is None or look.future.done()

    def warm_up(self, runs, level: Level, wait_s: float = THINK_WAIT) -> list[tuple[object, str]]:
        """Start a first look for every agent whose last look was at another level; wait `wait_s`
        for the quick ones (planners, reflex), never for a network's whole-level pass. Returns the
        (run, error) of looks that raised."""
        key = level_key(level)
        live = {id(r) for r in runs}
        for stale in [k for k in self._looks if k not in live]:
            del self._looks[stale]
        pending = []
        for run in runs:
            look = self._looks.get(id(run))
            steer = steering_key(run.agent)
            # A changed steering is a new look too: one started under the old steering may have
            # computed with a mix of old and new, and the agent does not file that one under either.
            if run.error is None and (look is None or look.level_key != key or look.steering != steer):
                if look is not None:
                    look.future.cancel()
                future = self._pool.submit(_think, run.agent, level.copy(), run.world.agent)
                self._looks[id(run)] = FirstLook(key, future, steer)
                if not getattr(run.agent, "slow_first_look", False):
                    pending.append(future)
        if pending and wait_s > 0:
            wait(pending, timeout=wait_s)
        failed = []
        for run in runs:
            look = self._looks.get(id(run))
            if run.error is None and look is not None and look.future.done() and not look.future.cancelled():
                exc = look.future.exception()
                if exc is not None:
                    failed.append((run, f"{type(exc).__name__}: {exc}"))
        return failed

    # -- explanations ------------------------------------------------------------------------------
    @property
    def explaining(self) -> bool:
        return self._job is not None

    def forget_explanation(self) -> None:
        self.explained = None

    def refresh_explanation(self, agent: Agent, level: Level, wait_s: float = 0.0) -> Explained | None:
        """Ask `agent` to explain `level` as it is now (on the pool) unless it has; collect a finished
        job. Returns the explanation just collected, if one was."""
        key = ExplainKey.of(agent, level)
        job = self._job
        if job is not None and job.key != key:
            job.future.cancel()
            job = self._job = None
        if job is None:
            if self.explained is not None and self.explained.key == key:
                return None
            job = self._job = ExplainJob(key, self._pool.submit(agent.explain, level.copy()))
        if wait_s:
            wait([job.future], timeout=wait_s)
        if not job.future.done():
            return None
        self._job = None
        error = None
        try:
            expl = job.future.result()
        except Exception as exc:
            expl, error = None, f"{type(exc).__name__}: {exc}"
        self._version += 1
        self.explained = Explained(key, expl, self._version, error)
        return self.explained

    def explanation_for(self, agent: Agent, level: Level) -> Explanation | None:
        """The latest explanation of `agent` on these walls. While a new one is being worked out
        after a recolour, the last one for the same walls and agent stays up."""
        e = self.explained
        if e is None or e.key.agent_id != id(agent) or e.key.kinds != level.kind.tobytes():
            return None
        return e.explanation

    def submit(self, fn, *args) -> Future:
        """Other slow work on the same pool (the roster's first load, after the first frame)."""
        return self._pool.submit(fn, *args)

    def cancel(self) -> None:
        """Drop queued work (the app is closing or the view is covered; the pool stays usable)."""
        for look in self._looks.values():
            look.future.cancel()
        self._looks.clear()  # looked at again when the view comes back
        if self._job is not None:
            self._job.future.cancel()
            self._job = None
