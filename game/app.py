"""The window and the main loop (a stack of scenes moved by the transitions they return) and the
explicit scene registry."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from reddoor.game.blas import limit_blas_threads

# Before numpy loads: one BLAS thread. The agents' per-level forward passes run on a worker thread
# beside the UI; a BLAS spread over every core starves the UI thread (game/blas.py has the figures).
limit_blas_threads()
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402  (after the thread settings above)

from reddoor.game.scenes.base import Pop, Push, Quit, Replace, Transition  # noqa: E402

WINDOW_SIZE = (1280, 760)
FPS = 60
SMOKE_FRAMES = 300


def _play(*args, **kwargs):
    from reddoor.game.scenes.play import PlayScene

    return PlayScene(*args, **kwargs)


def _edit(*args, **kwargs):
    from reddoor.game.scenes.editor import EditorScene

    return EditorScene(*args, **kwargs)


# Scenes by the names transitions use (each scene class says its own: Scene.registry_name). Each is
# imported when first opened, so the play view's first frame does not wait for the editor's
# modules; the imports are explicit, which PyInstaller sees (it cannot see imports made by
# scanning folders).
SCENES: dict[str, Callable] = {"play": _play, "edit": _edit}


HEADLESS_DRIVERS = ("offscreen", "dummy")  # SDL's drivers that draw into memory, not on a screen


class NoDisplay(RuntimeError):
    """There is no screen to open a window on, and the user did not ask to run headless."""


class App:
    """Owns the window and the stack of scenes: events go to the top scene, then update, draw,
    after_frame, flip. Scenes move the stack only by the transitions they return (game/scenes/base.py)."""

    def __init__(self, size=WINDOW_SIZE, headless: bool = False, title: str = "Red Door"):
        if headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ["SDL_AUDIODRIVER"] = "dummy"
        import pygame

        self.pg = pygame
        pygame.display.init()
        driver = pygame.display.get_driver()  # read before quit: afterwards there is none to name
        if not headless and driver in HEADLESS_DRIVERS and os.environ.get("SDL_VIDEODRIVER") != driver:
            # SDL fell back to drawing into memory (no X or Wayland display: SSH, a container): a
            # window nobody can see would run forever, so say so and stop.
            pygame.quit()
            raise NoDisplay(
                f"no display to open a window on (SDL fell back to its '{driver}' driver): run it where there "
                "is a screen (set DISPLAY), or add --smoke-test to run it headless"
            )
        pygame.font.init()
        pygame.display.set_caption(title)
        self._set_icon()
        if not headless:
            size = fit_to_desktop(size, pygame.display.get_desktop_sizes())
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.headless = headless
        self.clock = pygame.time.Clock()
        self.registry = dict(SCENES)
        self.stack: list[tuple[str, object]] = []  # (registry name, scene), bottom first
        self.parked: dict[str, object] = {}  # scenes set aside by Pop, by registry name

    def _set_icon(self) -> None:
        from reddoor.game.paths import asset_path

        icon = asset_path("icon.png")
        if icon.is_file():
            try:
                self.pg.display.set_icon(self.pg.image.load(str(icon)))
            except self.pg.error:
                pass

    @property
    def top(self):
        return self.stack[-1][1]

    def run(
        self,
        scene,
        max_frames: int | None = None,
        script: Callable[[int, object, App], None] | None = None,
        fps: int = FPS,
    ) -> dict:
        """Run until the window closes or a scene returns Quit (or `max_frames`); returns timings."""
        pg = self.pg
        name = getattr(scene, "registry_name", "") or next(
            (n for n, f in self.registry.items() if isinstance(f, type) and isinstance(scene, f)), type(scene).__name__
        )
        self.stack, self.parked = [(name, scene)], {}
        scene.enter(None, {})
        scene.resize(self.screen.get_size())
        frame, frame_ms = 0, []
        start = last = time.perf_counter()
        running = True
        while running and (max_frames is None or frame < max_frames):
            if script is not None:
                script(frame, self.top, self)
            events = pg.event.get()
            for i, event in enumerate(events):
                before = self.top
                if event.type == pg.QUIT:
                    running = not self._close()
                elif event.type in (pg.VIDEORESIZE, pg.WINDOWSIZECHANGED):
                    before.resize(self.screen.get_size())
                    continue
                else:
                    transition = before.handle_event(event)
                    if transition is not None:
                        running = self._follow(transition, before)
                if not running:
                    break
                if self.top is not before:
                    for rest in events[i + 1 :]:  # the rest belong to the scene now on top
                        pg.event.post(rest)
                    break
            if not running:
                break
            now = time.perf_counter()
            dt, last = min(0.25, now - last), now
            source = self.top
            transition = source.update(dt)
            if transition is not None and not self._follow(transition, source):
                break
            scene = self.top
            scene.draw(self.screen)
            scene.after_frame(self.screen)
            pg.display.flip()
            frame_ms.append((time.perf_counter() - now) * 1000)
            frame += 1
            if frame == 1 and os.environ.get("REDDOOR_FIRST_FRAME_EXIT"):
                print("first-frame", flush=True)  # bench.startup times launch -> this line
                break
            if not self.headless:
                self.clock.tick(fps)
        for _, s in self.stack:
            s.leave()
        return self._timings(frame, start, frame_ms)

    def _close(self, agreed=None) -> bool:
        """The window is closing (or `agreed` returned Quit): every other scene may ask first, the top
        one first, then those beneath and those set aside. True when the app should end now."""
        for i in range(len(self.stack) - 1, -1, -1):
            name, scene = self.stack[i]
            if scene is agreed:
                continue
            if scene.request_close() is None:  # it is asking the user: show it, above those that agreed
                while len(self.stack) > i + 1:
                    self._set_aside()
                scene.resize(self.screen.get_size())
                return False
        for name, scene in list(self.parked.items()):
            if scene is not agreed and scene.request_close() is None:
                del self.parked[name]
                self.top.leave()
                self.stack.append((name, scene))
                scene.enter(self.stack[-2][0], {})
                scene.resize(self.screen.get_size())
                return False
        return True

    def _set_aside(self) -> object:
        name, scene = self.stack.pop()
        scene.leave()
        self.parked[name] = scene
        return scene

    def _follow(self, transition: Transition, source) -> bool:
        """Act on a transition returned by `source` (the top scene); False when the app should end."""
        if isinstance(transition, Quit):
            return not self._close(agreed=source)
        if isinstance(transition, Pop):
            if len(self.stack) == 1:
                return not self._close(agreed=source)
            self._set_aside()
            self.top.enter(self.stack[-2][0] if len(self.stack) > 1 else None, dict(transition.result))
        elif isinstance(transition, (Push, Replace)):
            factory = self.registry.get(transition.scene)
            if factory is None:
                print(f"warning: no scene named {transition.scene!r}", file=sys.stderr)
                return True
            if isinstance(transition, Replace):
                self.stack.pop()[1].leave()
            else:
                self.top.leave()
            below = self.stack[-1][0] if self.stack else None
            opened = self.parked.pop(transition.scene, None)
            if opened is None:
                opened = factory(**transition.args)
                opened.enter(below, {})
            else:
                opened.enter(below, dict(transition.args))
            self.stack.append((transition.scene, opened))
        else:
            raise TypeError(f"not a transition: {transition!r}")
        self.top.resize(self.screen.get_size())
        return True

    @staticmethod
    def _timings(frames: int, start: float, frame_ms: list[float]) -> dict:
        elapsed = max(1e-9, time.perf_counter() - start)
        return {
            "frames": frames,
            "seconds": elapsed,
            "fps": frames / elapsed,
            "frame_ms_p50": float(np.percentile(frame_ms, 50)) if frame_ms else 0.0,
            "frame_ms_p99": float(np.percentile(frame_ms, 99)) if frame_ms else 0.0,
        }

    def resize(self, size) -> None:
        self.screen = self.pg.display.set_mode(size, self.pg.RESIZABLE)

    def close(self) -> None:
        self.pg.display.quit()


def fit_to_desktop(size: tuple[int, int], desktops: list[tuple[int, int]]) -> tuple[int, int]:
    """The window size, shrunk to leave room for the title bar and task bar on a small screen."""
    if not desktops:
        return size
    dw, dh = desktops[0]
    return (max(320, min(size[0], int(dw * 0.95))), max(240, min(size[1], int(dh * 0.88))))


def open_level(level_name: str | None):
    """The level to start on, or (None, message): a bad name still opens the view, with the error shown."""
    from reddoor.game.core.level_io import LevelFormatError
    from reddoor.game.levels import resolve_level

    try:
        return resolve_level(level_name), ""
    except LevelFormatError as exc:
        if level_name:
            print(f"warning: {exc}", file=sys.stderr)
            return None, f"could not open {level_name!r}: {exc.problem}"
        return None, ""


def _open(**kwargs) -> App | None:
    """The App, or None after one line on stderr saying why no window can open."""
    try:
        return App(**kwargs)
    except NoDisplay as exc:
        print(f"reddoor: error: {exc}", file=sys.stderr)
        return None


def run_play(
    level_name: str | None = None, smoke_test: bool = False, frames: int = SMOKE_FRAMES, agents: list[str] | None = None
) -> int:
    """`python main.py [play] [LEVEL] [--agents SPECS] [--smoke-test]`: the play view; returns the exit code."""
    app = _open(headless=smoke_test)
    if app is None:
        return 2
    try:
        level, message = open_level(level_name)
        if smoke_test:
            from reddoor.game.smoke import play_smoke_test

            return play_smoke_test(app, level, frames, agents)
        scene = _play(level, status=message, defer_agents=True, specs=agents)  # agents load once the first frame shows
        app.run(scene)
        if scene.recorder.recording:
            scene.recorder.stop(background=False)
        return 0
    finally:
        app.close()


def run_tour(smoke_test: bool = False) -> int:
    """`python main.py tour [--smoke-test]`: the play view running the presenter's tour from its first step."""
    app = _open(headless=smoke_test, title="Red Door — tour")
    if app is None:
        return 2
    try:
        if smoke_test:
            from reddoor.game.smoke import tour_smoke_test

            return tour_smoke_test(app)
        scene = _play(None, status="the tour: → next, ← back, Esc leaves it")
        scene.start_tour()
        app.run(scene)
        return 0
    finally:
        app.close()


def run_edit(level_name: str | None = None, smoke_test: bool = False) -> int:
    """`python main.py edit [LEVEL] [--smoke-test]`: the level editor; returns the exit code."""
    from reddoor.game.levels import find_level_file
    from reddoor.game.scenes.editor import EditorScene

    app = _open(headless=smoke_test, title="Red Door — editor")
    if app is None:
        return 2
    try:
        level, message = open_level(level_name)
        if smoke_test:
            from reddoor.game.smoke import edit_smoke_test

            return edit_smoke_test(app, level)
        path = find_level_file(level_name) if level is not None and level_name else None
        app.run(EditorScene(level, path, status=message))
        return 0
    finally:
        app.close()
