"""The finding page: made from the tables the other commands wrote, every number traceable to them."""

import csv
import shutil
import statistics
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from reddoor.lab import finding  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _docs_copy(tmp_path) -> Path:
    d = tmp_path / "docs"
    for rel in finding.SOURCES.values():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DOCS / rel, d / rel)
    return d


def test_the_page_and_figure_are_made_from_the_shipped_tables(tmp_path, capsys):
    out = tmp_path / "out"
    assert finding.main(["finding", "--out", str(out)]) == 0
    text = (out / "finding.md").read_text()
    assert (out / "finding.png").stat().st_size > 10_000
    assert "## The answer" in text and "## True by construction" in text and text.count("<sub>From ") == 3
    # The K = 48 imitation seeds' competence on train at 48 rounds, greedy, as the page says it.
    with open(DOCS / "thinking-time.csv") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["group"] == "imitation/k48" and r["decode"] == "greedy" and r["distribution"] == "large"
        ]
    at = [float(r["o_base"]) for r in rows if r["rounds_test"] == "48"]
    assert f"{statistics.median(at):.3f} [{min(at):.3f}, {max(at):.3f}] at 48 rounds" in text


def test_a_missing_table_is_one_line_naming_it(tmp_path, capsys):
    d = _docs_copy(tmp_path)
    (d / "goals.csv").unlink()
    assert finding.main(["finding", "--docs", str(d), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "goals.csv: no such table" in err
    assert not (tmp_path / "out" / "finding.md").exists()


def test_a_table_without_the_rows_a_sentence_needs_names_the_file(tmp_path, capsys):
    d = _docs_copy(tmp_path)
    path = d / "thinking-time.csv"
    with open(path) as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r["distribution"] != "large")
    assert finding.main(["finding", "--docs", str(d), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert "thinking-time.csv" in err and "large" in err and "Traceback" not in err
