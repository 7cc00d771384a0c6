"""The headless smoke tests CI runs (`python main.py --smoke-test`, `python main.py edit LEVEL
--smoke-test`): synthetic events, frame by frame, through the real App loop; each checks its effects
and returns an exit code."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pygame

from reddoor.game.core.constants import BLUE, DOOR, FLOOR, RED
from reddoor.game.core.editing import Document
from reddoor.game.core.level import Level
from reddoor.game.core.level_io import load_level
from reddoor.game.editor_files import Recovery
from reddoor.game.scenes.editor import EditorScene
from reddoor.game.scenes.play import SPEEDS, PlayScene


# -- the play view -------------------------------------------------------------------------------
def play_smoke_test(app, level, frames: int, specs: list[str] | None = None) -> int:
    """Headless: recolour by clicks and keys, toggle the overlay, explain, palette, help, menus,
    screenshot and GIF, tiny and large windows; check the effects; print frames per second."""

    out = Path(tempfile.mkdtemp(prefix="reddoor-smoke-"))

    def folder(name: str) -> Path:
        p = out / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    scene = PlayScene(level, output_dir=folder, specs=specs)
    scene.model.speed_index = len(SPEEDS) - 1  # fast: many episodes in a few hundred frames
    scene.model.hold_seconds = 0.0
    failures: list[str] = []

    def key(k, mod=0, uni=""):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))

    def object_pixel():
        objects = scene.level.objects()
        if not objects:
            return None, None
        r, c, _, _ = objects[0]
        panel = scene.layout.panels[0]
        return (r, c), (
            panel.board.left + c * panel.tile + panel.tile // 2,
            panel.board.top + r * panel.tile + panel.tile // 2,
        )

    state: dict = {}

    def script(frame: int, sc, a) -> None:
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
    totals = sum(r.all_tally.episodes for r in scene.runs)
    if totals == 0:
        failures.append("no episode finished")
    for run in scene.runs:
        t = run.all_tally
        if t.episodes < t.neither + t.timeouts:
            failures.append(f"{run.name}: totals do not add up")
    print(
        f"smoke-test: {stats['frames']} frames, {stats['fps']:.0f} fps "
        f"(frame p50 {stats['frame_ms_p50']:.1f} ms, p99 {stats['frame_ms_p99']:.1f} ms), "
        f"{len(scene.runs)} agents ({', '.join(r.name for r in scene.runs)}), {totals} episodes ended"
    )
    if scene.model.agent_failures:
        print(f"smoke-test: note: {', '.join(scene.model.agent_failures)} not loaded")
        if specs:  # agents asked for by name must load
            failures += [f"--agents {spec}: {why}" for spec, why in scene.model.agent_failures.items()]
    for f in failures:
        print(f"smoke-test FAILED: {f}")
    return 1 if failures else 0


# -- the editor ------------------------------------------------------------------------------
def edit_smoke_test(app, level: Level | None) -> int:
    """`python main.py edit LEVEL --smoke-test`: headless, drive the editor with synthetic events (paint,
    line, undo/redo, resize, rename, save as, help, Try it and back), save into a temporary folder,
    reload the file and compare it with the same edits made directly on a Document; exit 0 if equal."""
    home = Path(tempfile.mkdtemp(prefix="reddoor-edit-smoke-"))
    os.environ["REDDOOR_HOME"] = str(home)  # the user's own folders are never touched
    level = level.copy() if level is not None else Level.empty(9, 11)
    scene = EditorScene(level, None, recovery=Recovery(home / "autosave", interval=0.0))
    expected = Document(level)
    failures: list[str] = []
    state: dict = {}

    def key(k, mod=0, uni=""):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))

    def typed(text):
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))

    def mouse(kind, cell, button=1):
        pos = scene.cell_centre(cell)
        if kind == pygame.MOUSEMOTION:
            pygame.event.post(pygame.event.Event(kind, pos=pos, rel=(0, 0), buttons=(1, 0, 0)))
        else:
            pygame.event.post(pygame.event.Event(kind, pos=pos, button=button))

    h, w = level.height, level.width
    free = [
        (r, c) for r in range(1, h - 1) for c in range(1, w - 1) if level.kind[r, c] == FLOOR and (r, c) != level.start
    ]
    row = min(h - 2, max(1, h // 2))
    free = [cell for cell in free if cell[0] != row] or [(row - 1, 1)]
    door_cell = free[len(free) // 2]

    def script(frame: int, top, a) -> None:
        if frame == 3:
            key(pygame.K_d, uni="d")  # door tool
            key(pygame.K_3, uni="3")  # blue
            mouse(pygame.MOUSEBUTTONDOWN, door_cell)
            mouse(pygame.MOUSEBUTTONUP, door_cell)
            expected.paint_cell(door_cell, "door", 2)
        elif frame == 6:
            key(pygame.K_w, uni="w")
            key(pygame.K_l, uni="l")
            mouse(pygame.MOUSEBUTTONDOWN, (row, 1))
            mouse(pygame.MOUSEMOTION, (row, w // 2))
            mouse(pygame.MOUSEBUTTONUP, (row, w - 2))
            expected.line((row, 1), (row, w - 2), "wall")
        elif frame == 9:
            key(pygame.K_z, mod=pygame.KMOD_LCTRL)
            key(pygame.K_y, mod=pygame.KMOD_LCTRL)
            key(pygame.K_DOWN, mod=pygame.KMOD_LCTRL)  # one row more
            expected.resize(h + 1, w)
        elif frame == 12:
            key(pygame.K_n, uni="n")  # name
        elif frame == 13:
            key(pygame.K_u, mod=pygame.KMOD_LCTRL)
            typed("Smoke test")
            typed(" level")
            key(pygame.K_RETURN)
            expected.set_name("Smoke test level")
        elif frame == 16:
            key(pygame.K_F1)
        elif frame == 18:
            key(pygame.K_ESCAPE)
            key(pygame.K_s, mod=pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)
        elif frame == 20:
            key(pygame.K_RETURN)  # accept the name as the file name
        elif frame == 24:
            state["saved"] = scene.doc.path
            key(pygame.K_t, uni="t")  # Try it: the play view opens over the editor
        elif frame == 40:
            state["tried"] = type(top).__name__
            key(pygame.K_e, mod=pygame.KMOD_LCTRL)  # back to the editor
        elif frame == 50:
            state["back"] = top is scene
            for size in ((320, 200), (90, 60), (1600, 900)):
                a.resize(size)
                scene.resize(size)
                scene.draw(a.screen)
            a.resize((1280, 760))
            scene.resize((1280, 760))
        elif frame == 60:
            key(pygame.K_q, mod=pygame.KMOD_LCTRL)

    t0 = time.perf_counter()
    stats = app.run(scene, max_frames=240, script=script)
    path = state.get("saved")
    if path is None or not Path(path).is_file():
        failures.append(f"the level was not saved (status: {scene.status})")
    else:
        if Path(home) not in Path(path).resolve().parents:
            failures.append(f"saved outside the temporary folder: {path}")
        reloaded = load_level(path)
        if not reloaded.same_as(expected.level):
            failures.append("the saved file differs from the expected level")
        if reloaded.kind[door_cell] != 2 or reloaded.color[door_cell] != 2:
            failures.append("the blue door is not in the file")
    if state.get("tried") != "PlayScene":
        failures.append(f"Try it did not open the play view (top scene: {state.get('tried')})")
    if not state.get("back"):
        failures.append("Ctrl+E in the play view did not come back to the editor")
    if stats["frames"] >= 240:
        failures.append("Ctrl+Q did not quit")
    if scene.recovery.level_path.exists():
        failures.append("the recovery file is left after a clean quit")
    print(
        f"edit smoke-test: {stats['frames']} frames in {time.perf_counter() - t0:.1f} s, "
        f"saved and reloaded {Path(path).name if path else '-'} ({expected.level.height}x{expected.level.width}), "
        f"{len(expected.undo_stack)} edits"
    )
    for f in failures:
        print(f"edit smoke-test FAILED: {f}")
    return 1 if failures else 0


# -- the tour --------------------------------------------------------------------------------------
def tour_smoke_test(app, frames_per_step: int = 40) -> int:
    """`python main.py tour --smoke-test`: headless, every step of the tour by → (and back by ← once),
    each step's level, agents and card checked, a frame drawn of each; Esc leaves the tour."""
    from reddoor.game.model.roster import spec_of
    from reddoor.game.model.tour import STEPS

    scene = PlayScene(None)
    scene.model.hold_seconds = 0.0
    failures: list[str] = []
    seen: list[int] = []

    def key(k):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0))

    def check(sc) -> None:
        tour = sc.tour
        step = tour.step
        specs = [spec_of(r.agent) for r in sc.runs]
        if specs != list(step.agents):
            failures.append(f"step {tour.index + 1}: agents {specs}, expected {list(step.agents)}")
        if tour.problem:
            failures.append(f"step {tour.index + 1}: {tour.problem}")
        if sc.layout.card is None or sc.layout.card.h <= 0:
            failures.append(f"step {tour.index + 1}: no caption card")
        seen.append(tour.index)

    last = len(STEPS) * frames_per_step

    def script(frame: int, sc, a) -> None:
        if frame == 1:
            sc.start_tour()
        elif frame % frames_per_step == frames_per_step // 2 and sc.tour is not None:
            check(sc)
        elif frame % frames_per_step == 0 and frame < last:
            key(pygame.K_RIGHT)
        elif frame == last + 5:
            key(pygame.K_LEFT)
        elif frame == last + 10:
            if sc.tour is None or sc.tour.index != len(STEPS) - 2:
                failures.append("← did not go back one step")
            key(pygame.K_ESCAPE)
        elif frame == last + 15 and sc.tour is not None:
            failures.append("Esc did not leave the tour")

    t0 = time.perf_counter()
    stats = app.run(scene, max_frames=last + 20, script=script)
    if sorted(set(seen)) != list(range(len(STEPS))):
        failures.append(f"steps shown: {sorted(set(seen))}, expected all {len(STEPS)}")
    print(f"tour smoke-test: {len(STEPS)} steps, {stats['frames']} frames in {time.perf_counter() - t0:.1f} s")
    for f in failures:
        print(f"tour smoke-test FAILED: {f}")
    return 1 if failures else 0
