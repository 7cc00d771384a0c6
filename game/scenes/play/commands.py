"""What each play-view command does. The keys, their labels and the help rows are in
game/scenes/keymap.py (BINDINGS); this table maps every command named there to its action, and the
import-time check below keeps the two in step. An action may return a Transition."""

from __future__ import annotations

from collections.abc import Callable

from reddoor.game.core.constants import BLUE, COLOR_NAMES, DOOR, GREEN, GREY, PURPLE, RED, YELLOW
from reddoor.game.core.describe import plural
from reddoor.game.core.generators import MENU_DISTRIBUTIONS, describe, generate
from reddoor.game.core.interventions import move_red_and_door
from reddoor.game.core.objectives import OBJECTIVES
from reddoor.game.render.palette import COLORBLIND, NORMAL
from reddoor.game.scenes.base import Pop, Push, Quit, Transition
from reddoor.game.scenes.keymap import BINDINGS
from reddoor.game.scenes.menu import Menu, MenuItem
from reddoor.game.session import objective_names

from . import steering
from .panels import EXPLAIN_MODES
from .roster import describe_agent, failure_message, known_kinds, spec_of, unique_names
from .sidebar import explanation_text

SPEEDS = (0.5, 1, 2, 4, 8, 15, 30, 60, 120, 240)  # agent steps per second
EXPLAIN_WAIT = 0.25  # seconds the explain key waits before the view comes on later

Action = Callable[[object], "Transition | None"]  # takes the PlayScene
COMMANDS: dict[str, Action] = {}


def command(name: str):
    def register(fn: Action) -> Action:
        COMMANDS[name] = fn
        return fn

    return register


# -- time ---------------------------------------------------------------------------------------
@command("pause")
def pause(scene):
    scene.paused = not scene.paused
    scene.accumulator = 0.0
    scene.set_status(
        "paused — . or → steps once, Space resumes" if scene.paused else f"running at {scene.speed_text()}"
    )


@command("step")
def step(scene):
    scene.paused = True
    scene.tick()
    scene.set_status(f"paused; stepped once (tick {scene.session.ticks})")


@command("faster")
def faster(scene):
    scene.speed_index = min(len(SPEEDS) - 1, scene.speed_index + 1)
    scene.set_status(f"speed {scene.speed_text()}")


@command("slower")
def slower(scene):
    scene.speed_index = max(0, scene.speed_index - 1)
    scene.set_status(f"speed {scene.speed_text()}")


@command("reset")
def reset(scene):
    scene.session.reset_episodes()
    scene.set_status("every agent starts a new episode; totals kept (Shift+R zeroes them)")


@command("reset_totals")
def reset_totals(scene):
    scene.session.reset_episodes()
    scene.session.reset_totals()
    scene.set_status("new episodes, totals zeroed (this level and all levels)")


@command("totals_scope")
def totals_scope(scene):
    scene.all_levels = not scene.all_levels
    scene.set_status(
        "totals: every episode on every level since the view opened"
        if scene.all_levels
        else "totals: this level as it is now (a recolour or another level starts them afresh)"
    )


# -- levels ---------------------------------------------------------------------------------------
@command("next_level")
def next_level(scene):
    scene.step_level(1)


@command("prev_level")
def prev_level(scene):
    scene.step_level(-1)


@command("choose_level")
def choose_level(scene):
    scene.refresh_catalogue()
    items = []
    for i, e in enumerate(scene.catalogue):
        where = "built-in" if e.builtin else "yours"
        if e.level is not None:
            items.append(
                MenuItem(
                    f"{e.level.name}   [{e.name}, {where}, {e.level.height}×{e.level.width}]", i, e.level.description
                )
            )
        else:
            items.append(MenuItem(f"{e.name}   [{where}, cannot be opened]", i, e.error or "", enabled=False))
    if not items:
        scene.set_status("no level files found; G generates a level")
        return
    menu = Menu("Choose a level", items, lambda i: i is not None and scene.open_level_index(i))
    if scene.level_index is not None:
        menu.cursor = scene.level_index
    scene.open_menu(menu)


@command("generate")
def generate_menu(scene):
    def chosen(distribution):
        if distribution is not None:
            scene.generator = distribution
            generate_again(scene)

    items = [MenuItem(d, d, describe(d)) for d in MENU_DISTRIBUTIONS]
    menu = Menu("Generate a fresh level from a distribution", items, chosen)
    menu.cursor = MENU_DISTRIBUTIONS.index(scene.generator) if scene.generator in MENU_DISTRIBUTIONS else 0
    scene.open_menu(menu)


