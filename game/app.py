"""The window and the main loop, the explicit scene registry, and the play view's smoke test."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

# Before numpy loads: one BLAS thread. The agents' per-level forward passes run on a worker thread
# beside the UI; a BLAS spread over every core starves the UI thread, and on these small matrices
# it is slower anyway (measured on 2 busy cores: a 25x25 level's first look 1100 ms -> 30 ms).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402  (after the thread settings above)

WINDOW_SIZE = (1280, 760)
FPS = 60
SMOKE_FRAMES = 300


def _scenes() -> dict[str, Callable]:
    """Scenes by name, imported explicitly (PyInstaller cannot see imports made by scanning folders)."""
    from game.scenes.play import PlayScene
    scenes: dict[str, Callable] = {"play": PlayScene}
    try:
        from game.scenes import editor
    except ImportError:
        editor = None
    if editor is not None:
        cls = getattr(editor, "EditorScene", None) or getattr(editor, "EditScene", None)
        if cls is not None:
            scenes["edit"] = cls
    return scenes


class App:
    """Owns the window: events go to the scene, then update, draw, after_frame, flip."""

    def __init__(self, size=WINDOW_SIZE, headless: bool = False, title: str = "Red Door"):
        if headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ["SDL_AUDIODRIVER"] = "dummy"
        import pygame
        self.pg = pygame
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption(title)
        self._set_icon()
        if not headless:
            size = fit_to_desktop(size, pygame.display.get_desktop_sizes())
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.headless = headless
        self.clock = pygame.time.Clock()

    def _set_icon(self) -> None:
        from game.paths import asset_path
        icon = asset_path("icon.png")
        if icon.is_file():
            try:
                self.pg.display.set_icon(self.pg.image.load(str(icon)))
            except self.pg.error:
                pass

    def run(self, scene, max_frames: int | None = None, script: Callable[[int, object, "App"], None] | None = None,
            fps: int = FPS) -> dict:
        """Run until the window closes or the scene asks to quit (or `max_frames`); returns timings.

        Scenes stack: a scene that sets `next_scene` to a registered name opens that scene over
        itself (the editor's "Try it", the play view's "edit"); asking for the scene just beneath
        goes back to it, which gets `resume(**next_args)`.
        """
        pg = self.pg
        self.registry = _scenes()
        self.stack = [scene]
        self.parked: dict[str, object] = {}  # scenes set aside by going back, by registry name
        scene.resize(self.screen.get_size())
        frame, frame_ms = 0, []
        start = last = time.perf_counter()
        while max_frames is None or frame < max_frames:
            if script is not None:
                script(frame, self.stack[-1], self)
            events = pg.event.get()
            for i, event in enumerate(events):
                if event.type == pg.QUIT:
                    if not self._close_request():
                        return self._timings(frame, start, frame_ms)
                    continue
                if event.type in (pg.VIDEORESIZE, pg.WINDOWSIZECHANGED):
                    self.stack[-1].resize(self.screen.get_size())
                    continue
                self.stack[-1].handle_event(event)
                if getattr(self.stack[-1], "next_scene", None) is not None:
                    for rest in events[i + 1:]:  # the rest belong to the next scene
                        pg.event.post(rest)
                    break
            if not self._follow():
                break
            scene = self.stack[-1]
            now = time.perf_counter()
            dt, last = min(0.25, now - last), now
            scene.update(dt)
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
        return self._timings(frame, start, frame_ms)

    def _close_request(self) -> bool:
        """The window is closing: every scene may ask first (the editor, about unsaved edits), the
        top one first, then those beneath and those set aside. False when the app should end now."""
        event = self.pg.event.Event(self.pg.QUIT)
        while self.stack:
            top = self.stack[-1]
            if top.handle_event(event) and getattr(top, "next_scene", None) != "quit":
                return True
            if len(self.stack) == 1:
                break
            self.stack.pop()
        for name, scene in list(self.parked.items()):
            if scene.handle_event(event) and getattr(scene, "next_scene", None) != "quit":
                del self.parked[name]
                self.stack.append(scene)  # show its question
                scene.resize(self.screen.get_size())
                return True
        return False

    def _follow(self) -> bool:
        """Act on the top scene's `next_scene`; False when the app should end."""
        top = self.stack[-1]
        name = getattr(top, "next_scene", None)
        if name is None:
            return True
        args = dict(getattr(top, "next_args", None) or {})
        top.next_scene = None
        if name == "quit":
            if len(self.stack) > 1:
                self.stack.pop()
            return self._close_request()
        factory = self.registry.get(name)
        if factory is None:
            print(f"warning: no scene named {name!r}", file=sys.stderr)
            return True
        top_name = next((n for n, f in self.registry.items() if isinstance(top, f)), None)
        if len(self.stack) > 1 and isinstance(self.stack[-2], factory):
            # Back to the scene beneath; the one left is set aside to come back to as it was.
            if top_name is not None:
                self.parked[top_name] = self.stack.pop()
            else:
                self.stack.pop()
            _resume(self.stack[-1], args)
        else:
            opened = self.parked.pop(name, None)
            if opened is not None:
                _resume(opened, args)
            else:
                opened = factory(**args)
            opened.parent_name = top_name
            self.stack.append(opened)
        self.stack[-1].resize(self.screen.get_size())
        return True

    @staticmethod
    def _timings(frames: int, start: float, frame_ms: list[float]) -> dict:
        elapsed = max(1e-9, time.perf_counter() - start)
        return {"frames": frames, "seconds": elapsed, "fps": frames / elapsed,
                "frame_ms_p50": float(np.percentile(frame_ms, 50)) if frame_ms else 0.0,
                "frame_ms_p99": float(np.percentile(frame_ms, 99)) if frame_ms else 0.0}

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


