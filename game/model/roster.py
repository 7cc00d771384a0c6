"""Which agents act in the play view: loading them by spec, the chooser's list, unique names, and
the stand-ins that hold their places while they load after the first frame. No pygame. The kinds
themselves come from the one registry, agents/kinds.py."""

from __future__ import annotations

from collections.abc import Callable

from reddoor.agents import kinds as agent_kinds
from reddoor.agents.base import REGISTRY, Agent, make_agent
from reddoor.game.paths import asset_path

Loader = Callable[[str], "tuple[Agent | None, str | None]"]


class PendingAgent(Agent):
    """A panel's agent while the real one loads (after the first frame is shown): never ready,
    never asked to move (PlayModel.ready). Not registered: no spec names it."""

    kind = "pending"

    def __init__(self, spec: str):
        super().__init__(spec)
        self.spec = spec

    def act_batch(self, obs):
        raise RuntimeError(f"{self.name} is still loading")


def load_agent(spec: str) -> tuple[Agent | None, str | None]:
    """An agent for a spec ('ppo', 'oracle', 'mesa-diverse', ...), or None and why not.

    Never raises: a missing or broken checkpoint becomes a status line. The agent remembers its
    spec (`agent.spec`) so the agent chooser can tick it.
    """
    from reddoor.agents.loading import load_agent as load

    try:
        agent, why = load(spec), None
    except Exception as exc:
        agent, why = None, str(exc)
        if spec in REGISTRY and not agent_kinds.is_learned(spec):
            try:
                agent, why = make_agent(spec), None
            except Exception as exc2:
                why = str(exc2)
    if agent is not None:
        agent.spec = spec
        if agent.name == f"{spec}-{_default_distribution(spec)}":  # the shipped default weights: the kind says enough
            agent.name = spec
    return agent, why


def _default_distribution(spec: str) -> str:
    kind = agent_kinds.KINDS.get(agent_kinds.canonical(spec))
    return kind.default_distribution if kind is not None else "train"


def known_kinds() -> list[str]:
    """Agent specs the chooser offers: the kinds, then every other shipped checkpoint (e.g. mesa-diverse)."""
    specs = list(agent_kinds.PLAY_VIEW_DEFAULTS) + [
        k for k in agent_kinds.KINDS if k not in agent_kinds.PLAY_VIEW_DEFAULTS
    ]
    specs += [k for k in sorted(REGISTRY) if k not in specs and agent_kinds.canonical(k) == k]
    folder = asset_path("agents")
    if folder.is_dir():
        from reddoor.agents.loading import shipped_path

        default_weights = {shipped_path(k).stem for k in agent_kinds.learned_kinds()}
        specs += sorted(p.stem for p in folder.glob("*.npz") if p.stem not in default_weights and p.stem not in specs)
    return specs


def spec_of(agent: Agent) -> str:
    return getattr(agent, "spec", None) or agent.kind


def build_roster(specs: list[str], loader: Loader = load_agent) -> tuple[list[Agent], dict[str, str]]:
    """Agents for `specs` and the failures {spec: why}; when a learned kind fails, random joins in."""
    agents, failed = [], {}
    for spec in specs:
        agent, why = loader(spec)
        if agent is None:
            failed[spec] = why or "could not be loaded"
        else:
            agents.append(agent)
    if failed and not any(a.kind == "random" for a in agents):
        agent, _ = loader("random")
        if agent is not None:
            agents.append(agent)
    if not agents:
        agents = [make_agent("oracle")]
    unique_names(agents)
    return agents, failed


def unique_names(agents: list[Agent]) -> None:
    """Two agents of one name become 'ppo' and 'ppo 2'."""
    seen: dict[str, int] = {}
    for a in agents:
        n = seen.get(a.name, 0) + 1
        seen[a.name] = n
        if n > 1:
            a.name = f"{a.name} {n}"


def failure_message(failed: dict[str, str]) -> str:
    if not failed:
        return ""
    first = next(iter(failed.values()))
    first = first.splitlines()[0] if first else ""
    first = first if len(first) <= 110 else first[:109] + "…"
    return f"not loaded: {', '.join(failed)} ({first})"


def describe_agent(spec: str) -> str:
    """The chooser's second line for a spec: the class's first paragraph, or what a variant is."""
    cls = REGISTRY.get(spec)
    if cls is not None:
        return " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
    if "-" in spec:
        kind, *rest = spec.split("-")
        rounds = [r for r in rest if len(r) > 1 and r[0] == "k" and r[1:].isdigit()]
        distribution = "-".join(r for r in rest if r not in rounds)
        what = f"{kind} with {rounds[0][1:]} rounds" if rounds else kind
        return f"{what} trained on the '{distribution}' distribution" if distribution else what
    return ""
