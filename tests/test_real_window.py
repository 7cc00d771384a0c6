"""The app in a real window: `python main.py` under an X server (Xvfb), driven by real key presses
and clicks (xdotool, through XTEST), looked at through real screenshots (xwd).

Skipped, with the reason, where Xvfb, xdotool or xwd is missing (Debian: apt-get install xvfb
xdotool x11-apps; .ci/run installs them when it can) or the X server will not start.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("Xvfb", "xdotool", "xwd")
MISSING = [t for t in TOOLS if shutil.which(t) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"no {', '.join(MISSING)} here (Debian: apt-get install "
    "xvfb xdotool x11-apps) — the real-window test needs an X server",
)
RED = (228, 45, 45)  # the normal palette's red (game/render/palette.py)


@pytest.fixture(scope="module")
def xserver():
    """A fresh Xvfb on a free display number; its environment for the children."""
    for number in range(90 + os.getpid() % 50, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    # -noreset: by default Xvfb resets when its last client leaves, and the next app cannot connect.
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    env = dict(os.environ, DISPLAY=display)
    for _ in range(100):
        if server.poll() is not None:
            pytest.skip(f"Xvfb would not start: {server.stderr.read().decode(errors='replace')[-300:]}")
        if subprocess.run(["xdotool", "getdisplaygeometry"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    else:
        server.kill()
        pytest.skip("Xvfb did not answer within 10 s")
    yield env
    server.terminate()
    server.wait(timeout=10)


def launch(env, tmp_path, *args):
    child_env = dict(
        env, SDL_VIDEODRIVER="x11", SDL_AUDIODRIVER="dummy", REDDOOR_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT)
    )
    child_env.pop("REDDOOR_FIRST_FRAME_EXIT", None)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    window = find_window(env, proc, "Red Door")
    xdo(env, "mousemove", "--window", window, "20", "20")
    xdo(env, "windowfocus", "--sync", window)
    time.sleep(1.0)  # the first frames
    return proc, window


def find_window(env, proc, title: str, seconds: float = 60.0) -> str:
    """The id of the window whose title starts with `title` (SDL sets it as UTF-8, which
    `xdotool search --name` does not read, so each window's name is asked in turn)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(
                f"the app ended early (exit {proc.returncode}): {proc.stdout.read().decode(errors='replace')[-800:]}"
            )
        ids = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", ""], env=env, capture_output=True, text=True
        ).stdout.split()
        for wid in ids:
            name = subprocess.run(["xdotool", "getwindowname", wid], env=env, capture_output=True, text=True).stdout
            if name.startswith(title):
                return wid
        time.sleep(0.2)
    pytest.fail(f"no window titled {title!r} within {seconds:.0f} s")


def xdo(env, *args):
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=30)


def screenshot(env, window) -> np.ndarray:
    """The window's pixels as an (height, width, 3) uint8 array, read from xwd's dump."""
    raw = subprocess.run(["xwd", "-silent", "-id", window], env=env, capture_output=True, check=True, timeout=30).stdout
    head = np.frombuffer(raw[:100], ">u4")
    header_size, width, height, bpp, line, ncolors = (int(head[i]) for i in (0, 4, 5, 11, 12, 19))
    assert bpp == 32, f"xwd gave {bpp} bits per pixel"
    start = header_size + 12 * ncolors
    words = np.frombuffer(raw[start : start + line * height], "<u4" if head[7] == 0 else ">u4").reshape(
        height, line // 4
    )
    words = words[:, :width]
    return np.stack([(words >> 16) & 255, (words >> 8) & 255, words & 255], axis=-1).astype(np.uint8)


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that differ."""
    return float(np.any(a != b, axis=2).mean()) if a.shape == b.shape else 1.0


def test_the_play_view_answers_real_keys_and_a_click(xserver, tmp_path):
    proc, window = launch(xserver, tmp_path)
    try:
        xdo(xserver, "key", "space")  # pause: from now on only our input changes the picture
        time.sleep(0.5)
        paused = screenshot(xserver, window)
        time.sleep(0.4)
        assert changed(paused, screenshot(xserver, window)) < 0.01, "the picture moves while paused"
        xdo(xserver, "key", "F1")  # the help covers the window
        time.sleep(0.5)
        helped = screenshot(xserver, window)
        assert changed(paused, helped) > 0.3
        xdo(xserver, "key", "Escape")
        time.sleep(0.5)
        back = screenshot(xserver, window)
        assert changed(helped, back) > 0.3
        # Click the middle of a red object: it takes the next colour in every panel.
        red = np.all(np.abs(back.astype(int) - RED) <= 6, axis=2)
        red[:, int(back.shape[1] * 0.6) :] = False  # the panels, not the sidebar's legend
        assert red.sum() > 20, "no red object on the opening level"
        ys, xs = np.nonzero(red)
        x, y = int(xs[0]), int(ys[0])  # the top left of the first red object found
        xdo(xserver, "mousemove", "--window", window, str(x + 2), str(y + 2))
        xdo(xserver, "click", "1")
        time.sleep(0.5)
        clicked = screenshot(xserver, window)
        still_red = np.all(np.abs(clicked.astype(int) - RED) <= 6, axis=2) & red
        assert still_red.sum() < red.sum() / 2, "the click did not recolour the red object"
        xdo(xserver, "key", "x")  # swap red and blue on every object
        time.sleep(0.5)
        assert changed(clicked, screenshot(xserver, window)) > 0.001
        xdo(xserver, "key", "ctrl+q")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        out = proc.stdout.read().decode(errors="replace")
        if proc.returncode not in (0, None, -9):
            print(out)


def test_sigterm_with_unsaved_edits_asks_and_discard_closes(xserver, tmp_path):
    proc, window = launch(xserver, tmp_path, "edit", "tiny-room")
    try:
        xdo(xserver, "key", "ctrl+n")  # a new empty level: an unsaved edit
        time.sleep(0.5)
        before = screenshot(xserver, window)
        proc.send_signal(signal.SIGTERM)  # SDL turns it into a close request: the editor asks
        time.sleep(0.8)
        asking = screenshot(xserver, window)
        assert proc.poll() is None and changed(before, asking) > 0.3
        xdo(xserver, "key", "d")  # Discard
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
