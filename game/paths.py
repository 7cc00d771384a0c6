"""Where files live: the shipped assets (checkout, installed package or PyInstaller bundle) and per-user data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_GAME = Path(__file__).resolve().parent


def app_root() -> Path:
    """The folder holding `assets/` (levels, weights, fonts, icon).

    Inside the bundle: `sys._MEIPASS`. An installed package: the `game` package itself, since the
    wheel ships assets/ as game/assets (pyproject.toml). A checkout: the repository.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    if (_GAME / "assets").is_dir():
        return _GAME
    return _GAME.parent


def asset_path(*parts: str) -> Path:
    """A shipped file, e.g. asset_path('levels', 'paper-test.level')."""
    return app_root().joinpath("assets", *parts)


def user_data_dir() -> Path:
    """The per-user folder for levels, screenshots, GIFs and autosaves (created on demand).

    REDDOOR_HOME overrides it (tests point it at a temporary folder). Otherwise platformdirs'
    user data folder, with the names the app used before it, so existing users keep their files:
    `$XDG_DATA_HOME/reddoor` (~/.local/share/reddoor) on Linux, `~/Library/Application
    Support/RedDoor` on macOS, `%APPDATA%\\RedDoor` (roaming) on Windows.
    """
    override = os.environ.get("REDDOOR_HOME")
    if override:
        base = Path(override)
    else:
        import platformdirs  # only here: REDDOOR_HOME alone needs nothing

        name = "RedDoor" if sys.platform in ("win32", "darwin") else "reddoor"
        base = Path(platformdirs.user_data_dir(name, appauthor=False, roaming=True))
    base.mkdir(parents=True, exist_ok=True)
    return base


def user_dir(name: str) -> Path:
    """A sub-folder of the user data folder: 'levels', 'screenshots', 'recordings', 'autosave'."""
    path = user_data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
