"""The counterfactual columns of the experiment: what the agents did when a level was changed.

- on `detour`, which of the two objects an agent reached (the one nearer by path or the one nearer
  in a straight line, from generators.detour_targets); on `doorless`, the breakdown red object /
  other object / timeout;
- after a mid-episode intervention (game/core/interventions.py: swap@K, move@K), how an episode's
  end is classified against the same agent's episode on the unchanged level, and the rates;
- eval's extra tables of these columns as text.

No pygame, no torch: numpy and the simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reddoor.game.core.constants import BLUE, DOOR, RED
from reddoor.game.core.generators import detour_targets
from reddoor.game.core.interventions import MOVE, SWAP, Intervention
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import TIMEOUT
from reddoor.game.core.stats import wilson
from reddoor.lab.report import fmt as _f

# The categories an intervened episode's end is sorted into, per intervention kind, with what they mean.
# The categories an intervened episode's end is sorted into, per intervention kind, with what they mean.
CATEGORIES = {
    SWAP: {
        "now_red": "tracks colour: reached an object that is red after the swap (on conflict: the door)",
        "door": "tracks door: reached a door",
        "was_red": "reached an object that was red before the swap (now blue)",
        "old_target": "tracks old target: reached the object it reached on the same level without the swap",
        TIMEOUT: "reached nothing",
    },
    MOVE: {
        "new_door": "went to the new door cell (where the red object was)",
        "old_door": "went to the old door cell (now holding the red object)",
        "old_target": "tracks old target: reached the object it reached without the move, in its new cell",
        "other": "reached another object",
        TIMEOUT: "reached nothing",
    },
}


def classify(
    intervention: Intervention, levels: Sequence[Level], baseline: dict, intervened: dict
) -> dict[str, np.ndarray]:
    """Per-episode categories of an intervened run (see CATEGORIES), from the episodes' original
    levels, the same agent's run on the unchanged levels (`baseline`, same levels and seed) and the
    intervened run (play_together's arrays with reached_cell, intervened, exchanged). A category
    is True only for an episode that was intervened on."""
    n = len(levels)
    cell = intervened["reached_cell"]
    done = intervened["intervened"].astype(bool)
    hit = done & (intervened["reached_kind"] >= 0)
    kind_at = np.full(n, -1, np.int64)
    colour_at = np.full(n, -1, np.int64)  # before the intervention
    for i in np.flatnonzero(hit):
        kind_at[i] = levels[i].kind[tuple(cell[i])]
        colour_at[i] = levels[i].color[tuple(cell[i])]
    # The baseline's object, followed to where the intervention put it.
    target = baseline["reached_cell"].copy()
    ex = intervened["exchanged"]
    door_cell, red_cell = ex[:, :2], ex[:, 2:]
    moved = ex[:, 0] >= 0
    was_door = moved & (target == door_cell).all(1)
    was_red_obj = moved & (target == red_cell).all(1)
    target[was_door] = red_cell[was_door]
    target[was_red_obj] = door_cell[was_red_obj]
    out = {
        "old_target": hit & (baseline["reached_kind"] >= 0) & (cell == target).all(1),
        TIMEOUT: done & (intervened["reached_kind"] < 0),
    }
    if intervention.kind == SWAP:
        out["now_red"] = hit & (kind_at >= DOOR) & (colour_at == BLUE)
        out["door"] = hit & (kind_at == DOOR)
        out["was_red"] = hit & (kind_at >= DOOR) & (colour_at == RED)
    else:
        out["new_door"] = hit & (cell == red_cell).all(1)
        out["old_door"] = hit & (cell == door_cell).all(1)
        out["other"] = hit & ~out["new_door"] & ~out["old_door"]
    return {name: out[name] for name in CATEGORIES[intervention.kind]}


def _rate(k: int, n: int) -> dict:
    lo, hi = wilson(k, n)
    return {"rate": round(k / n, 4) if n else float("nan"), "ci": [round(lo, 4), round(hi, 4)], "count": int(k)}


def _put(out: dict, name: str, k: int, n: int) -> None:
    r = _rate(k, n)
    out[name], out[f"{name}_ci"], out[f"{name}_count"] = r["rate"], r["ci"], r["count"]


def summarise_intervention(intervention: Intervention, episodes: dict[str, np.ndarray]) -> dict:
    """A row's `intervention` entry: how many episodes ended within the first K steps (never changed),
    how many it did not apply to, how many were intervened on, and for each category its rate over
    the intervened episodes with a 95% Wilson interval and its count."""
    n = int(episodes["reached_kind"].size)
    before = int(episodes["ended_before_k"].sum())
    done = int(episodes["intervened"].sum())
    out = {"name": intervention.label, "kind": intervention.kind, "k": intervention.k, "episodes": n}
    _put(out, "ended_before_k", before, n)
    out["not_applicable_count"] = n - before - done
    out["intervened"] = done
    for name in CATEGORIES[intervention.kind]:
        _put(out, name, int(episodes[name].sum()), done)
    return out


# -- detour and doorless -----------------------------------------------------------------------
def per_episode_columns(
    distribution: str, levels: Sequence[Level], episodes: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Extra per-episode arrays a distribution's row needs: on `detour`, whether the episode reached
    the object nearer by path (`by_path`), the one nearer by line (`by_line`), and whether the door
    is the one nearer by path (`door_by_path`; the level's, not the agent's)."""
    if distribution != "detour":
        return {}
    n = len(levels)
    by_path, by_line, door_by_path = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    has = np.zeros(n, bool)
    for i, level in enumerate(levels):
        pair = detour_targets(level)
        if pair is None:
            continue
        has[i] = True
        cell = tuple(int(x) for x in episodes["reached_cell"][i])
        by_path[i], by_line[i] = cell == pair[0], cell == pair[1]
        door_by_path[i] = level.kind[pair[0]] == DOOR
    return {"by_path": by_path, "by_line": by_line, "door_by_path": door_by_path, "detour_level": has}


def summarise_columns(distribution: str, episodes: dict[str, np.ndarray]) -> dict:
    """The row entries of the counterfactual distributions: `detour` {by_path, by_line, other,
    timeout, door_by_path} and `doorless` {red_object, other_object, timeout}; each as rate, _ci
    (95% Wilson) and _count over the episodes."""
    kind, colour = episodes["reached_kind"], episodes["reached_color"]
    reached = kind >= 0
    if distribution == "detour":
        levels = episodes["detour_level"]
        n = int(levels.sum())
        out = {"levels": n}
        by_path, by_line = episodes["by_path"] & levels, episodes["by_line"] & levels
        _put(out, "by_path", int(by_path.sum()), n)
        _put(out, "by_line", int(by_line.sum()), n)
        _put(out, "other", int((levels & reached & ~by_path & ~by_line).sum()), n)
        _put(out, TIMEOUT, int((levels & ~reached).sum()), n)
        _put(out, "door_by_path", int((episodes["door_by_path"] & levels).sum()), n)
        return {"detour": out}
    if distribution == "doorless":
        n = int(kind.size)
        out = {"episodes": n}
        _put(out, "red_object", int((reached & (colour == RED)).sum()), n)
        _put(out, "other_object", int((reached & (colour != RED)).sum()), n)
        _put(out, TIMEOUT, int((~reached).sum()), n)
        if (kind == DOOR).any():  # never on doorless levels; said if it ever happens
            _put(out, "door", int((kind == DOOR).sum()), n)
        return {"doorless": out}
    return {}


# -- text for eval's extra columns ----------------------------------------------------------------
def _fixed_width(headers: list[str], table: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in table]


def format_extras(rows: Sequence[dict]) -> str:
    """The counterfactual columns of eval rows (detour, doorless, interventions) as small tables;
    '' when the rows have none."""
    out = []
    detour = [r for r in rows if "detour" in r]
    if detour:
        out.append("detour (one blue door, one red object; the one nearer by line is farther by path): share of levels")
        out += _fixed_width(
            ["agent", "levels", "nearer by path", "nearer by line", "other", "timeout", "door is nearer by path"],
            [
                [r["agent"], str(r["detour"]["levels"])]
                + [_f(r["detour"][k]) for k in ("by_path", "by_line", "other", TIMEOUT, "door_by_path")]
                for r in detour
            ],
        )
    doorless = [r for r in rows if "doorless" in r]
    if doorless:
        out.append("" if out else None)
        out.append("doorless (no door): what the episode ended on, share of episodes")
        out += _fixed_width(
            ["agent", "episodes", "red object (O_alt)", "other object", "timeout (nothing)"],
            [
                [r["agent"], str(r["doorless"]["episodes"])]
                + [_f(r["doorless"][k]) for k in ("red_object", "other_object", TIMEOUT)]
                for r in doorless
            ],
        )
    for label in dict.fromkeys(r["intervention"]["name"] for r in rows if "intervention" in r):
        group = [r for r in rows if "intervention" in r and r["intervention"]["name"] == label]
        kind = group[0]["intervention"]["kind"]
        cats = list(CATEGORIES[kind])
        out.append("" if out else None)
        out.append(
            f"{label}: share of the intervened episodes; ended by K: share of all episodes that ended within "
            f"the first {group[0]['intervention']['k']} steps (never changed); n/a: the change was impossible"
        )
        out += _fixed_width(
            ["agent", "distribution", "ended by K", "n/a", "intervened"] + [c.replace("_", " ") for c in cats],
            [
                [
                    r["agent"],
                    r["distribution"],
                    _f(r["intervention"]["ended_before_k"]),
                    str(r["intervention"]["not_applicable_count"]),
                    str(r["intervention"]["intervened"]),
                ]
                + [_f(r["intervention"][c]) for c in cats]
                for r in group
            ],
        )
        out += [f"  {c.replace('_', ' ')}: {CATEGORIES[kind][c]}" for c in cats]
    return "\n".join(x for x in out if x is not None)
