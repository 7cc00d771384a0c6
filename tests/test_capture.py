"""Screenshots and GIFs land in fresh files: never through a planted symlink, never over a file."""

import os
import types

import pygame
import pytest
from PIL import Image

from reddoor.game.render import capture

STAMP = "20260101-120000"


@pytest.fixture
def fixed_clock(monkeypatch):
    """The names are predictable: reddoor-<stamp>.png; pin the stamp so the test can plant them."""
    monkeypatch.setattr(capture, "time", types.SimpleNamespace(strftime=lambda fmt: STAMP))


def surface(colour=(200, 30, 30)) -> pygame.Surface:
    s = pygame.Surface((32, 24))
    s.fill(colour)
    return s


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")
def test_screenshot_skips_a_symlink_planted_at_its_name(tmp_path, fixed_clock):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    missing = tmp_path / "would-be-created"
    (shots / f"reddoor-{STAMP}.png").symlink_to(victim)
    (shots / f"reddoor-{STAMP}-2.png").symlink_to(missing)  # a dangling one too

    path = capture.save_screenshot(surface(), shots)

    assert victim.read_text() == "precious" and not missing.exists()
    assert path == shots / f"reddoor-{STAMP}-3.png" and not path.is_symlink()
    with Image.open(path) as im:
        assert im.size == (32, 24) and im.convert("RGB").getpixel((5, 5)) == (200, 30, 30)


def test_screenshots_never_overwrite_each_other(tmp_path, fixed_clock):
    paths = [capture.save_screenshot(surface(c), tmp_path) for c in [(255, 0, 0), (0, 0, 255)]]
    assert [p.name for p in paths] == [f"reddoor-{STAMP}.png", f"reddoor-{STAMP}-2.png"]
    colours = [Image.open(p).convert("RGB").getpixel((0, 0)) for p in paths]
    assert colours == [(255, 0, 0), (0, 0, 255)]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")
def test_gif_recording_skips_a_symlink_planted_at_its_name(tmp_path, fixed_clock):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / f"reddoor-{STAMP}.gif").symlink_to(victim)
    rec = capture.GifRecorder(fps=10)
    path = rec.start(tmp_path)
    for colour in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]:
        rec.capture(surface(colour), 0.1)
    assert rec.stop(background=False) == path == tmp_path / f"reddoor-{STAMP}-2.gif"
    assert rec.result == ("saved", str(path)) and victim.read_text() == "precious"
    with Image.open(path) as im:
        assert im.n_frames == 3
        im.seek(2)
        assert im.convert("RGB").getpixel((1, 1)) == (0, 0, 255)


def test_a_recording_with_no_frames_leaves_no_empty_file(tmp_path):
    rec = capture.GifRecorder()
    path = rec.start(tmp_path)
    assert path.exists()  # the name is taken at once, so nothing can be planted there meanwhile
    assert rec.stop(background=False) is None and rec.result == ("failed", "no frames were recorded")
    assert list(tmp_path.iterdir()) == []
