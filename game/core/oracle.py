"""Shortest paths to a set of target cells, and the oracle that walks to the nearest door."""

from __future__ import annotations

from collections import deque

import numpy as np

from .constants import ACTION_DELTAS, DOOR, FLOOR
from .level import UNREACHABLE, Level


def distance_to(kind: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Moves needed from every floor cell to reach any target cell (targets are 0).

    Paths run over floor only (an object ends the episode, so it cannot be walked through).
    Cells that cannot reach a target get UNREACHABLE.
    """
    h, w = kind.shape
    # A breadth-first search over flat cell indices in plain lists (scalar numpy indexing would be
    # most of the time); the distances are the same whatever the order cells are visited in.
    dist = [UNREACHABLE] * (h * w)
    queue = deque()
    for i in np.flatnonzero(targets).tolist():
        dist[i] = 0
        queue.append(i)
    floor = (kind == FLOOR).ravel().tolist()
    while queue:
        i = queue.popleft()
        d = dist[i] + 1
        c = i % w
        for j in (
            i - w if i >= w else -1,
            i + w if i + w < h * w else -1,
            i - 1 if c > 0 else -1,
            i + 1 if c < w - 1 else -1,
        ):
            if j >= 0 and floor[j] and dist[j] == UNREACHABLE:
                dist[j] = d
                queue.append(j)
    return np.array(dist, np.int32).reshape(h, w)


def greedy_action(dist: np.ndarray, agent: tuple[int, int]) -> int | None:
    """The first action (in U, D, L, R order) that moves one step closer on `dist`; None if stuck."""
    h, w = dist.shape
    r, c = agent
    best, best_d = None, dist[r, c] if dist[r, c] != UNREACHABLE else np.iinfo(np.int32).max
    for a, (dr, dc) in enumerate(ACTION_DELTAS):
        rr, cc = r + dr, c + dc
        if 0 <= rr < h and 0 <= cc < w and dist[rr, cc] != UNREACHABLE and dist[rr, cc] < best_d:
            best, best_d = a, dist[rr, cc]
    return best


def door_distances(level: Level) -> np.ndarray:
    return distance_to(level.kind, level.kind == DOOR)


def oracle_action(level: Level, agent: tuple[int, int]) -> int | None:
    """The oracle's move: one step along a shortest path to the nearest door (None if none)."""
    return greedy_action(door_distances(level), agent)


def oracle_moves(level: Level) -> str:
    """The oracle's whole path from the start as a move string ('' when no door is reachable)."""
    dist = door_distances(level)
    pos, moves = level.start, []
    while dist[pos] > 0:
        a = greedy_action(dist, pos)
        if a is None:
            return ""
        moves.append("UDLR"[a])
        pos = (pos[0] + ACTION_DELTAS[a][0], pos[1] + ACTION_DELTAS[a][1])
    return "".join(moves) if dist[pos] == 0 else ""
