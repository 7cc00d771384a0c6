"""Red Door as an installed package: its version and the `reddoor` command (reddoor/main.py,
which is main.py shipped inside the wheel). The Gymnasium hook is reddoor_gym_hook.py.

The code itself keeps its import names `game`, `agents` and `lab` (see the README's "Installing").
"""
from __future__ import annotations

__version__ = "0.2.0"

DIST_NAME = "reddoor"


def version(cli_file: str | None = None) -> str:
    """The version of the code that is running, for `--version`.

    cli_file is the running main.py: beside a pyproject.toml it is a checkout (or an editable
    install), whose own __version__ is reported as such, whatever copy pip installed. Otherwise
    the installed distribution's metadata; the bundle, which has none, reports __version__.
    """
    from importlib import metadata
    from pathlib import Path

    folder = Path(cli_file or __file__).resolve().parent
    if (folder / "pyproject.toml").is_file():
        return f"{__version__} (source checkout {folder})"
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return __version__