@command("generate_again")
def generate_again(scene):
    scene.generator_seed += 1
    try:
        level = generate(scene.generator, scene.generator_seed)
    except Exception as exc:
        scene.set_status(f"could not generate {scene.generator}: {exc}")
        return
    scene.level_index = None
    scene.set_level(level, f"generated {scene.generator} seed {scene.generator_seed} (Shift+G for another)")


# -- recolouring ----------------------------------------------------------------------------------
@command("swap_red_blue")
def swap_red_blue(scene):
    n = scene.session.swap_colours(RED, BLUE)
    scene.set_status(f"swapped red and blue on {plural(n, 'object')}" if n else "no red or blue objects to swap")


@command("move_red_door")
def move_red_door(scene):
    """The move intervention: the red non-door object nearest the selected agent and the door
    exchange cells (every agent sees it on its next step)."""
    run = scene.runs[min(scene.selected, len(scene.runs) - 1)] if scene.runs else None
    moved = move_red_and_door(scene.level, run.world.agent if run is not None else scene.level.start)
    if moved is None:
        scene.set_status("no door and red non-door object both reachable from the selected agent to exchange")
        return
    scene.session.level_changed()
    (dr, dc), (rr, rc) = moved
    scene.set_status(
        f"the door (row {dr + 1}, col {dc + 1}) and the {scene.level.describe_cell(dr, dc)} (row {rr + 1}, "
        f"col {rc + 1}) exchanged cells; the agents see it on their next step"
    )


@command("recolour_doors")
def recolour_doors(scene):
    colour = scene.session.recolour_doors()
    scene.set_status("this level has no door" if colour is None else f"every door is now {COLOR_NAMES[colour]}")


def _painter(colour: int) -> Action:
    def paint(scene):
        cell = scene.cell_under(scene.mouse_pos)
        if cell is None or scene.level.kind[cell] < DOOR:
            scene.set_status(f"point at an object, then press {colour + 1} to make it {COLOR_NAMES[colour]}")
            return
        before = scene.level.describe_cell(*cell)
        scene.session.set_colour(cell[0], cell[1], colour)
        scene.set_status(f"{before} at row {cell[0] + 1}, col {cell[1] + 1} is now {COLOR_NAMES[colour]}")

    return paint


for _colour in (RED, GREEN, BLUE, PURPLE, YELLOW, GREY):
    command(f"paint_{COLOR_NAMES[_colour]}")(_painter(_colour))


# -- agents and what is shown ---------------------------------------------------------------------
@command("choose_agents")
def choose_agents(scene):
    current = {spec_of(r.agent) for r in scene.runs}
    items = []
    for spec in known_kinds():
        why = scene.agent_failures.get(spec)
        items.append(
            MenuItem(spec, spec, f"not loaded: {why}" if why else describe_agent(spec), checked=spec in current)
        )
    scene.open_menu(Menu("Choose which agents act", items, lambda specs: agents_chosen(scene, specs), multi=True))


def agents_chosen(scene, specs) -> None:
    if not specs:
        scene.set_status("no agent chosen; keeping the ones acting")
        return
    keep = {spec_of(r.agent): r.agent for r in scene.runs}
    agents, failed = [], {}
    for spec in specs:
        if spec in keep:
            agents.append(keep.pop(spec))
            continue
        agent, why = scene.agent_loader(spec)
        if agent is None:
            failed[spec] = why or "could not be loaded"
        else:
            agents.append(agent)
    if not agents:
        scene.agent_failures.update(failed)
        scene.set_status(failure_message(failed) + "; keeping the agents acting")
        return
    unique_names(agents)
    scene.agent_failures = {k: v for k, v in scene.agent_failures.items() if k not in specs} | failed
    scene.session.set_agents(agents)
    scene.selected = min(scene.selected, len(agents) - 1)
    scene.worker.forget_explanation()
    scene.relayout()
    scene.set_status(failure_message(failed) or f"acting: {', '.join(a.name for a in agents)}")


@command("select_agent")
def select_agent(scene):
    if scene.runs:
        scene.selected = (scene.selected + 1) % len(scene.runs)
        scene.set_status(f"selected {scene.runs[scene.selected].name}")


