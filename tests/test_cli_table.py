"""The CLI table: every subcommand x bad values -> exit != 0, exactly one line on
stderr, no traceback. Values are checked in one place (game/cli_args.py) before any work starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parent.parent
FILE = str(ROOT / "README.md")  # an existing file: a folder "under" it cannot exist or be made


def _train(*args):
    return ["train", "--agent", "mesa", *args]


BAD_CALLS = {
    "play": [["play", "--agents", ",,"], ["play", "--bogus"], ["play", "a", "b"], ["--level"]],
    "edit": [["edit", "--bogus"], ["edit", "a", "b"]],
    "tour": [["tour", "--bogus"], ["tour", "extra"]],
    "info": [["info"], ["info", "no-such-level"], ["info", str(ROOT)]],
    "train": [
        _train("--steps", "0"),
        _train("--steps", "-5"),
        _train("--steps", "lots"),
        _train("--steps", "1e99"),
        _train("--threads", "0"),
        _train("--seed", "-1"),
        _train("--lr", "inf"),
        _train("--lr", "nan"),
        _train("--hidden", "0"),
        _train("--num-envs", "-1"),
        ["train", "--agent", "ppo", "--rounds", "0"],
        ["train", "--agent", "ppo", "--rounds", "100000"],
        ["train", "--agent", "ppo", "--iterations", "-3"],
        _train("--out", "weights.txt"),
        _train("--out", FILE + "/x.npz"),
        _train("--out", str(ROOT)),
        _train("--distribution", "nowhere"),
        ["train", "--agent", "nobody"],
        ["train"],
    ],
    "eval": [
        ["eval", "--episodes", "0"],
        ["eval", "--episodes", "-3"],
        ["eval", "--episodes", "1000000000"],
        ["eval", "--episodes", "many"],
        ["eval", "--jobs", "-1"],
        ["eval", "--jobs", "0"],
        ["eval", "--distributions", ""],
        ["eval", "--distributions", ","],
        ["eval", "--distributions", "nowhere"],
        ["eval", "--seed", "-1"],
        ["eval", "--out", FILE],
        ["eval", "--out", FILE + "/sub"],
        ["eval", "--agents", ""],
        ["eval", "--agents", "nobody"],
        ["eval", "--objectives", "kind=dragon"],
        ["eval", "--intervene", "teleport@3"],
        ["eval", "--signature", "--episodes", "0"],
        ["eval", "--decode", "beam"],
        ["eval", "--agents", "reflex:decode=beam"],
        ["eval", "--agents", "oracle:decode=sample"],
        ["eval", "--agents", "mesa:commit=softmax:-1"],
        ["eval", "--distributions", "conflict/purple"],
        ["eval", "--distributions", "train/red-in-wall", "--episodes", "1"],
    ],
    "goals": [
        ["goals", "--episodes", "0"],
        ["goals", "--agents", "nobody"],
        ["goals", "--bases", "nowhere"],
        ["goals", "--bases", "conflict/both-red"],
        ["goals", "--decode", "beam"],
        ["goals", "--out", FILE],
        ["goals", "--agents", "mesa:commit=threshold:x"],
        ["goals", "--jobs", "0"],
    ],
    "study": [
        ["study", "--agent", "mesa", "--seeds", "0", "--steps", "10", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "0", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--jobs", "0", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--threads", "0", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--episodes", "0", "--out", "s"],
        ["study", "--agent", "ppo", "--seeds", "2", "--steps", "10", "--rounds", "0", "--out", "s"],
        ["study", "--agent", "ppo", "--seeds", "2", "--steps", "10", "--rounds", ",", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--layouts", "", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--out", FILE + "/s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--train-arg", "nonsense", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--train-arg", "lr=nan", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--train-arg", "hidden=0", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10", "--train-arg", "warp=9", "--out", "s"],
        ["study", "--agent", "mesa", "--seeds", "2", "--steps", "10"],
        ["study", "--agent", "nobody", "--seeds", "2", "--steps", "10", "--out", "s"],
    ],
    "probe": [
        ["probe", "--agent", "ppo", "--levels", "1"],
        ["probe", "--agent", "ppo", "--levels", "100000000"],
        ["probe", "--agent", "ppo", "--seed", "-2"],
        ["probe", "--agent", "ppo", "--distribution", ""],
        ["probe", "--agent", "ppo", "--out", FILE + "/p"],
        ["probe", "--agent", "ppo", "--save-probes", FILE],
        ["probe", "--agent", "ppo", "--save-probes", "/proc/x"],
        ["probe", "--agent", "nobody"],
        ["probe"],
    ],
    "steer": [
        ["steer", "--agent", "ppo", "--levels", "0"],
        ["steer", "--agent", "ppo", "--fit-levels", "-1"],
        ["steer", "--agent", "ppo", "--levels", "100000000"],
        ["steer", "--agent", "ppo", "--seed", "x"],
        ["steer", "--agent", "ppo", "--alphas", "1,nan"],
        ["steer", "--agent", "ppo", "--alphas", ","],
        ["steer", "--agent", "ppo", "--alphas", ",".join(["1"] * 1000)],
        ["steer", "--agent", "ppo", "--alphas", "1e30"],
        ["steer", "--agent", "ppo", "--distribution", "nowhere"],
        ["steer", "--agent", "ppo", "--out", FILE + "/s"],
        ["steer", "--agent", "nobody"],
        ["steer"],
    ],
    "thinking": [
        ["thinking", "--agents", "nobody"],
        ["thinking", "--agents", "oracle"],
        ["thinking", "--episodes", "0"],
        ["thinking", "--rounds-test", "0"],
        ["thinking", "--rounds-test", "999"],
        ["thinking", "--distributions", "nowhere"],
        ["thinking", "--distributions", ","],
        ["thinking", "--out", FILE + "/t"],
    ],
    "report": [
        ["report"],
        ["report", "nothing"],
        ["report", "finding", "--out", FILE + "/t"],
        ["report", "finding", "--docs", "nowhere", "--out", "made-here"],
    ],
}
CASES = [(cmd, argv) for cmd, calls in BAD_CALLS.items() for argv in calls]


@pytest.mark.parametrize("command, argv", CASES, ids=[" ".join(a) or "(empty)" for _, a in CASES])
def test_bad_values_give_one_line_and_a_nonzero_exit(command, argv, capsys, tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # nothing may be written even where it could be
    try:
        code = main.main(argv)
    except SystemExit as exc:  # argparse's own exit after its one line
        code = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code not in (0, None), f"{argv} exited 0"
    assert len(lines) == 1, f"{argv}: stderr was\n{err}"
    assert "Traceback" not in err
    assert not any(work.iterdir()), f"{argv} wrote {list(work.iterdir())}"


def test_the_table_covers_every_subcommand():
    parser = main.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) <= set(BAD_CALLS)


@pytest.mark.slow
@pytest.mark.parametrize("argv", [["eval", "--episodes", "0"], ["train", "--agent", "mesa", "--threads", "0"]])
def test_a_real_process_also_gives_one_line(argv):
    proc = subprocess.run(
        [sys.executable, "main.py", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


BUNDLE_LIKE = """
import importlib.abc, sys
class NoResearch(importlib.abc.MetaPathFinder):
    # what build.spec leaves out of the double-click bundle
    def find_spec(self, name, path=None, target=None):
        if name in ("reddoor.lab", "torch") or name.startswith(("reddoor.lab.", "torch.", "reddoor.agents.train")):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoResearch())
