"""The docs a reader follows: the README's front page, the pages under docs/, their links, the key
tables against the keymaps the app runs on, and the options section against the parsers."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
MOVED = ["guide", "reference", "research", "reliability", "benchmarks"]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", page.read_text(), re.M)}


def test_every_relative_link_in_the_docs_reaches_a_file_and_its_heading():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no heading '{anchor}')")
    assert not broken, "\n".join(broken)


def test_the_readme_is_a_front_page_that_links_the_finding_and_every_page():
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines"
    assert any("docs/finding.md" in line for line in lines[:20]), "the first screen must link docs/finding.md"
    for name in MOVED:
        assert f"(docs/{name}.md)" in README.read_text(), f"README.md does not link docs/{name}.md"
    assert (ROOT / "docs" / "finding.png").is_file()


def test_each_moved_section_lives_in_one_place_only():
    seen: dict[str, str] = {}
    twice = []
    for page in [README] + [ROOT / "docs" / f"{n}.md" for n in MOVED]:
        for heading in re.findall(r"^#{2,3} (.+)$", page.read_text(), re.M):
            if heading.startswith("`python main.py"):  # the options tables: one per command
                continue
            if heading in seen:
                twice.append(f"{heading!r}: {seen[heading]} and {page.name}")
            seen.setdefault(heading, page.name)
    assert not twice, twice
    history = [p.name for p in [README] + [ROOT / "docs" / f"{n}.md" for n in MOVED] if "first build" in p.read_text()]
    assert not history, f"history belongs in CHANGELOG.md: {history}"


def _key_column(title: str) -> str:
    text = README.read_text()
    block = text.split(f"### {title}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    return "\n".join(line.split("|")[1] for line in block.splitlines() if line.startswith("|"))


def _tokens(label: str) -> list[str]:
    return [t.strip() for t in re.split(r" / | or |,", label.replace("or wheel", "")) if t.strip()]


def test_the_readme_key_tables_list_every_key_the_help_overlay_lists():
    from reddoor.game.scenes.editor import EDITOR_BINDINGS
    from reddoor.game.scenes.keymap import BINDINGS

    for title, bindings in (("Play view", BINDINGS), ("Editor", EDITOR_BINDINGS)):
        column = _key_column(title)
        missing = [b.label for b in bindings if b.in_help for t in _tokens(b.label) if t not in column]
        assert not missing, f"README's {title} key table lacks {missing}"


def test_the_options_section_of_the_reference_is_what_the_parsers_say():
    sys.path.insert(0, str(ROOT / "tools"))
    import options_doc

    page = options_doc.PAGE.read_text()
    assert options_doc.BEGIN in page
    assert options_doc.updated(page) == page, "docs/reference.md is out of date: run python3 tools/options_doc.py"
    for flag in ("--rounds-test", "--decode", "--agents", "--out"):
        assert f"`{flag}" in page
