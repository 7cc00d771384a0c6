"""Red Door: the command line. `python main.py` opens the play view; see --help for the rest."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path

from reddoor.game.cli_args import Parser

# Training, the experiment and the study load by name, so that PyInstaller's import analysis does
# not pull torch or matplotlib into the double-click bundle through them.
HEAVY_COMMANDS = {
    "train": "reddoor.agents.train.cli",
    "eval": "reddoor.lab.experiment",
    "study": "reddoor.lab.study",
    "goals": "reddoor.lab.goals",
    "probe": "reddoor.lab.probe",
    "steer": "reddoor.lab.steer",
    "thinking": "reddoor.lab.thinking",
    "report": "reddoor.lab.finding",
}
HEAVY_HELP = {
    "train": "train an agent (needs torch: the 'train' extra)",
    "eval": "score agents on distributions under every objective",
    "goals": "which goal each agent pursues on twin levels, and its competence at it (both decoders)",
    "study": "train many seeds of one kind and see how they split on conflict",
    "probe": "fit linear probes from a FieldNet's hidden state at every round to BFS distance fields",
    "steer": "retarget an agent by a 'goal here' direction (mesa: its objective) and measure success",
    "thinking": "thinking time: FieldNets at test rounds K/2 .. 4K, convergent or overthinking",
    "report": "pages made from the tables: `report finding` writes the one-page answer (finding.md, .png)",
}
RESEARCH_INSTALL = (
    "it runs from a source checkout with the research install: "
    'pip install -c constraints.txt ".[train]", then reddoor {command} ...'
)
INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C (128 + SIGINT)


class _PrintVersion(argparse.Action):
    """--version, looked up only when asked for (reading package metadata costs start-up time)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from reddoor import version  # installed: reddoor/ holds this file; a checkout: reddoor/ beside it

        print(f"reddoor {version(__file__)}")
        parser.exit()


def heavy_available(command: str) -> bool:
    """Whether this install holds the module of a research command (the double-click bundle
    leaves out lab and agents.train: build.spec). Looked for as a file, not imported: importing
    its packages would load the agents before the play view's first frame."""
    if getattr(sys, "frozen", False):  # the bundle: build.spec excludes them
        return False
    import reddoor

    *folders, name = HEAVY_COMMANDS[command].split(".")[1:]
    return any(Path(root, *folders, f"{name}.py").is_file() for root in reddoor.__path__)


def agent_list(text: str) -> list[str]:
    """An argparse type: comma-separated agent specs, at least one, none empty."""
    specs = [s.strip() for s in str(text).split(",")]
    if not any(specs) or not all(specs):
        raise argparse.ArgumentTypeError(f"{text!r}: give agents as SPEC,SPEC,... with none empty")
    return specs


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="reddoor", description="Red Door: a desktop lab for goal misgeneralization.")
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the version and exit")
    parser.add_argument(
        "--smoke-test", action="store_true", help="run the play view headless for a few hundred frames and exit"
    )
    parser.add_argument("--level", help="level file or built-in level name to open")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    play = sub.add_parser("play", help="the play view (the default)")
    play.add_argument("level_arg", nargs="?", metavar="LEVEL", help="level file or built-in level name")
    play.add_argument(
        "--agents",
        type=agent_list,
        default=None,
        metavar="SPECS",
        help="comma-separated agents for the panels: kinds (ppo, imitation, reflex, mesa, oracle, random), "
        "shipped variants (imitation-k8, mesa-diverse), name@K for thinking rounds, checkpoint paths "
        "(default: the shipped line-up)",
    )
    play.add_argument(
        "--smoke-test",
        action="store_true",
        default=argparse.SUPPRESS,  # keeps a top-level --smoke-test
        help="run headless for a few hundred frames and exit",
    )

    tour = sub.add_parser("tour", help="the presenter's tour: the finding in seven steps, → / ← to move")
    tour.add_argument(
        "--smoke-test", action="store_true", default=argparse.SUPPRESS, help="run every step headless and exit"
    )

    edit = sub.add_parser("edit", help="the level editor")
    edit.add_argument("level_arg", nargs="?", metavar="LEVEL", help="level file or built-in level name")
    edit.add_argument(
        "--smoke-test", action="store_true", default=argparse.SUPPRESS, help="scripted edit, save, reload, exit"
    )

    # Only the research commands this install can run are listed (the bundle has none of them).
    for command in HEAVY_COMMANDS:
        if heavy_available(command):
            cmd = sub.add_parser(command, help=HEAVY_HELP.get(command, f"see reddoor {command} --help"))
            cmd.add_argument("rest", nargs=argparse.REMAINDER)
    info = sub.add_parser("info", help="print a summary of a level file and its problems")
    info.add_argument("level_arg", metavar="LEVEL", help="level file or built-in level name")
    return parser


OPTIONAL_PACKAGES = {"torch": "train", "tqdm": "train", "matplotlib": "train", "ray": "ray"}  # package: extra


def run_heavy(command: str, rest: list[str]) -> int:
    """train / eval / study / probe / steer, which need packages beyond the app's; a missing one is
    named, not a traceback, and Ctrl-C ends them with one line and exit 130 (their own handlers
    say what was kept)."""
    if not heavy_available(command):
        print(
            f"reddoor: error: '{command}' is not part of this app; " + RESEARCH_INSTALL.format(command=command),
            file=sys.stderr,
        )
        return 2
    try:
        module = importlib.import_module(HEAVY_COMMANDS[command])
        return module.main(rest)
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if top not in OPTIONAL_PACKAGES:
            raise
        print(
            f"reddoor: error: '{command}' needs {top}, which is not installed here; "
            f"install the '{OPTIONAL_PACKAGES[top]}' extra, from the checkout: "
            f'pip install -c constraints.txt ".[{OPTIONAL_PACKAGES[top]}]"',
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"\nreddoor {command}: interrupted (Ctrl-C)", file=sys.stderr)
        return INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in HEAVY_COMMANDS:
        # Their own parsers read the rest: argparse.REMAINDER drops a rest that starts with an option.
        return run_heavy(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    command = args.command or "play"
    try:
        if command == "play":
            from reddoor.game.app import run_play

            return run_play(
                getattr(args, "level_arg", None) or args.level,
                smoke_test=args.smoke_test,
                agents=getattr(args, "agents", None),
            )
        if command == "edit":
            from reddoor.game.app import run_edit

            return run_edit(args.level_arg or args.level, smoke_test=args.smoke_test)
        if command == "tour":
            from reddoor.game.app import run_tour

            return run_tour(smoke_test=args.smoke_test)
        if command == "info":
            from reddoor.game.levels import print_level_summary

            return print_level_summary(args.level_arg)
    except KeyboardInterrupt:
        print(f"\nreddoor {command}: interrupted (Ctrl-C)", file=sys.stderr)
        return INTERRUPTED
    return 2


if __name__ == "__main__":
    sys.exit(main())
