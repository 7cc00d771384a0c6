"""Where files live: bundled assets (from source or inside the PyInstaller bundle) and per-user data."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding `assets/`: the repository from source, `sys._MEIPASS` inside a bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def asset_path(*parts: str) -> Path:
    """A bundled file, e.g. asset_path('levels', 'paper-test.level')."""
    return app_root().joinpath("assets", *parts)


def user_data_dir() -> Path:
    """The per-user folder for levels, screenshots, GIFs and autosaves (created on demand).

    REDDOOR_HOME overrides it (tests point it at a temporary folder).
    """
    override = os.environ.get("REDDOOR_HOME")
    if override:
        base = Path(override)
    elif sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "RedDoor"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "RedDoor"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "reddoor"
    base.mkdir(parents=True, exist_ok=True)
    return base


def user_dir(name: str) -> Path:
    """A sub-folder of the user data folder: 'levels', 'screenshots', 'recordings', 'autosave'."""
    path = user_data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
