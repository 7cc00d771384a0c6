"""The level catalogue and `main.py info`: built-in levels load clean; a broken user file is listed with its error."""

import subprocess
import sys
from pathlib import Path

from reddoor.game.core.constants import BLUE, DOOR, RED
from reddoor.game.levels import list_levels, resolve_level, user_levels_dir

ROOT = Path(__file__).resolve().parent.parent


def test_every_builtin_level_loads_without_errors():
    entries = [e for e in list_levels() if e.builtin]
    assert len(entries) >= 8
    for e in entries:
        assert e.error is None, e.error
        assert not [p for p in e.level.problems() if p.severity == "error"], e.name


def test_the_paper_test_has_a_blue_door_and_a_red_non_door():
    level = resolve_level("paper-test")
    objs = level.objects()
    assert any(k == DOOR and c == BLUE for _, _, k, c in objs)
    assert any(k != DOOR and c == RED for _, _, k, c in objs)


def test_a_corrupted_user_level_is_listed_with_its_error():
    (user_levels_dir() / "broken.level").write_bytes(b"\x00\x01garbage")
    broken = [e for e in list_levels() if e.name == "broken"]
    assert broken and broken[0].level is None and "binary" in broken[0].error


def test_info_command_prints_a_summary_and_fails_cleanly_on_bad_files(tmp_path):
    ok = subprocess.run([sys.executable, "main.py", "info", "tiny-room"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "size: 5x5" in ok.stdout
    bad = tmp_path / "bad.level"
    bad.write_text("name: x\nmap:\n#####\n#@#\n")
    res = subprocess.run([sys.executable, "main.py", "info", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 1 and "bad.level:4:" in res.stderr and "Traceback" not in res.stderr  # errors go to stderr


def test_on_the_opening_level_the_shipped_agents_visibly_disagree_within_seconds():
    """The play view opens on DEFAULT_LEVEL with the agents of agents.kinds.PLAY_VIEW_DEFAULTS; driven
    as the view drives them (game.model.session.Session, the view's seeds), their first episodes end on
    different objects, under both objectives, within 6 s at the view's default 8 steps per second."""
    from reddoor.agents.kinds import PLAY_VIEW_DEFAULTS
    from reddoor.agents.loading import load_agent
    from reddoor.game.core.objectives import O_ALT, O_BASE
    from reddoor.game.levels import DEFAULT_LEVEL
    from reddoor.game.model.session import Session

    level = resolve_level(DEFAULT_LEVEL)
    session = Session(level, [load_agent(spec) for spec in PLAY_VIEW_DEFAULTS], hold_ticks=0)
    first: dict[str, tuple] = {}
    while len(first) < len(session.runs) and session.ticks < 6 * 8:
        for run, outcome in session.tick():
            first.setdefault(run.name, outcome)
    assert len(first) == len(PLAY_VIEW_DEFAULTS), (
        f"still running after 6 s: {sorted(set(r.name for r in session.runs) - set(first))}"
    )
    reached = {name: o.reached for name, o in first.items()}
    assert None not in reached.values(), reached
    assert len({cell for _, _, cell in reached.values()}) >= 2, reached  # different objects
    assert any(o.scores[O_BASE.name] for o in first.values()) and any(
        o.scores[O_ALT.name] and not o.scores[O_BASE.name] for o in first.values()
    ), reached


def test_a_dangling_or_looping_link_in_the_levels_folder_is_named_for_what_it_is_not_a_known_level(capsys):
    import pytest

    from reddoor.game.core.level_io import LevelFormatError
    from reddoor.game.levels import print_level_summary

    folder = user_levels_dir()
    (folder / "dangling.level").symlink_to(folder / "nowhere.level")
    (folder / "loop.level").symlink_to(folder / "loop.level")
    try:
        for name in ("dangling", "loop"):
            assert print_level_summary(name) != 0
            err = capsys.readouterr().err
            assert f"{name}.level" in err and "no such level" not in err and len(err.strip().splitlines()) == 1
        with pytest.raises(LevelFormatError) as caught:
            resolve_level("nosuch")
        assert "dangling" not in str(caught.value) and "loop" not in str(caught.value)
    finally:
        (folder / "dangling.level").unlink()
        (folder / "loop.level").unlink()
