"""The options section of docs/reference.md, made from the commands' own argparse parsers, so the
page and `--help` cannot disagree (tests/test_docs.py regenerates it and compares).

    python3 tools/options_doc.py           # rewrite the section in docs/reference.md
    python3 tools/options_doc.py --check   # exit 1 if the page is out of date
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference.md"
BEGIN, END = "<!-- options: made by tools/options_doc.py -->", "<!-- /options -->"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    sys.path.insert(0, str(ROOT))
    import main

    out = []
    top = main.build_parser()
    out.append(("reddoor", top))
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        if name == "train":  # its options depend on the agent trained: one table per kind
            train = importlib.import_module(main.HEAVY_COMMANDS[name])
            out += [(f"train --agent {kind}", train.build_parser(kind)) for kind in sorted(train.algorithms())]
            continue
        if name in main.HEAVY_COMMANDS:
            parser = importlib.import_module(main.HEAVY_COMMANDS[name]).build_parser()
        out.append((name, parser))
    return out


def options(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """(the option as typed, its help) for every option a user can give, positionals first."""
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or action.help == argparse.SUPPRESS:
            continue
        if action.dest == "rest":  # main's pass-through to a research command's own parser
            continue
        if action.option_strings:
            flag = ", ".join(action.option_strings)
            if action.nargs != 0:
                flag += " " + (action.metavar or action.dest.upper())
        else:
            flag = str(action.metavar or action.dest.upper())
        text = (action.help or "") % {"default": action.default} if action.help and "%(" in action.help else action.help
        rows.append((flag, text or ""))
    return rows


def section() -> str:
    lines = [BEGIN, ""]
    for name, parser in _parsers():
        title = "`python main.py`" if name == "reddoor" else f"`python main.py {name}`"
        lines += [f"### {title}", ""]
        rows = options(parser)
        if not rows:
            lines += ["(no options)", ""]
            continue
        lines += ["| option | what it does |", "|---|---|"]
        lines += [f"| `{_cell(flag)}` | {_cell(text)} |" for flag, text in rows]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def updated(page: str) -> str:
    head, found, rest = page.partition(BEGIN)
    if not found:
        return page.rstrip() + "\n\n## Every command's options\n\n" + section() + "\n"
    _, _, tail = rest.partition(END)
    return head + section() + tail


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    page = PAGE.read_text()
    new = updated(page)
    if check:
        if new != page:
            print(f"{PAGE.relative_to(ROOT)}: the options section is out of date: run python3 tools/options_doc.py")
            return 1
        return 0
    PAGE.write_text(new)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
