"""The scene interface every mode implements (play view, editor): events in, time passes, draw out."""
from __future__ import annotations

import pygame


class Scene:
    """One mode of the app. `draw` never changes state; `after_frame` may read the drawn pixels."""

    #: set to a registered scene name (with `next_args`) to ask the app to switch; "quit" ends it.
    next_scene: str | None = None

    def handle_event(self, event: pygame.event.Event) -> bool:
        """React to one input event; True when the scene consumed it."""
        return False

    def resize(self, size: tuple[int, int]) -> None:
        """The window is now `size` pixels (called before the first frame and on every resize)."""

    def update(self, dt: float) -> None:
        """Advance by `dt` seconds of wall time."""

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole scene onto `surface`."""

    def after_frame(self, surface: pygame.Surface) -> None:
        """Called with the finished frame: screenshots and recordings read it here."""
