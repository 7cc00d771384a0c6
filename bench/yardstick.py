"""The yardstick: a fixed numpy workload that says how fast this machine is against the reference box.

    python -m bench.yardstick

The workload is pure numpy and frozen (it does not call the project's code, so speeding up the
project never moves the yardstick): a FieldNet-like stack of 3x3 convolutions done by im2col
(the shape our agents' first look has), small MLP matmuls, and batched-env-like array indexing,
all on fixed inputs from a seeded generator. It runs in a fresh child process with one BLAS
thread (what the app and the experiment use), best of 3 passes.

    machine_factor = REFERENCE_SECONDS / measured seconds

so machine_factor > 1 means this box is faster than the reference box, and a time measured here
is worth `measured * machine_factor` reference time ("reference minutes"). Every bench measures it
in the same run and prints `machine_factor=F` on its last line. A busy box measures slower: the
factor then also says how much of one core the bench got. It does not see what sharing cores does
to multi-threaded work: torch with 2 threads on 2 cores, one of them busy elsewhere, was measured
25 times slower while this factor read 0.97 (bench.train prints the load average for that reason).

Last line: yardstick_s=T machine_factor=F
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

# Measured 2026-11-30 (UTC, this box's clock) on the project's 2-core dev box (AMD EPYC, 2 vCPUs;
# the "reference box", where every figure in the README was taken), numpy 2.4.6 with scipy-openblas
# 0.3.31, one BLAS thread: `python -m bench.yardstick` run 5 times while the box was otherwise quiet
# (load average < 1); the five best-of-3 figures were 0.367, 0.368, 0.370, 0.370, 0.372 s and this
# is their median. The workload must never change; if it has to, measure this again on one box whose
# factor against the old yardstick is known, and scale.
REFERENCE_SECONDS = 0.370
REFERENCE_NOTE = "reference box: the 2-core dev box (AMD EPYC), numpy 2.4.6 + scipy-openblas 0.3.31, 1 BLAS thread"


def _inputs():
    import numpy as np

    rng = np.random.default_rng(20250601)
    n, c, s = 16, 24, 25
    return {
        # conv: 16 levels of 25x25, 12 -> 24 channels, then 24 -> 24 rounds (FieldNet-like)
        "x": (rng.random((n, 12, s, s)) < 0.2).astype(np.float32),
        "w_in": (rng.standard_normal((c, 12, 3, 3)) * 0.1).astype(np.float32),
        "w_rec": (rng.standard_normal((c, c, 3, 3)) * 0.07).astype(np.float32),
        "b": (rng.standard_normal(c) * 0.05).astype(np.float32),
        # MLP: a batch of 256 flattened views through 3 layers of 128
        "v": rng.standard_normal((256, 300)).astype(np.float32),
        "w1": (rng.standard_normal((300, 128)) * 0.05).astype(np.float32),
        "w2": (rng.standard_normal((128, 128)) * 0.09).astype(np.float32),
        "w3": (rng.standard_normal((128, 4)) * 0.09).astype(np.float32),
        # indexing: 1024 worlds of 15x15, agents moving with random actions
        "kind": rng.integers(0, 6, size=(1024, 15, 15)).astype(np.uint8),
        "pos": rng.integers(1, 14, size=(1024, 2)),
        "actions": rng.integers(0, 4, size=(192, 1024)),
    }


def _conv3x3(x, w, b):
    """Same-padded 3x3 convolution by im2col (frozen copy; not agents.nn, so the yardstick never moves)."""
    import numpy as np

    n, c, h, wd = x.shape
    xp = np.zeros((n, c, h + 2, wd + 2), np.float32)
    xp[:, :, 1 : 1 + h, 1 : 1 + wd] = x
    cols = np.empty((n, h, wd, c, 3, 3), np.float32)
    for i in range(3):
        for j in range(3):
            cols[..., i, j] = xp[:, :, i : i + h, j : j + wd].transpose(0, 2, 3, 1)
    out = (cols.reshape(n * h * wd, c * 9) @ w.reshape(w.shape[0], -1).T).reshape(n, h, wd, -1).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out + b[None, :, None, None], dtype=np.float32)


def workload(d) -> float:
    """One pass of the fixed workload; returns a checksum (so nothing is optimised away)."""
    import numpy as np

    # 1. convolutions: 1 + 48 rounds on 16 levels
    u = _conv3x3(d["x"], d["w_in"], d["b"])
    h = np.maximum(u, 0)
    for _ in range(48):
        h = _conv3x3(h, d["w_rec"], d["b"])
        h += u
        np.maximum(h, 0, out=h)
    total = float(h.sum())
    # 2. small matmuls: 300 passes of a 3-layer MLP on 256 rows
    for _ in range(300):
        z = np.maximum(d["v"] @ d["w1"], 0)
        z = np.tanh(z @ d["w2"])
        total += float((z @ d["w3"]).argmax(1).sum())
    # 3. indexing: 768 batched steps of 1024 worlds (gather, mask, scatter, reductions)
    kind, pos = d["kind"], d["pos"].copy()
    deltas = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])
    rows = np.arange(len(pos))
    visits = np.zeros(kind.shape, np.int32)
    for a in d["actions"]:
        for _ in range(4):
            nxt = np.clip(pos + deltas[a], 0, kind.shape[1] - 1)
            free = kind[rows, nxt[:, 0], nxt[:, 1]] != 0
            pos = np.where(free[:, None], nxt, pos)
            np.add.at(visits, (rows, pos[:, 0], pos[:, 1]), 1)
            hit = kind[rows, pos[:, 0], pos[:, 1]] >= 4
            total += float(np.flatnonzero(hit).size)
        obs = kind[:, None] == np.arange(6, dtype=np.uint8)[None, :, None, None]
        total += float(obs[:, :, 7, 7].sum()) + float(visits.reshape(len(pos), -1).argmax(1).sum())
    return total


def measure(repeats: int = 3) -> float:
    """Best wall time of `repeats` passes of the workload, in this process (after one warm-up pass)."""
    d = _inputs()
    workload(d)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        workload(d)
        best = min(best, time.perf_counter() - t0)
    return best


def measure_isolated(repeats: int = 3, timeout: float = 120.0) -> float:
    """`measure` in a fresh child process with one BLAS thread (the bench's own threads, imports and
    BLAS settings do not leak in); falls back to this process if the child fails."""
    from reddoor.game.blas import thread_env

    env = thread_env(1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        out = subprocess.run(
            [sys.executable, "-c", f"import bench.yardstick as y; print(y.measure({int(repeats)}))"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return float(out.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return measure(repeats)


def machine_factor(repeats: int = 3) -> float:
    """REFERENCE_SECONDS / measured seconds: > 1 means this box is faster than the reference box."""
    return REFERENCE_SECONDS / measure_isolated(repeats)


def parse_last_line(text: str) -> dict[str, str]:
    """The key=value figures on the last non-empty line of a bench's output."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return {}
    return dict(part.split("=", 1) for part in lines[-1].split() if "=" in part)


def main() -> None:
    seconds = measure_isolated()
    print(f"yardstick: best of 3 passes {seconds:.3f} s (reference {REFERENCE_SECONDS:.3f} s; {REFERENCE_NOTE})")
    print(f"yardstick_s={seconds:.3f} machine_factor={REFERENCE_SECONDS / seconds:.2f}")


if __name__ == "__main__":
    main()
