"""The floor plan, held by tests: one import root, no import cycles, layers that only look down,
and a simulation core that needs neither pygame nor torch (docs/ARCHITECTURE.md draws it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("game", "agents", "lab")  # resolved as reddoor.game, ... (reddoor/__init__.py)
# Every Python file of the repository that is ours (the folders the wheel maps, the package, the
# command, the tests, the benchmarks and the tools).
SOURCES = sorted(
    [ROOT / "main.py", ROOT / "build.spec", ROOT / "reddoor_gym_hook.py"]
    + [f for d in (*PACKAGES, "reddoor", "tests", "bench", "tools") for f in (ROOT / d).rglob("*.py")]
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return "reddoor." + ".".join(parts)


MODULES = {_module_name(f): f for d in PACKAGES for f in (ROOT / d).rglob("*.py")}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (never run)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def imports_of(path: Path, name: str | None = None) -> list[tuple[str, int]]:
    """(absolute module imported, line) for every import in the file, function-local ones too,
    but not the type-checking-only ones; `from pkg import sub` names the submodule."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _type_checking_only(tree)
    package = (name or "").split(".") if path.name == "__init__.py" else (name or "").split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub if sub in MODULES else base, node.lineno))
    return out


def test_nothing_imports_a_bare_game_agents_or_lab():
    """Our code is `reddoor.game`, `reddoor.agents`, `reddoor.lab`: a bare `import game` would load a
    second copy of a module (or another distribution's package of that name)."""
    bad = [
        f"{f.relative_to(ROOT)}:{line} imports {mod}"
        for f in SOURCES
        for mod, line in imports_of(f)
        if mod.split(".")[0] in PACKAGES
    ]
    assert not bad, "\n".join(bad)


def _graph() -> dict[str, set[str]]:
    graph = {m: set() for m in MODULES}
    for m, f in MODULES.items():
        graph[m] = {t for t, _ in imports_of(f, m) if t in MODULES and t != m}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_import_graph_has_no_cycles():
    """Function-local imports count: a cycle dodged by importing late is still a cycle."""
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# The layers, bottom up: a module may import its own layer and the ones below it, never above.
LAYERS = [
    ("reddoor.game.core",),
    (
        "reddoor.game.paths",
        "reddoor.game.blas",
        "reddoor.game.cli_args",
        "reddoor.game.levels",
        "reddoor.game.editor_files",
    ),
    ("reddoor.agents",),  # with agents/rollout.py, the engine everything plays through
    ("reddoor.agents.train",),
    ("reddoor.game.model", "reddoor.game.gym_env", "reddoor.game.render"),
    ("reddoor.game.scenes", "reddoor.game.app", "reddoor.game.smoke", "reddoor.game"),
    ("reddoor.lab",),
]


def layer_of(module: str) -> int:
    best, where = -1, None
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, where = len(p), i
    assert where is not None, f"{module} is in no layer of tests/test_architecture.py"
    return where


def test_layers_only_import_downward():
    up = [f"{m} -> {t}" for m, targets in _graph().items() for t in targets if layer_of(t) > layer_of(m)]
    assert not up, "imports that run upward: " + "; ".join(sorted(up))


def test_the_lab_is_imported_by_nothing_below_it():
    """The trainers and the app play through agents/rollout.py, not through the lab."""
    below = [
        m
        for m, targets in _graph().items()
        if not m.startswith("reddoor.lab")
        for t in targets
        if t.startswith("reddoor.lab")
    ]
    assert not below, below


BLOCKED = """
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ModuleNotFoundError(f"blocked: {{name}}", name=name)
sys.meta_path.insert(0, Blocked())
import importlib
for name in {modules!r}:
    importlib.import_module(name)
print("ok", len({modules!r}))
"""


def _import_blocked(modules: list[str], blocked: set[str]) -> subprocess.CompletedProcess:
    code = BLOCKED.format(blocked=sorted(blocked), modules=modules)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_simulation_core_imports_with_pygame_and_torch_blocked():
    core = sorted(m for m in MODULES if m.startswith("reddoor.game.core"))
    out = _import_blocked(core, {"pygame", "torch"})
    assert out.returncode == 0 and out.stdout.startswith("ok"), out.stderr[-2000:]


def test_inference_the_rollout_engine_and_the_play_model_import_without_pygame_or_torch():
    """What the play view runs on a worker thread and what the lab plays through: no pygame, no torch."""
    names = [
        "reddoor.agents",
        "reddoor.agents.loading",
        "reddoor.agents.rollout",
        *sorted(m for m in MODULES if m.startswith("reddoor.game.model")),
    ]
    out = _import_blocked(names, {"pygame", "torch"})
    assert out.returncode == 0 and out.stdout.startswith("ok"), out.stderr[-2000:]


@pytest.mark.parametrize("module", ["reddoor.game.scenes.play", "reddoor.game.app"])
def test_the_app_needs_no_torch_and_no_lab(module):
    out = _import_blocked([module], {"torch", "matplotlib"})
    assert out.returncode == 0, out.stderr[-2000:]
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('reddoor.lab')))"
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0 and res.stdout.strip().splitlines()[-1] == "[]", res.stderr[-2000:]


def test_the_floor_plan_names_every_room_of_the_lab_and_every_layer():
    plan = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    rooms = sorted(f"lab/{f.name}" for f in (ROOT / "lab").glob("*.py") if f.name != "__init__.py")
    missing = [r for r in rooms if r not in plan]
    assert not missing, f"docs/ARCHITECTURE.md does not say what these are: {missing}"
    for prefixes in LAYERS:
        for p in prefixes:
            folder = p.removeprefix("reddoor.").replace(".", "/")
            assert f"`{folder}/`" in plan or f"`{folder}.py`" in plan or folder == "game", p
