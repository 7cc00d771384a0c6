"""With no screen to open a window on (SSH, a container) and no --smoke-test, the app says so in one
line and exits 2, instead of running forever on SDL's offscreen driver."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def no_display_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env["REDDOOR_HOME"] = str(tmp_path)
    return env


@pytest.mark.parametrize("argv", [[], ["edit", "paper-test"], ["tour"]], ids=["play", "edit", "tour"])
def test_no_display_is_one_line_and_exit_2(tmp_path, argv):
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *argv],
        env=no_display_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in done.stderr.splitlines() if line.startswith("reddoor")]
    assert done.returncode == 2, done.stderr
    assert len(ours) == 1 and "no display" in ours[0] and "--smoke-test" in ours[0]
    assert "Traceback" not in done.stderr


def test_smoke_test_still_runs_without_a_display(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "tour", "--smoke-test"],
        env=no_display_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
