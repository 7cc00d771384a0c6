"""The `reddoor` command (and `python -m reddoor`): main.py's command line.

A wheel ships main.py as reddoor/main.py (pyproject.toml); in a checkout, and so in an editable
install, main.py stays at the top of the repository, which reddoor/__init__.py adds to this
package's path: `reddoor.main` is the same module either way.
"""

from __future__ import annotations

import sys


def main() -> int:
    from reddoor import main as cli

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
