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
    dist = np.full((h, w), UNREACHABLE, np.int32)
    queue = deque()
    for r, c in zip(*np.nonzero(targets)):
        dist[r, c] = 0
        queue.append((int(r), int(c)))
    floor = (kind == FLOOR).tolist()
    while queue:
        r, c = queue.popleft()
        d = dist[r, c] + 1
        for dr, dc in ACTION_DELTAS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < h and 0 <= cc < w and floor[rr][cc] and dist[rr, cc] == UNREACHABLE:
                dist[rr, cc] = d
                queue.append((rr, cc))
    return dist


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