sys.frozen = True
import main
sys.exit(main.main(sys.argv[1:]))
"""


def test_the_bundle_hides_research_commands_and_names_the_install():
    """Issue 13: `RedDoor --help` listed train, eval, study, and `RedDoor eval` ended in a traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    helped = subprocess.run(
        [sys.executable, "-c", BUNDLE_LIKE, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
    )
    assert helped.returncode == 0
    listed = helped.stdout.split("positional arguments")[1].split("options")[0]
    for command in main.HEAVY_COMMANDS:
        assert command not in listed
    assert "play" in helped.stdout and "info" in helped.stdout
    for command in main.HEAVY_COMMANDS:
        proc = subprocess.run(
            [sys.executable, "-c", BUNDLE_LIKE, command, "--episodes", "5"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert "research install" in proc.stderr and '".[train]"' in proc.stderr


def test_a_top_level_smoke_test_flag_survives_the_subcommand():
    import main

    parser = main.build_parser()
    assert parser.parse_args(["--smoke-test", "play"]).smoke_test is True  # did open a real window
    assert parser.parse_args(["--smoke-test", "edit", "paper-test"]).smoke_test is True
    assert parser.parse_args(["edit", "--smoke-test"]).smoke_test is True
    assert parser.parse_args(["play"]).smoke_test is False
