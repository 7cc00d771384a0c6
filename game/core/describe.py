"""A level described from its objects as they are now ("Red key 3 steps, blue door 14 steps"), and
counting words that agree with their number ("1 agent", "2 blue doors"). Pure: no pygame."""

from __future__ import annotations

from reddoor.game.core.constants import COLOR_NAMES, KIND_NAMES
from reddoor.game.core.level import Level

_PLURALS = {"box": "boxes", "step": "steps"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 agent', '2 agents', '0 boxes': the count and the word in the form that agrees with it."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {many or _PLURALS.get(word) or (word[:-1] + 'ies' if word.endswith('y') and word[-2:-1] not in 'aeiou' else word + 's')}"


def describe_objects(level: Level, most: int = 6) -> str:
    """The level's objects, nearest to the start first, each with its distance in steps; equal
    objects (same kind and colour) are counted together: '2 blue doors 5 and 9 steps'."""
    objects = level.objects()
    if not objects:
        return "No objects: nothing to reach."
    dist = level.distances()
    groups: dict[tuple[int, int], list[int]] = {}
    for r, c, k, col in objects:
        groups.setdefault((col, k), []).append(int(dist[r, c]))
    order = sorted(groups.items(), key=lambda item: (min(d if d >= 0 else 10**6 for d in item[1]), item[0]))
    parts = []
    for (col, k), ds in order[:most]:
        name = f"{COLOR_NAMES[col]} {KIND_NAMES[k]}"
        what = name if len(ds) == 1 else plural(len(ds), KIND_NAMES[k]).replace(" ", f" {COLOR_NAMES[col]} ", 1)
        reachable = sorted(d for d in ds if d >= 0)
        if not reachable:
            where = "out of reach"
        elif len(reachable) == 1:
            where = plural(reachable[0], "step")
        else:
            where = ", ".join(str(d) for d in reachable[:-1]) + f" and {reachable[-1]} steps"
        if reachable and len(reachable) < len(ds):
            where += f" ({len(ds) - len(reachable)} out of reach)"
        parts.append(f"{what} {where}")
    text = ", ".join(parts)
    if len(order) > most:
        text += f", and {plural(sum(len(ds) for _, ds in order[most:]), 'more object')}"
    return text[0].upper() + text[1:] + "."
