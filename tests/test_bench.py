"""Benchmarks: the yardstick gives a positive machine factor, and every bench keeps its figures as
key=value pairs on its last line, machine_factor among them. Quick: nothing here trains or times."""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path

import pytest

from bench import yardstick

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.slow
def test_machine_factor_is_a_positive_float():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        yardstick.main()  # one isolated measurement (a child process, about 2 s)
    figures = yardstick.parse_last_line(out.getvalue())
    assert set(figures) == {"yardstick_s", "machine_factor"}
    seconds, factor = float(figures["yardstick_s"]), float(figures["machine_factor"])
    assert seconds > 0 and factor > 0
    assert factor == pytest.approx(yardstick.REFERENCE_SECONDS / seconds, rel=0.02, abs=0.006)  # printed to 2 places


def test_last_line_parser():
    text = "some words: 1,234 steps/s\n\nenv_steps_per_s=6604191 minigrid_ratio=nan machine_factor=1.02 \n\n"
    assert yardstick.parse_last_line(text) == {
        "env_steps_per_s": "6604191",
        "minigrid_ratio": "nan",
        "machine_factor": "1.02",
    }
    assert yardstick.parse_last_line("") == {}


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in ("__init__", "yardstick")))
def test_every_bench_documents_machine_factor_on_its_last_line(name):
    source = (BENCH / f"{name}.py").read_text()
    doc = ast.get_docstring(ast.parse(source)) or ""
    assert "Last line:" in doc and "machine_factor=" in doc.split("Last line:", 1)[1]
    assert "machine_factor()" in source  # measured in the same run


def test_train_last_line_keeps_every_figure():
    from bench.train import last_line, minutes_to

    rows = [{"wall_s": 30.0, "o_base": 0.5}, {"wall_s": 90.0, "o_base": 0.96}, {"wall_s": 120.0, "o_base": 0.97}]
    assert minutes_to(rows) == 1.5 and minutes_to(rows[:1]) is None
    results = {
        "ours": {"o_base": 0.97, "minutes_to_95": 1.5, "steps_per_s": 2000.0},
        "cnn": {"o_base": 0.5, "minutes_to_95": None, "steps_per_s": 400.0},
    }
    figures = yardstick.parse_last_line(last_line(results, 2.0))
    assert figures["ours_o_base"] == "0.970" and figures["mlp_o_base"] == figures["sb3_o_base"] == "nan"
    assert figures["ours_minutes_to_95"] == "1.50" and figures["ours_ref_minutes_to_95"] == "3.00"
    assert figures["cnn_minutes_to_95"] == "none" and figures["mlp_minutes_to_95"] == "nan"
    assert figures["steps_per_s_ratio_cnn"] == "5.00" and figures["steps_per_s_ratio"] == "nan"
    assert figures["machine_factor"] == "2.00"
