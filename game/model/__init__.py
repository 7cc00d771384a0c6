"""The play view's model, without pygame: the session (agents acting on one level, their totals),
the roster (which agents, loading them), the worker (their slow work off the UI thread), the steer
tool and probe view, and `PlayModel`, the one object that owns them and does what the keys say.
The play scene (game/scenes/play/) reads it to draw and sends it the user's input."""

from .play import SPEEDS, PlayModel

__all__ = ["SPEEDS", "PlayModel"]
