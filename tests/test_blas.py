"""game/blas.py: the one place that caps BLAS threads, before numpy loads and after."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def _run(code: str, **env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in VARS}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.split()


BEFORE_NUMPY = """
import os, sys
from reddoor.game.blas import limit_blas_threads
capped = limit_blas_threads(1)
print("numpy" in sys.modules, capped, *(os.environ[v] for v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")))
import numpy  # loads its BLAS with one thread
"""


def test_before_numpy_it_sets_the_environment_and_imports_nothing():
    assert _run(BEFORE_NUMPY) == ["False", "False", "1", "1", "1"]


def test_a_thread_count_the_user_set_is_kept_unless_overridden():
    code = (
        "import os; from reddoor.game.blas import limit_blas_threads as l; l(1); a = os.environ['OPENBLAS_NUM_THREADS']; "
        "l(2, override=True); print(a, os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    )
    assert _run(code, OPENBLAS_NUM_THREADS="3") == ["3", "2", "2"]


AFTER_NUMPY = """
import ctypes, sys
import numpy
from reddoor.game import blas
if not sys.platform.startswith("linux"):
    print("skip"); raise SystemExit
blas.limit_blas_threads(1)
paths = list(blas._applied)
if not paths:
    print("no-openblas"); raise SystemExit
lib = ctypes.CDLL(paths[0])
get = next(getattr(lib, n) for n in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                                     "openblas_get_num_threads") if hasattr(lib, n))
print(get())
blas.limit_blas_threads(2)
print(get())
"""


def test_after_numpy_it_caps_the_loaded_openblas():
    out = _run(AFTER_NUMPY, OPENBLAS_NUM_THREADS="4")
    if out[0] in ("skip", "no-openblas"):
        import pytest

        pytest.skip(f"no OpenBLAS to inspect here ({out[0]})")
    assert out == ["1", "2"]


def test_thread_env_is_a_capped_copy_for_a_child():
    from reddoor.game.blas import thread_env

    env = thread_env(1, {"PATH": "/bin", "OMP_NUM_THREADS": "8"})
    assert env == {"PATH": "/bin", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
