"""The contract between the app and its scenes (play view, editor): events in, time passes, draw out,
and transitions returned as values.

A scene never reaches into the app. `handle_event` and `update` return a `Transition` (or None to
stay); the app drives its stack of scenes from those values:

- `Push(name, args)`: open the registered scene `name` over this one (a scene set aside earlier
  comes back as it was, with `enter(below, args)`; otherwise a new one is built with `args`).
- `Pop(result)`: go back to the scene beneath, which gets `enter(below, result)`. The scene left is
  set aside, so opening it again finds it as it was (the editor keeps its undo history). With no
  scene beneath, Pop is Quit.
- `Replace(name, args)`: this scene ends and `name` takes its place.
- `Quit()`: this scene is done and the app should end; the other scenes are still asked first
  (`request_close`), this one is not asked again.

Closing the window (or SIGTERM, which SDL turns into the same request) calls `request_close` on
every scene, the top one first: `Quit()` agrees; None means the scene is asking the user first
(the editor, about unsaved edits) and the app keeps running until an answer returns a transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame


@dataclass(frozen=True)
class Push:
    scene: str
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Pop:
    result: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Replace:
    scene: str
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Quit:
    pass


Transition = Push | Pop | Replace | Quit
TRANSITIONS = (Push, Pop, Replace, Quit)


class Scene:
    """One mode of the app. `draw` never changes state; `after_frame` may read the drawn pixels."""

    #: the name the app's registry opens this kind of scene by (game/app.py SCENES).
    registry_name: str = ""
    #: the name of the scene beneath this one on the app's stack (None at the bottom); set by `enter`.
    below: str | None = None

    def enter(self, below: str | None, args: dict) -> None:
        """This scene is now on top: just opened over `below`, reopened with Push args, or back
        from the scene above with its Pop result."""
        self.below = below

    def leave(self) -> None:
        """This scene stops being on top (another opened over it, it was popped, or the app ends)."""

    def request_close(self) -> Transition | None:
        """The window is closing: Quit() to agree, None while asking the user first."""
        return Quit()

    def handle_event(self, event: pygame.event.Event) -> Transition | None:
        """React to one input event; a transition to move to another scene."""
        return None

    def resize(self, size: tuple[int, int]) -> None:
        """The window is now `size` pixels (called before the first frame and on every resize)."""

    def update(self, dt: float) -> Transition | None:
        """Advance by `dt` seconds of wall time."""
        return None

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole scene onto `surface`."""

    def after_frame(self, surface: pygame.Surface) -> None:
        """Called with the finished frame: screenshots and recordings read it here."""
