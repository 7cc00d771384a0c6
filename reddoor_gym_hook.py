"""Registers RedDoor-v0 with Gymnasium whenever Gymnasium is imported, with no import of ours.

Gymnasium 0.26-0.29 read a `gymnasium.envs` entry point for this; Gymnasium 1.0 removed that
plugin system, so a package's envs exist only after `import package` or with the
`gym.make("package:Env-v0")` form. The wheel therefore installs `reddoor-gym.pth` beside the
packages: at interpreter start it imports this module, which only puts a finder on
`sys.meta_path` (no numpy, no gymnasium). When `gymnasium.envs` has been executed the finder
registers RedDoor-v0 (a string entry point: game.gym_env itself loads on the first make) and
takes itself off the path; setuptools' distutils-precedence.pth works the same way. This is a
top-level module of its own, outside the `reddoor` package, so that nothing named `reddoor` is
imported before a checkout's own code is on the path.
"""

from __future__ import annotations

import sys

ENV_ID = "RedDoor-v0"
ENTRY_POINT = "reddoor.game.gym_env:RedDoorEnv"


def register_envs() -> None:
    """Register RedDoor-v0 once (game.gym_env calls this too, for a checkout)."""
    from gymnasium.envs.registration import register, registry

    if ENV_ID not in registry:
        register(id=ENV_ID, entry_point=ENTRY_POINT)


class _AfterGymnasiumEnvs:
    """A meta path finder that lets `gymnasium.envs` load as usual, then registers our env."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "gymnasium.envs":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module):
            run(module)
            uninstall()
            try:
                register_envs()
            except Exception as exc:  # never break `import gymnasium`; say why make will fail
                import warnings

                warnings.warn(f"reddoor: could not register {ENV_ID} with Gymnasium: {exc}", stacklevel=2)

        loader.exec_module = exec_module  # this loader object serves only this import
        return spec


_FINDER = _AfterGymnasiumEnvs()


def install() -> None:
    """Called by reddoor-gym.pth at interpreter start."""
    if "gymnasium.envs" in sys.modules:  # already imported (a .pth processed late): register now
        register_envs()
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
