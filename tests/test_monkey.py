"""The UI monkey: thousands of seeded random events through the real App loop, across the play view
and the editor (Try it, Ctrl+E, menus, prompts, dialogs, resizes, window closes), asserting that
nothing raises and that a level file on disk changes only by a save.

REDDOOR_MONKEY_EVENTS sets how many events (10 000 by default); REDDOOR_MONKEY_SEED the seed.
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import random
from pathlib import Path

import pygame
import pytest

from reddoor.game.scenes.editor import EDITOR_BINDINGS
from reddoor.game.scenes.keymap import BINDINGS

EVENTS = int(os.environ.get("REDDOOR_MONKEY_EVENTS", "10000"))
SEED = int(os.environ.get("REDDOOR_MONKEY_SEED", "0"))
PER_FRAME = 25
TEXT = ["a", "7", " ", "x", "é", "12x9", "3", "\ufe0f", "\u200b", "a\x00b", "\ud800", "monkey", "\U0001f600"]
SPECIAL = [
    pygame.K_RETURN,
    pygame.K_ESCAPE,
    pygame.K_BACKSPACE,
    pygame.K_UP,
    pygame.K_DOWN,
    pygame.K_LEFT,
    pygame.K_RIGHT,
    pygame.K_DELETE,
    pygame.K_HOME,
    pygame.K_END,
    pygame.K_SPACE,
    pygame.K_TAB,
    pygame.K_d,
    pygame.K_s,
    pygame.K_o,
]


def _keys():
    # Every documented key of both scenes, but no GIF recording (its 30 s of frames would make the
    # run slow without exercising more of the UI).
    keys = [k for b in BINDINGS + EDITOR_BINDINGS if b.command != "record" for k in b.keys]
    return keys


@pytest.mark.slow
def test_random_events_through_the_real_loop_break_nothing_and_change_files_only_by_saving(tmp_path, monkeypatch):
    from reddoor.agents import kinds
    from reddoor.game.app import App
    from reddoor.game.core.level_io import format_level, load_level, save_level
    from reddoor.game.levels import resolve_level
    from reddoor.game.scenes.editor import EditorScene, dialogs

    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(kinds, "PLAY_VIEW_DEFAULTS", ("oracle", "random"))  # quick agents: the UI is under test
    levels = tmp_path / "home" / "levels"
    levels.mkdir(parents=True)
    mine = levels / "mine.level"
    save_level(resolve_level("paper-test"), mine)
    saved: dict[Path, str] = {}  # every file a save wrote, with what it wrote last
    real_save = dialogs.save_level

    def recording_save(level, path):
        out = real_save(level, path)
        saved[Path(path).resolve()] = format_level(level)
        return out

    monkeypatch.setattr(dialogs, "save_level", recording_save)
    before = {p.resolve(): p.read_text() for p in levels.glob("*.level")}

    rng = random.Random(SEED)
    keys = _keys()
    sent = {"events": 0, "runs": 0}
    tops: dict[str, int] = {}  # frames each scene was on top

    def event(size):
        w, h = size
        roll = rng.random()
        pos = (rng.randrange(-10, w + 10), rng.randrange(-10, h + 10))
        if roll < 0.30:
            return rng.choice(keys).event()
        if roll < 0.38:
            return pygame.event.Event(pygame.KEYDOWN, key=rng.choice(SPECIAL), mod=0, unicode="", scancode=0)
        if roll < 0.46:
            return pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(TEXT))
        if roll < 0.62:
            return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=rng.choice([1, 1, 1, 2, 3]), mod=0)
        if roll < 0.80:
            return pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(1, 0, 0))
        if roll < 0.95:
            return pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=rng.choice([1, 2, 3]))
        if roll < 0.997:
            return pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=rng.choice([-1, 1]), flipped=False)
        return pygame.event.Event(pygame.QUIT)

    def script(frame, top, app):
        tops[type(top).__name__] = tops.get(type(top).__name__, 0) + 1
        if rng.random() < 0.01:
            size = rng.choice([(1280, 760), (1024, 700), (640, 400), (300, 200)])
            app.resize(size)
            top.resize(size)
        for _ in range(PER_FRAME):
            if sent["events"] >= EVENTS:
                pygame.event.post(pygame.event.Event(pygame.QUIT))
                break
            pygame.event.post(event(app.screen.get_size()))
            sent["events"] += 1

    app = App(headless=True)
    try:
        while sent["events"] < EVENTS:  # a run ends when the monkey quits; the next starts afresh
            sent["runs"] += 1
            app.resize((1280, 760))
            pygame.event.clear()
            app.run(EditorScene(load_level(mine), mine), max_frames=EVENTS // PER_FRAME + 50, script=script)
    finally:
        app.close()

    after = {p.resolve(): p.read_text() for p in levels.glob("*.level")}
    for path, text in after.items():
        if path in saved:
            assert text == saved[path], f"{path.name} differs from what was saved to it"
        else:
            assert before.get(path) == text, f"{path.name} changed without a save"
    assert sent["events"] >= EVENTS and sent["runs"] >= 1
    print(f"monkey: {sent['events']} events in {sent['runs']} runs; frames on top: {tops}; saved {len(saved)} files")
    assert tops.get("PlayScene", 0) > 0 and tops.get("EditorScene", 0) > 0  # both scenes were driven
