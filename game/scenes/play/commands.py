"""What each play-view command does. The keys, their labels and the help rows are in
game/scenes/keymap.py (BINDINGS); this table maps every command named there to its action, and the
import-time check below keeps the two in step. Most actions are one call on the play model
(game/model/play.py, no pygame); the rest open menus, change the window, capture it or move
between scenes, and may return a Transition."""

from __future__ import annotations

from collections.abc import Callable

from reddoor.game.core.constants import BLUE, COLOR_NAMES, GREEN, GREY, PURPLE, RED, YELLOW
from reddoor.game.core.generators import MENU_DISTRIBUTIONS, describe
from reddoor.game.core.interventions import MOVE, SWAP
from reddoor.game.core.objectives import OBJECTIVES
from reddoor.game.model.play import SPEEDS
from reddoor.game.model.roster import describe_agent, known_kinds, spec_of
from reddoor.game.model.session import objective_names
from reddoor.game.render.palette import COLORBLIND, NORMAL
from reddoor.game.scenes.base import Pop, Push, Quit, Transition
from reddoor.game.scenes.keymap import BINDINGS
from reddoor.game.scenes.menu import Menu, MenuItem

__all__ = ["COMMANDS", "SPEEDS"]

Action = Callable[[object], "Transition | None"]  # takes the PlayScene
COMMANDS: dict[str, Action] = {}


def command(name: str):
    def register(fn: Action) -> Action:
        COMMANDS[name] = fn
        return fn

    return register


# -- what the model does alone: (command, PlayModel method, its arguments) ------------------------
MODEL_COMMANDS = (
    ("pause", "toggle_pause", ()),
    ("step", "step_once", ()),
    ("faster", "change_speed", (1,)),
    ("slower", "change_speed", (-1,)),
    ("reset", "reset_episodes", ()),
    ("reset_totals", "reset_episodes", (True,)),
    ("totals_scope", "toggle_totals_scope", ()),
    ("next_level", "step_level", (1,)),
    ("prev_level", "step_level", (-1,)),
    ("generate_again", "generate_again", ()),
    ("swap_red_blue", "intervene", (SWAP,)),  # the lab's swap@K, now
    ("move_red_door", "intervene", (MOVE,)),  # the lab's move@K, now
    ("recolour_doors", "recolour_doors", ()),
    ("select_agent", "select_next", ()),
    ("explain", "explain_next", ()),
    ("steer_mode", "toggle_steer", ()),
    ("clear_steering", "clear_steering", ()),
    ("probe_field", "toggle_probe_field", ()),
    ("probe_prev", "step_probe_round", (-1,)),
    ("probe_next", "step_probe_round", (1,)),
    ("think_more", "change_rounds", (1,)),
    ("think_less", "change_rounds", (-1,)),
)


def _on_model(method: str, args: tuple) -> Action:
    return lambda scene: getattr(scene.model, method)(*args)


for _name, _method, _args in MODEL_COMMANDS:
    command(_name)(_on_model(_method, _args))


# -- what needs the mouse: the cell under it ----------------------------------------------------
def _painter(colour: int) -> Action:
    return lambda scene: scene.model.paint(scene.cell_under(scene.mouse_pos), colour)


for _colour in (RED, GREEN, BLUE, PURPLE, YELLOW, GREY):
    command(f"paint_{COLOR_NAMES[_colour]}")(_painter(_colour))


def _steer_strength(up: bool) -> Action:
    return lambda scene: scene.model.adjust_steering(up, scene.cell_under(scene.mouse_pos))


command("steer_up")(_steer_strength(True))
command("steer_down")(_steer_strength(False))


# -- menus --------------------------------------------------------------------------------------
@command("choose_level")
def choose_level(scene):
    model = scene.model
    model.refresh_catalogue()
    items = []
    for i, e in enumerate(model.catalogue):
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
        model.set_status("no level files found; G generates a level")
        return
    menu = Menu("Choose a level", items, lambda i: i is not None and model.open_level_index(i))
    if model.level_index is not None:
        menu.cursor = model.level_index
    scene.open_menu(menu)


@command("generate")
def generate_menu(scene):
    model = scene.model
    items = [MenuItem(d, d, describe(d)) for d in MENU_DISTRIBUTIONS]
    menu = Menu(
        "Generate a fresh level from a distribution",
        items,
        lambda distribution: distribution is not None and model.generate_again(distribution),
    )
    menu.cursor = MENU_DISTRIBUTIONS.index(model.generator) if model.generator in MENU_DISTRIBUTIONS else 0
    scene.open_menu(menu)


@command("choose_agents")
def choose_agents(scene):
    model = scene.model
    current = {spec_of(r.agent) for r in model.runs}
    items = []
    for spec in known_kinds():
        why = model.agent_failures.get(spec)
        items.append(
            MenuItem(spec, spec, f"not loaded: {why}" if why else describe_agent(spec), checked=spec in current)
        )
    scene.open_menu(Menu("Choose which agents act", items, model.choose_agents, multi=True))


@command("choose_objectives")
def choose_objectives(scene):
    model = scene.model
    shown = {o.name for o in model.shown}
    items = [MenuItem(OBJECTIVES[n].label, n, f"'{n}'", checked=n in shown) for n in objective_names()]
    scene.open_menu(Menu("Choose the objectives scored and marked", items, model.choose_objectives, multi=True))


# -- the window ---------------------------------------------------------------------------------
@command("overlay")
def overlay(scene):
    scene.overlay = not scene.overlay
    scene.relayout()
    scene.set_status("overlay on" if scene.overlay else "overlay off (V brings it back)")


@command("zoom")
def zoom(scene):
    scene.toggle_zoom()


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


@command("tour")
def tour(scene):
    scene.start_tour()


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
