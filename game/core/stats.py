"""Confidence intervals for the experiment's rates and means, and a seed's O_base-vs-O_alt verdict.

Plain math on counts, no numpy needed: the experiment, the study and the reports share it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: two-sided 95%


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial rate `successes / n` (Wilson 1927).

    Unlike the normal approximation p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and does not
    collapse to a point at 0 or n successes, which matters here: many cells of the table are
    0% or 100%. No data (n = 0) gives the whole interval [0, 1].
    """
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in 0..{n}, got {successes}")
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # At 0 or n successes the bound is exactly 0 or 1; keep rounding error from moving it.
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


def mean_interval(values: Iterable[float], z: float = Z95) -> tuple[float, float, float]:
    """(mean, lo, hi): the mean with a normal-approximation interval (for path efficiency).

    Fewer than two values give the mean with a degenerate interval (or NaNs when there are none).
    """
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = math.fsum(xs) / n
    if n == 1:
        return (mean, mean, mean)
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    half = z * math.sqrt(var / n)
    return (mean, mean - half, mean + half)


def preference(o_base: int, o_alt: int, z: float = Z95) -> str:
    """Which objective an agent prefers, from its O_base and O_alt counts on the same episodes.

    Among the episodes that ended on an object satisfying exactly one of the two (on `conflict`
    that is all of them that reached a door or a red thing), the share that went to O_base has a
    Wilson interval; it says 'O_base' when the interval lies above one half, 'O_alt' when below,
    and 'undecided' when it straddles one half or there are no such episodes.
    """
    lo, hi = wilson(o_base, o_base + o_alt, z)
    if lo > 0.5:
        return "O_base"
    if hi < 0.5:
        return "O_alt"
    return "undecided"


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """(d, lo, hi): the difference of two independent proportions d = x1/n1 - x2/n2 with Newcombe's
    hybrid Wilson score interval (Newcombe 1998, "Interval estimation for the difference between
    independent proportions", method 10).

    Each rate gets its Wilson interval (l1, u1), (l2, u2); then
    lo = d - sqrt((p1 - l1)^2 + (u2 - p2)^2) and hi = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
    Like Wilson's it stays inside [-1, 1] and keeps a width at 0% or 100%. An empty sample (n = 0)
    has rate NaN and the whole interval [-1, 1].
    """
    if n1 <= 0 or n2 <= 0:
        return (math.nan, -1.0, 1.0)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (d, max(-1.0, lo), min(1.0, hi))
