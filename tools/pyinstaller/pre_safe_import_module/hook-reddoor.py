"""PyInstaller: `reddoor` resolves game/, agents/ and lab/ from the repository root at run time
(reddoor/__init__.py adds that folder to its __path__); tell the analysis the same (build.spec)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def pre_safe_import_module(api):
    api.append_package_path(str(ROOT))
