"""The scripts in examples/ run as a researcher would run them, from another folder, and print or
write what their docstrings promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(script: str, *args: str, cwd: Path) -> str:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "REDDOOR_HOME": str(cwd / "home")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_run_level_reports_the_three_ways_split(tmp_path):
    out = run("run_level.py", "three-ways", "--agents", "oracle,reflex", "--episodes", "3", cwd=tmp_path)
    oracle = next(line for line in out.splitlines() if line.startswith("oracle"))
    reflex = next(line for line in out.splitlines() if line.startswith("reflex"))
    assert "O_base 1.00" in oracle and "blue door 3" in oracle
    assert "O_alt 1.00" in reflex and "red ball 3" in reflex


def test_probe_fields_writes_arrays_and_images_of_every_round(tmp_path):
    out = run("probe_fields.py", "three-ways", "--agent", "imitation-k48", "--out", "fields", cwd=tmp_path)
    data = np.load(tmp_path / "fields" / "fields.npz")
    assert set(data.files) == {"door", "red"}
    assert data["door"].shape == (49, 11, 13)  # 48 rounds + the input layer, the level's size
    assert np.isfinite(data["door"]).any() and np.isnan(data["door"]).any()  # floor read, walls not
    assert len(list((tmp_path / "fields").glob("*-round-*.png"))) == 6
    assert re.search(r"door field, round 48: mean \|probe - BFS\| [\d.]+ moves, r ", out)


def test_steering_sends_mesa_to_every_target(tmp_path):
    out = run("steer_and_compare.py", "--agent", "mesa", "--levels", "8", cwd=tmp_path)
    steered = re.search(r"steered  : ends on the target (\d+)/(\d+)", out)
    plain = re.search(r"unsteered: ends on the target (\d+)/(\d+)", out)
    assert steered and plain
    hits, tried = map(int, steered.groups())
    assert tried > 0 and hits == tried  # mesa's planner walks to the object it scores highest
    assert int(plain.group(1)) < tried
