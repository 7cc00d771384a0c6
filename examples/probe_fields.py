"""Decode a network's probe fields on a level and export them as arrays and PNG images.

    python examples/probe_fields.py [LEVEL] [--agent imitation-k48] [--out probe-fields]

A FieldNet's hidden state after every round is read by its linear probe (the shipped probe files in
assets/probes, fitted by `python main.py probe`) as two per-cell fields: BFS moves to the nearest
door and to the nearest red object. Writes OUT/fields.npz (`door`, `red`: arrays of shape
(rounds + 1, H, W), NaN off the floor) and OUT/door-round-K.png / red-round-K.png for the first,
middle and last round (near = bright). Prints how close the last round is to the true BFS fields (mean absolute error, correlation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from reddoor.agents.loading import load_agent
from reddoor.agents.probing import decode_fields, field_map
from reddoor.game.levels import resolve_level

SCALE = 16  # pixels a cell in the PNGs


def to_png(field: np.ndarray, path: Path) -> Path:
    """A field as a grey image: the nearest cells white, the farthest black, walls dark red."""
    finite = np.isfinite(field)
    img = np.zeros(field.shape + (3,), np.uint8)
    img[~finite] = (90, 20, 20)
    if finite.any():
        lo, hi = np.nanmin(field), np.nanmax(field)
        v = 1.0 - (field[finite] - lo) / max(hi - lo, 1e-6)
        img[finite] = (v[:, None] * 255).astype(np.uint8)
    Image.fromarray(img).resize((field.shape[1] * SCALE, field.shape[0] * SCALE), Image.NEAREST).save(path)
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("level", nargs="?", default="three-ways")
    p.add_argument("--agent", default="imitation-k48")
    p.add_argument("--out", default="probe-fields")
    args = p.parse_args(argv)
    level = resolve_level(args.level)
    agent = load_agent(args.agent)
    fields = decode_fields(agent, level)  # ValueError naming the command when no probe file fits
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "fields.npz", **fields)
    rounds = next(iter(fields.values())).shape[0] - 1
    for name, stack in fields.items():
        for t in sorted({0, rounds // 2, rounds}):
            to_png(stack[t], out / f"{name}-round-{t}.png")
        truth = field_map(level.kind, level.color, name)
        both = np.isfinite(truth) & np.isfinite(stack[-1])
        if both.sum() < 2:
            print(f"{agent.name} on {level.name}: no {name} field to compare (no {name} target reachable)")
            continue
        err = float(np.mean(np.abs(stack[-1][both] - truth[both])))
        r = float(np.corrcoef(stack[-1][both], truth[both])[0, 1])
        print(
            f"{agent.name} on {level.name}: {name} field, round {rounds}: mean |probe - BFS| {err:.2f} moves, r {r:.2f}"
        )
    print(f"wrote {out / 'fields.npz'} and {len(list(out.glob('*.png')))} PNGs in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
