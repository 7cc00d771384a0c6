"""The `reddoor` command (and `python -m reddoor`): main.py's command line.

A wheel ships main.py as reddoor/main.py (pyproject.toml). In a checkout, and so in an editable
install, main.py stays at the top of the repository, one folder up, so that `python main.py`
keeps working; it is loaded from there under the same name.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _load_cli():
    if importlib.util.find_spec("reddoor.main") is not None:
        from reddoor import main as cli
        return cli
    main_py = Path(__file__).resolve().parent.parent / "main.py"
    spec = importlib.util.spec_from_file_location("reddoor.main", main_py)
    if spec is None or not main_py.is_file():
        raise SystemExit(f"reddoor: the command line (main.py) is missing: not in the package, not at {main_py}")
    cli = importlib.util.module_from_spec(spec)
    sys.modules["reddoor.main"] = cli
    spec.loader.exec_module(cli)
    return cli


def main() -> int:
    return _load_cli().main()


if __name__ == "__main__":
    sys.exit(main())
