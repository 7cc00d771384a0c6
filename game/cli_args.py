"""The one place that checks command-line values: bounded whole numbers, non-empty lists, output
paths that can be written, and a parser whose errors are one line on stderr, never a traceback.

Every subcommand (play, edit, info, train, eval, study) builds its parser from `Parser` and reads
its numbers through `count`. No pygame, no torch, no lab: the app, the trainers and the lab all
import it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from reddoor.game.core.constants import MAX_ROUNDS

# Documented bounds (README, "Reliability"): far above any real run, low enough that a typo such
# as an extra three zeros is refused before it eats memory or days.
MAX_EPISODES = 1_000_000  # levels per distribution in eval / study
MAX_STEPS = 10_000_000_000  # training environment steps (or labelled pairs)
MAX_JOBS = 512  # worker processes
MAX_THREADS = 512  # torch threads
MAX_SEEDS = 100_000  # seeds in one study
MAX_SEED = 2**31 - 1  # a seed or a block of evaluation levels
MAX_ALPHAS = 32  # steering strengths in one `steer` run (each one a pass over every target)
MAX_ALPHA = 1e4  # |alpha| or mesa's |delta|: beyond it the network's rounds overflow float32
MAX_PROBE_LEVELS = 5_000  # probe / steer levels: each one's hidden states are kept for the fit (25x the default)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: `PROG: error: MESSAGE` on stderr, exit 2 (argparse prints
    the whole usage block before it, which buries the one line that matters)."""

    def error(self, message: str):  # noqa: D401 (argparse's name)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def count(name: str, low: int = 1, high: int | None = None):
    """An argparse type: a whole number in [low, high], else a one-line message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is too small; it must be at least {low}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{value:,} is too large; the most is {high:,}")
        return value

    parse.__name__ = name.lstrip("-")  # argparse names the type in some messages
    return parse


def finite_float(name: str, low: float | None = None, high: float | None = None):
    """An argparse type: a finite number, optionally within [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"{value} is too small; it must be at least {low}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{value} is too large; the most is {high}")
        return value

    parse.__name__ = name.lstrip("-")
    return parse


def name_list(name: str):
    """An argparse type: a comma-separated list with at least one non-empty item."""

    def parse(text: str) -> list[str]:
        items = [x.strip() for x in str(text).split(",") if x.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"{text!r} names nothing; give at least one, comma-separated")
        return items

    parse.__name__ = name.lstrip("-")
    return parse


def count_list(name: str, low: int = 1, high: int | None = None, most: int = 64):
    """An argparse type: comma-separated whole numbers, each in [low, high], at most `most` of them."""
    one = count(name, low, high)

    def parse(text: str) -> list[int]:
        items = name_list(name)(text)
        if len(items) > most:
            raise argparse.ArgumentTypeError(f"{len(items)} values; the most is {most}")
        return list(dict.fromkeys(one(x) for x in items))

    parse.__name__ = name.lstrip("-")
    return parse


ROUNDS_TEST_HELP = (
    "comma-separated rounds K at test time for FieldNet agents (ppo, imitation), each agent once per K, "
    f"1..{MAX_ROUNDS} (default: each net's trained K); an agent spec may say it too: imitation-k48@96"
)


def rounds_test_option(p: argparse.ArgumentParser) -> None:
    """--rounds-test K[,K...]: the thinking-time dial of eval, goals, probe and steer."""
    p.add_argument(
        "--rounds-test",
        type=count_list("--rounds-test", 1, MAX_ROUNDS),
        default=None,
        metavar="K[,K...]",
        help=ROUNDS_TEST_HELP,
    )


def output_problem(path: str | os.PathLike, suffix: str | None = None, folder: bool = False) -> str | None:
    """Why `path` cannot be written as an output (a file with `suffix`, or a folder), or None.

    Checked before any work starts: the parent must exist (or be creatable) and be writable, a
    file output must not be a folder, a folder output must not be a file. Nothing is created.
    """
    p = Path(path)
    if str(path).strip() == "":
        return "is empty"
    if folder:
        if p.exists() and not p.is_dir():
            return "exists and is not a folder"
        target = p
    else:
        if p.is_dir():
            return "is a folder; give a file name"
        if suffix and p.suffix.lower() != suffix:
            return f"must end in {suffix}"
        if p.exists() and not os.access(p, os.W_OK):
            return "exists and is not writable"
        target = p.parent
    # The nearest existing ancestor decides: it must be a writable folder (the rest can be made).
    probe = target if str(target) else Path(".")
    while not probe.exists():
        if probe.is_symlink():
            return f"{probe} is a dangling link"
        parent = probe.parent
        if parent == probe:
            break
        probe = parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"cannot write in {probe} (permission denied)"
    return None


def fail(prog: str, message: str, code: int = 2) -> int:
    """Print the one-line error every command uses and return its exit code."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code