@command("explain")
def explain(scene):
    """Cycle off → heat map → arrows → off, skipping views the selected agent cannot give."""
    if not scene.runs:
        return
    scene.refresh_explanation(wait_s=EXPLAIN_WAIT)
    run = scene.runs[scene.selected]
    if scene.worker.explaining:  # a slow network: the view comes on when it is ready
        scene.explain_mode = max(1, scene.explain_mode)
        scene.explain_announce = True
        scene.set_status(f"{run.name} is working out its explanation …")
        return
    expl = scene.worker.explained.explanation if scene.worker.explained else None
    available = views(expl, run.agent)
    later = [m for m in available if m > scene.explain_mode]
    scene.explain_mode = later[0] if later else 0
    if not available:
        scene.set_status(f"{run.name} has no explanation to show (E again tries after Tab selects another agent)")
    elif scene.explain_mode == 0:
        scene.set_status("explain off")
    else:
        scene.set_status(explain_status(scene, run, expl))


def explain_status(scene, run, expl) -> str:
    """The status line for the explain view now on: its label, or the probe view's field, round and R²."""
    if EXPLAIN_MODES[scene.explain_mode] == "probe":
        return (
            f"explain probe for {run.name}: "
            + scene.probe.frame(run.agent, scene.level).caption()
            + " — F: door / red field, [ ]: rounds"
        )
    return f"explain {EXPLAIN_MODES[scene.explain_mode]} for {run.name}: {explanation_text(run.agent, expl)}"


def views(expl, agent=None) -> list[int]:
    """The explain modes (indices into EXPLAIN_MODES) an explanation can show; a FieldNet adds probe."""
    if expl is None:
        return []
    probe = 3 if agent is not None and steering.probe_viewable(agent) else None
    return [m for m, part in ((1, expl.heat), (2, expl.arrows), (3, probe)) if part is not None]


# -- inside the agents: steering and probes (the actions live in steering.py) ---------------------
COMMANDS.update(steering.COMMANDS)


@command("choose_objectives")
def choose_objectives(scene):
    shown = {o.name for o in scene.shown}
    items = [MenuItem(OBJECTIVES[n].label, n, f"'{n}'", checked=n in shown) for n in objective_names()]
    scene.open_menu(Menu("Choose the objectives scored and marked", items, scene.objectives_chosen, multi=True))


@command("overlay")
def overlay(scene):
    scene.overlay = not scene.overlay
    scene.relayout()
    scene.set_status("overlay on" if scene.overlay else "overlay off (V brings it back)")


@command("palette")
def palette(scene):
    scene.palette = COLORBLIND if scene.palette is NORMAL else NORMAL
    scene.set_status("colour-blind-safe palette (Okabe–Ito)" if scene.palette is COLORBLIND else "normal palette")


# -- capture and the app --------------------------------------------------------------------------
@command("screenshot")
def screenshot(scene):
    scene.screenshot_pending = True


@command("record")
def record(scene):
    if scene.recorder.recording:
        path = scene.recorder.stop()
        scene.set_status(f"writing {path} …" if path else "recording stopped: no frames")
    elif scene.recorder.writing:
        scene.set_status("still writing the last GIF; try again in a moment")
    else:
        try:
            path = scene.recorder.start(scene.output_dir("recordings"))
        except OSError as exc:
            scene.set_status(f"cannot record: {exc}")
            return
        scene.set_status(f"recording a GIF (F9 or Shift+I stops; 30 s at most) → {path.parent}")


@command("edit")
def edit(scene) -> Transition:
    """The editor on this level: back to it when it opened this view, else opened over it."""
    if scene.below == "edit":
        scene.set_status("back to the editor")
        return Pop({"level": scene.level.copy()})
    scene.set_status(f"opening '{scene.level.name}' in the editor")
    return Push("edit", {"level": scene.level.copy()})


@command("help")
def help_(scene):
    scene.help_open = not scene.help_open
    if scene.help_open:
        try:
            scene.capture_folder = str(scene.output_dir("screenshots").parent)
        except OSError as exc:
            scene.capture_folder = f"(no per-user folder: {exc})"


@command("close")
def close(scene):
    scene.help_open = False


@command("quit")
def quit_(scene) -> Transition:
    scene.stop_work()
    return Quit()


_missing = {b.command for b in BINDINGS} ^ set(COMMANDS)
assert not _missing, f"keymap.BINDINGS and the play view's COMMANDS differ: {sorted(_missing)}"
