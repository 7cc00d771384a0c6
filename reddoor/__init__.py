"""Red Door's one import root: `reddoor.game`, `reddoor.agents`, `reddoor.lab`, `reddoor.main`.

The repository keeps its top-level folders (main.py, game/, agents/, lab/, assets/): the wheel
maps them under reddoor/ (pyproject.toml), the bundle's analysis is told the same (build.spec),
and in a checkout this package resolves them from the repository root, one folder up, by adding
that folder to its `__path__`. Nothing of ours is importable as a bare `game`, `agents` or `lab`
(tests/test_architecture.py holds every import to it), so another distribution of those names
beside Red Door shadows nothing. The Gymnasium hook is reddoor_gym_hook.py, outside this package.
"""

from __future__ import annotations

from pathlib import Path as _Path

#: The folders this package resolves from a checkout's root (the wheel has them inside it).
SUBPACKAGES = ("game", "agents", "lab")


def _checkout_root() -> _Path | None:
    """The repository root when this package is a checkout's reddoor/ folder, else None."""
    root = _Path(__file__).resolve().parent.parent
    if (
        (root / "pyproject.toml").is_file()
        and (root / "main.py").is_file()
        and all((root / name / "__init__.py").is_file() for name in SUBPACKAGES)
    ):
        return root
    return None


if _checkout_root() is not None and str(_checkout_root()) not in __path__:  # noqa: F821 (a package's own)
    __path__.append(str(_checkout_root()))  # noqa: F821

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
