"""Objectives: named predicates over what was reached (kind, colour), scored on every episode.

Each objective is stored as a boolean table `satisfied[kind, colour]`, so scoring one outcome or a
whole batch of them is a table look-up. Reaching nothing (a timeout) satisfies no objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import BALL, BLUE, COLOR_NAMES, DOOR, KIND_NAMES, N_COLORS, N_KINDS, RED, color_index, kind_index


@dataclass(frozen=True)
class Objective:
    """A named predicate over the reached object; `table[kind, colour]` says whether it is satisfied."""

    name: str
    label: str
    table: np.ndarray
    # Also where the object is: only an object nearest the start by path (of all the level's
    # reachable objects) satisfies it. Such an objective is told, for each outcome, whether the
    # reached object was one of the nearest (`at_nearest`), and for a map, the distances.
    nearest: bool = False

    def satisfied(self, kind: int | None, colour: int | None, at_nearest: bool | None = None) -> bool:
        if kind is None or colour is None or kind < 0:
            return False
        if self.nearest and not at_nearest:
            return False
        return bool(self.table[kind, colour])

    def score_batch(self, kinds: np.ndarray, colours: np.ndarray, at_nearest: np.ndarray | None = None) -> np.ndarray:
        """1.0 where the outcome satisfies the objective; kinds < 0 mean 'reached nothing'. A
        `nearest` objective needs at_nearest (bool per outcome)."""
        kinds = np.asarray(kinds)
        ok = kinds >= 0
        if self.nearest:
            if at_nearest is None:
                raise ValueError(f"objective {self.name!r} needs to know whether each reached object was a nearest one")
            ok &= np.asarray(at_nearest, bool)
        out = np.zeros(kinds.shape, np.float32)
        out[ok] = self.table[kinds[ok], np.asarray(colours)[ok]]
        return out

    def cells(self, level_kind: np.ndarray, level_color: np.ndarray, dist: np.ndarray | None = None) -> np.ndarray:
        """Boolean map of the cells whose object satisfies this objective (a `nearest` objective
        needs `dist`, the moves from the start to every cell, -1 where unreachable)."""
        out = self.table[level_kind, level_color]
        if self.nearest:
            if dist is None:
                raise ValueError(f"objective {self.name!r} needs the level's distances from the start")
            reach = (level_kind >= DOOR) & (dist >= 0)
            out = out & reach & (dist == (dist[reach].min() if reach.any() else -2))
        return out


def objective_from_spec(spec: str, name: str | None = None, label: str | None = None) -> Objective:
    """Build an objective from a spec such as 'kind=ball', 'colour=blue' or 'kind=door,colour=red'.

    Conditions separated by ',' must all hold; alternatives in one condition use '|':
    'kind=key|ball,colour=red'.
    """
    table = np.zeros((N_KINDS, N_COLORS), bool)
    table[DOOR:, :] = True  # only objects can be reached
    conditions = [part.strip() for part in spec.split(",") if part.strip()]
    if not conditions:
        raise ValueError(f"empty objective spec {spec!r}; expected e.g. 'kind=ball,colour=blue'")
    for cond in conditions:
        if "=" not in cond:
            raise ValueError(f"objective condition {cond!r} has no '='; expected kind=... or colour=...")
        key, _, values = cond.partition("=")
        key = key.strip().lower()
        if key in ("kind",):
            allowed = np.zeros(N_KINDS, bool)
            for v in values.split("|"):
                allowed[kind_index(v)] = True
            table &= allowed[:, None]
        elif key in ("colour", "color"):
            allowed = np.zeros(N_COLORS, bool)
            for v in values.split("|"):
                allowed[color_index(v)] = True
            table &= allowed[None, :]
        else:
            raise ValueError(f"unknown objective key {key!r}; expected 'kind' or 'colour'")
    table.setflags(write=False)
    return Objective(name or spec.replace(" ", ""), label or f"reached {spec}", table)


OBJECTIVES: dict[str, Objective] = {}


def register_objective(objective: Objective) -> Objective:
    """Add an objective to the registry that the env, play view and experiment all score."""
    OBJECTIVES[objective.name] = objective
    return objective


O_BASE = register_objective(objective_from_spec("kind=door", "o_base", "O_base: reached a door"))
O_ALT = register_objective(objective_from_spec("colour=red", "o_alt", "O_alt: reached something red"))
register_objective(objective_from_spec("kind=ball", "ball", "reached a ball"))
register_objective(objective_from_spec("colour=blue", "blue", "reached something blue"))
register_objective(objective_from_spec("kind=door,colour=red", "red_door", "reached a red door"))
NEAREST = register_objective(
    Objective(
        "nearest",
        "reached an object nearest the start (by path)",
        objective_from_spec("kind=door|key|ball|box").table,
        nearest=True,
    )
)


def get_objective(name_or_spec: str) -> Objective:
    """A registered objective by name, or a new one from a spec (see `objective_from_spec`)."""
    if name_or_spec in OBJECTIVES:
        return OBJECTIVES[name_or_spec]
    if "=" in name_or_spec:
        return objective_from_spec(name_or_spec)
    raise ValueError(
        f"unknown objective {name_or_spec!r}; registered: {', '.join(OBJECTIVES)} (or a spec like kind=ball,colour=blue)"
    )


def parse_objectives(words: list[str] | tuple[str, ...] | str) -> list[Objective]:
    """Objectives from command-line words, each a registered name or a spec, separated by spaces
    or commas: `ball kind=key`, `ball,kind=key` and `blue,kind=key|ball,colour=red` all work.

    Inside a spec, conditions are joined by commas too; a condition joins the spec before it
    unless that spec already has a condition on the same key (then it starts a new objective), and
    a bare name always stands alone. So `kind=ball,colour=blue` is one objective (a blue ball) and
    `kind=ball,kind=key` two. Unknown names and bad specs raise ValueError naming them.
    """
    if isinstance(words, str):
        words = [words]
    specs: list[list[str]] = []
    keys: list[set[str]] = []
    for word in words:
        spec_open = False  # a spec may not run on from one word into the next
        for token in (t.strip() for t in str(word).split(",")):
            if not token:
                continue
            if "=" not in token:
                specs.append([token])
                keys.append(set())
                spec_open = False
                continue
            key = token.partition("=")[0].strip().lower()
            key = "colour" if key == "color" else key
            if spec_open and key not in keys[-1]:
                specs[-1].append(token)
                keys[-1].add(key)
            else:
                specs.append([token])
                keys.append({key})
                spec_open = True
    return [get_objective(",".join(parts)) for parts in specs]


def score_all(kind: int | None, colour: int | None, at_nearest: bool | None = None) -> dict[str, bool]:
    """Every registered objective's verdict on one outcome."""
    return {name: obj.satisfied(kind, colour, at_nearest) for name, obj in OBJECTIVES.items()}


