"""The one place that caps the math libraries' threads (numpy's BLAS, OpenMP, torch's pool).

Why one thread by default: the networks' matrices are small (a level's cells x 216), so BLAS threads
gain little, and when the cores are busy (a UI thread, training runs, our own worker processes)
their spinning threads wait on each other. Measured on the 2-core box: a 25x25 level's first look
in the play view 1100 ms -> 30 ms, and 100 conflict levels of the first build's classifier in the
experiment 36 s -> 0.4 s, with one thread instead of the default.

Safe to call before numpy is imported (it then only sets the environment, which the BLAS reads when
it loads) and after (it then also caps the loaded OpenBLAS through its C API). It never imports
numpy or torch; torch is capped only when something has already imported it.
"""

from __future__ import annotations

import os
import sys

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")
_applied: dict[str, int] = {}  # loaded library path -> the threads it was last capped at


def thread_env(n: int = 1, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of `base` (default: this process's environment) with every thread variable set to n:
    the environment for a child process that must start capped."""
    return {**(os.environ if base is None else base), **{v: str(int(n)) for v in THREAD_VARS}}


def limit_blas_threads(n: int = 1, override: bool = False, torch: bool = False) -> bool:
    """Cap BLAS and OpenMP (and with `torch`, torch) at `n` threads here and in the processes started.

    - The environment variables (THREAD_VARS) are set when absent, or always with `override`; a numpy
      imported later and every child process read them.
    - A numpy OpenBLAS already loaded here is capped at once (its environment was read at load time).
    - With `torch=True` (the trainers), torch gets `torch.set_num_threads(n)` if already imported;
      otherwise torch is left alone, so scoring with numpy in the middle of training keeps the
      trainer's torch threads.

    Returns True when a loaded BLAS or torch was capped now, False when only the environment was set.
    """
    n = max(1, int(n))
    for var in THREAD_VARS:
        if override:
            os.environ[var] = str(n)
        else:
            os.environ.setdefault(var, str(n))
    capped = False
    if "numpy" in sys.modules:
        capped = _cap_loaded_openblas(n)
    torch_module = sys.modules.get("torch") if torch else None
    if torch_module is not None and hasattr(torch_module, "set_num_threads"):
        torch_module.set_num_threads(n)
        capped = True
    return capped


def _cap_loaded_openblas(n: int) -> bool:
    """Call openblas_set_num_threads(n) in every OpenBLAS mapped into this process (Linux: read
    from /proc/self/maps; elsewhere this does nothing and the environment variables must do)."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return False
    import ctypes

    done = False
    for path in paths:
        if _applied.get(path) == n:
            done = True
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(int(n))
                _applied[path] = n
                done = True
                break
    return done