def _resume(scene, args: dict) -> None:
    """A scene comes back to the top: `resume(**args)`, or for a scene without it, the level."""
    scene.next_scene = None
    if hasattr(scene, "resume"):
        scene.resume(**args)
    elif "level" in args and hasattr(scene, "set_level"):
        scene.set_level(args["level"], "edited")


def open_level(level_name: str | None):
    """The level to start on, or (None, message): a bad name still opens the view, with the error shown."""
    from game.core.level_io import LevelFormatError
    from game.levels import resolve_level
    try:
        return resolve_level(level_name), ""
    except LevelFormatError as exc:
        if level_name:
            print(f"warning: {exc}", file=sys.stderr)
            return None, f"could not open {level_name!r}: {exc.problem}"
        return None, ""


def run_play(level_name: str | None = None, smoke_test: bool = False, frames: int = SMOKE_FRAMES) -> int:
    """`python main.py [play] [LEVEL] [--smoke-test]`: the play view; returns the exit code."""
    app = App(headless=smoke_test)
    try:
        level, message = open_level(level_name)
        if smoke_test:
            return _smoke_test(app, level, frames)
        scene = _scenes()["play"](level, status=message)
        app.run(scene)
        if scene.recorder.recording:
            scene.recorder.stop(background=False)
        return 0
    finally:
        app.close()


def run_edit(level_name: str | None = None, smoke_test: bool = False) -> int:
    """`python main.py edit [LEVEL] [--smoke-test]`: the level editor; returns the exit code."""
    from game.levels import find_level_file
    from game.scenes.editor import EditorScene, run_smoke_test
    app = App(headless=smoke_test, title="Red Door — editor")
    try:
        level, message = open_level(level_name)
        if smoke_test:
            return run_smoke_test(app, level)
        path = find_level_file(level_name) if level is not None and level_name else None
        app.run(EditorScene(level, path, status=message))
        return 0
    finally:
        app.close()