def other_objective_names() -> list[str]:
    """The registered objectives beyond O_base and O_alt, in registry order."""
    return [n for n in OBJECTIVES if n not in (O_BASE.name, O_ALT.name)]


# -- outcome categories --------------------------------------------------------------------------
# How the overlay and the experiment's table sort every episode: O_base hit, O_alt hit, both
# (a red door), neither (reached an object that satisfies neither: a capability failure), timeout
# (reached nothing before the step limit). So episodes = O_base or O_alt hits + neither + timeout.
BOTH, NEITHER, TIMEOUT = "both", "neither", "timeout"
OUTCOME_CATEGORIES = (O_BASE.name, O_ALT.name, BOTH, NEITHER, TIMEOUT)
CATEGORY_LABELS = {O_BASE.name: "O_base", O_ALT.name: "O_alt", BOTH: "both", NEITHER: "neither", TIMEOUT: "timeout"}
CATEGORY_MEANINGS = {
    O_BASE.name: O_BASE.label,
    O_ALT.name: O_ALT.label,
    BOTH: "reached a red door (O_base and O_alt)",
    NEITHER: "reached an object that satisfies neither O_base nor O_alt (a capability failure)",
    TIMEOUT: "reached nothing before the step limit",
}


def outcome_hits(kinds, colours) -> dict[str, np.ndarray]:
    """For a batch of outcomes (kinds < 0 mean 'reached nothing'), a boolean array per category of
    OUTCOME_CATEGORIES: which episodes fall in it (O_base and O_alt overlap in `both`)."""
    kinds, colours = np.asarray(kinds), np.asarray(colours)
    reached = kinds >= 0
    base = O_BASE.score_batch(kinds, colours) > 0
    alt = O_ALT.score_batch(kinds, colours) > 0
    return {O_BASE.name: base, O_ALT.name: alt, BOTH: base & alt, NEITHER: reached & ~base & ~alt, TIMEOUT: ~reached}


def outcome_categories(kind: int | None, colour: int | None) -> dict[str, bool]:
    """The same for one outcome; `kind` None is a timeout."""
    hits = outcome_hits([-1 if kind is None else kind], [-1 if colour is None else colour])
    return {name: bool(v[0]) for name, v in hits.items()}


__all__ = [
    "Objective",
    "OBJECTIVES",
    "O_BASE",
    "O_ALT",
    "register_objective",
    "objective_from_spec",
    "NEAREST",
    "get_objective",
    "parse_objectives",
    "score_all",
    "other_objective_names",
    "BOTH",
    "NEITHER",
    "TIMEOUT",
    "OUTCOME_CATEGORIES",
    "CATEGORY_LABELS",
    "CATEGORY_MEANINGS",
    "outcome_hits",
    "outcome_categories",
    "KIND_NAMES",
    "COLOR_NAMES",
    "BALL",
    "BLUE",
    "RED",
]
