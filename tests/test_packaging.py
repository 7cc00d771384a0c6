"""Red Door as a package: one list of dependencies and its lock, the version, the Gymnasium hook,
the shipped assets and the per-user folder, as a user who pip-installed it would meet them."""

import importlib.metadata as metadata
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[normal(name)] = version.strip()
    return pins


def test_the_lock_pins_every_dependency_within_the_range_pyproject_gives():
    from packaging.requirements import Requirement

    pins = lock_pins()
    project = PYPROJECT["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += [r for r in extra if normal(Requirement(r).name) != project["name"]]
    stale = []
    for text in wanted:
        req = Requirement(text)
        pin = pins.get(normal(req.name))
        if pin is None or not req.specifier.contains(pin, prereleases=True):
            stale.append(f"{text} (lock: {pin})")
    assert not stale, f"constraints.txt is stale; run `python tools/lock.py`: {stale}"


def test_torch_is_the_cpu_wheel_on_disk_and_the_app_needs_no_torch():
    assert "torch==2.13.0" in PYPROJECT["project"]["optional-dependencies"]["train"]
    assert lock_pins()["torch"] == "2.13.0+cpu"
    app = " ".join(PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["build"])
    assert "torch" not in app


def test_version_from_a_checkout_says_so():
    import reddoor

    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    # even beside an installed copy: the checkout's own version, marked as such
    assert out.stdout.startswith(f"reddoor {reddoor.__version__} (source checkout")


HOOK_CHECK = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import reddoor_gym_hook
    reddoor_gym_hook.install()
    import gymnasium as gym
    assert "reddoor.game" not in sys.modules, "the hook must not load the simulation before make"
    env = gym.make("RedDoor-v0", level="paper-test")
    obs, info = env.reset(seed=0)
    assert obs.shape == (12, 11, 11) and info["level_name"] == "The paper's test"
    print("registered")
""")


def test_the_gymnasium_hook_registers_the_env_when_gymnasium_is_imported(tmp_path):
    code = HOOK_CHECK.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "registered", out.stderr


def installed_from_a_wheel() -> bool:
    """True when this interpreter has `pip install .` of this project (not only a checkout)."""
    try:
        dist = metadata.distribution("reddoor")
    except metadata.PackageNotFoundError:
        return False
    return Path(dist.locate_file("reddoor/__init__.py")).is_file()


def installed() -> bool:
    try:
        metadata.distribution("reddoor")
        return True
    except metadata.PackageNotFoundError:
        return False


needs_install = pytest.mark.skipif(
    not installed(), reason="the project is not pip-installed in this interpreter (the README's commands install it)"
)


def fresh(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """A new interpreter, away from the checkout, with nothing of ours on its path but the install."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@needs_install
def test_installed_gym_make_needs_no_import_of_ours(tmp_path):
    out = fresh(
        "import gymnasium as gym\n"
        "obs, _ = gym.make('RedDoor-v0').reset(seed=0)\n"
        "obs2, info = gym.make('RedDoor-v0', level='paper-test').reset(seed=0)\n"
        "print(obs.shape, obs2.shape, info['level_name'])",
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(12, 15, 15) (12, 11, 11) The paper's test"


@needs_install
def test_installed_package_finds_its_levels_weights_fonts_and_icon(tmp_path):
    out = fresh(
        textwrap.dedent("""
        from reddoor.game.paths import asset_path
        from reddoor.game.levels import list_levels
        from reddoor.agents.loading import load_agent
        print(asset_path())
        print(sorted(e.name for e in list_levels(include_user=False) if e.level is not None))
        for name in ["ppo", "imitation", "reflex", "mesa"]:
            load_agent(name)
        print(asset_path("fonts", "DejaVuSans.ttf").is_file(), asset_path("icon.png").is_file())
    """),
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    where, levels, found = out.stdout.strip().splitlines()
    assert "paper-test" in levels and "maze-25" in levels and found == "True True"
    if installed_from_a_wheel():  # the wheel's own copy, not the checkout's
        assert Path(where).resolve() != (ROOT / "assets").resolve()


@needs_install
def test_reddoor_command_prints_the_installed_version():
    script = Path(sys.executable).parent / ("reddoor.exe" if os.name == "nt" else "reddoor")
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:2] == ["reddoor", metadata.version("reddoor")]


def test_reddoor_home_overrides_the_user_folder(tmp_path, monkeypatch):
    from reddoor.game.paths import user_dir

    monkeypatch.setenv("REDDOOR_HOME", str(tmp_path / "mine"))
    assert user_dir("levels") == tmp_path / "mine" / "levels" and (tmp_path / "mine" / "levels").is_dir()


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux folder")
def test_the_user_folder_is_where_earlier_versions_kept_it(tmp_path, monkeypatch):
    pytest.importorskip("platformdirs")
    from reddoor.game.paths import user_data_dir

    monkeypatch.delenv("REDDOOR_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert user_data_dir() == tmp_path / "data" / "reddoor"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_data_dir() == tmp_path / "home" / ".local" / "share" / "reddoor"