# -- the smoke test -------------------------------------------------------------------------------
def _smoke_test(app: App, level, frames: int) -> int:
    """Headless: recolour by clicks and keys, toggle the overlay, explain, palette, help, menus,
    screenshot and GIF, tiny and large windows; check the effects; print frames per second."""
    import pygame
    from game.core.constants import DOOR, RED, BLUE
    from game.scenes.play import SPEEDS, PlayScene

    out = Path(tempfile.mkdtemp(prefix="reddoor-smoke-"))

    def folder(name: str) -> Path:
        p = out / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    scene = PlayScene(level, output_dir=folder)
    scene.speed_index = len(SPEEDS) - 1  # fast: many episodes in a few hundred frames
    scene.hold_seconds = 0.0
    failures: list[str] = []

    def key(k, mod=0, uni=""):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))

    def object_pixel():
        objects = scene.level.objects()
        if not objects:
            return None, None
        r, c, _, _ = objects[0]
        panel = scene.layout.panels[0]
        return (r, c), (panel.board.left + c * panel.tile + panel.tile // 2, panel.board.top + r * panel.tile + panel.tile // 2)

    state: dict = {}

    def script(frame: int, sc, a: App) -> None:
        if frame == 10:
            cell, pixel = object_pixel()
            if cell is not None:
                state["cell"], state["before"] = cell, int(sc.level.color[cell])
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pixel, button=1))
        elif frame == 12 and "cell" in state:
            after = int(sc.level.color[state["cell"]])
            if after != (state["before"] + 1) % 6:
                failures.append(f"click did not recolour {state['cell']}: {state['before']} -> {after}")
            if any(int(r.world.level.color[state["cell"]]) != after for r in sc.runs):
                failures.append("an agent's world does not share the recoloured level")
        elif frame == 20:
            state["reds"] = int(((sc.level.kind >= DOOR) & (sc.level.color == RED)).sum())
            state["blues"] = int(((sc.level.kind >= DOOR) & (sc.level.color == BLUE)).sum())
            key(pygame.K_x, uni="x")
        elif frame == 22:
            reds = int(((sc.level.kind >= DOOR) & (sc.level.color == RED)).sum())
            if reds != state["blues"]:
                failures.append("X did not swap red and blue")
        elif frame == 30:
            key(pygame.K_d, uni="d")
        elif frame == 40:
            key(pygame.K_v, uni="v")
        elif frame == 50:
            key(pygame.K_v, uni="v")
        elif frame == 60:
            key(pygame.K_e, uni="e")
        elif frame == 70:
            key(pygame.K_TAB)
            key(pygame.K_e, uni="e")
        elif frame == 80:
            key(pygame.K_c, uni="c")
            key(pygame.K_F1)
        elif frame == 90:
            key(pygame.K_ESCAPE)
            key(pygame.K_o, uni="o")
        elif frame == 95:
            key(pygame.K_DOWN)
            key(pygame.K_DOWN)
            key(pygame.K_SPACE, uni=" ")
            key(pygame.K_RETURN)
        elif frame == 100:
            key(pygame.K_F12)
            key(pygame.K_F9)
        elif frame == 140:
            key(pygame.K_F9)
        elif frame == 150:
            a.resize((40, 30))
            sc.resize((40, 30))
        elif frame == 160:
            a.resize((3, 2))
            sc.resize((3, 2))
        elif frame == 170:
            a.resize((1600, 900))
            sc.resize((1600, 900))
            key(pygame.K_l, uni="l")
        elif frame == 175:
            key(pygame.K_RETURN)
        elif frame == 180:
            key(pygame.K_g, uni="g")
        elif frame == 182:
            key(pygame.K_DOWN)
            key(pygame.K_RETURN)
        elif frame == 190:
            key(pygame.K_n, uni="n")
            key(pygame.K_SPACE, uni=" ")
            key(pygame.K_PERIOD, uni=".")
            key(pygame.K_SPACE, uni=" ")
        elif frame == 200:
            cell, pixel = object_pixel()
            if pixel is not None:
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pixel, button=3))

    stats = app.run(scene, max_frames=frames, script=script)
    # Let the GIF writer finish, then check the captures exist.
    for _ in range(200):
        if not scene.recorder.writing:
            break
        time.sleep(0.05)
    shots = list((out / "screenshots").glob("*.png")) if (out / "screenshots").is_dir() else []
    gifs = list((out / "recordings").glob("*.gif")) if (out / "recordings").is_dir() else []
    if not shots:
        failures.append("no screenshot was written")
    if not gifs:
        failures.append("no GIF was written")
    totals = sum(r.tally.episodes for r in scene.runs)
    if totals == 0:
        failures.append("no episode finished")
    for run in scene.runs:
        t = run.tally
        if t.episodes < t.neither + t.timeouts:
            failures.append(f"{run.name}: totals do not add up")
    print(f"smoke-test: {stats['frames']} frames, {stats['fps']:.0f} fps "
          f"(frame p50 {stats['frame_ms_p50']:.1f} ms, p99 {stats['frame_ms_p99']:.1f} ms), "
          f"{len(scene.runs)} agents ({', '.join(r.name for r in scene.runs)}), {totals} episodes ended")
    if scene.agent_failures:
        print(f"smoke-test: note: {', '.join(scene.agent_failures)} not loaded")
    for f in failures:
        print(f"smoke-test FAILED: {f}")
    return 1 if failures else 0
