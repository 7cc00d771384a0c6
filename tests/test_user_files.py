"""The user's files: special files in the levels folder, an unusable user
folder, temporary files left by killed saves, saves through symlinks and outside the user folder."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reddoor.game.core.level_io import LevelFormatError, format_level, load_level, save_level
from reddoor.game.core.safe_io import TEMP_SUFFIX, clean_stale_temps, is_our_temp
from reddoor.game.levels import list_levels, resolve_level

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("REDDOOR_KILLS", "20"))


def run_py(code: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


# -- item 6: special files named *.level ------------------------------------------------------------
def test_special_files_in_the_levels_folder_are_skipped_with_a_note(tmp_path):
    """A FIFO used to hang the play view at start; a link to /dev/zero exhausted memory; then no
    level was listed at all. The catalogue now lists every other level within seconds."""
    home = tmp_path / "home"
    levels = home / "levels"
    levels.mkdir(parents=True)
    save_level(resolve_level("paper-test"), levels / "mine.level")
    os.mkfifo(levels / "fifo.level")
    (levels / "zero.level").symlink_to("/dev/zero")
    (levels / "folder.level").mkdir()
    with open(levels / "huge.level", "wb") as fh:  # sparse: 5 GB that take no disk
        fh.truncate(5 << 30)
    t = time.perf_counter()
    proc = run_py(
        """
        from reddoor.game.levels import list_levels
        for e in list_levels():
            print(e.name, "ok" if e.level is not None else "error: " + e.error)
    """,
        timeout=60,
        env={"REDDOOR_HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr
    assert time.perf_counter() - t < 30
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert lines["mine"] == "ok" and lines["paper-test"] == "ok"
    assert "FIFO" in lines["fifo"]
    assert "character device" in lines["zero"]
    assert "folder" in lines["folder"]
    assert "at most" in lines["huge"]


def test_load_level_refuses_a_fifo_at_once(tmp_path):
    fifo = tmp_path / "x.level"
    os.mkfifo(fifo)
    with pytest.raises(LevelFormatError, match="FIFO"):
        load_level(fifo)


def test_info_on_a_fifo_says_what_it_is(tmp_path):
    fifo = tmp_path / "x.level"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "main.py", "info", str(fifo)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1 and "FIFO" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


# -- item 5: an unusable user folder -------------------------------------------------------------------
def unusable_homes(tmp_path) -> list[Path]:
    afile = tmp_path / "a-file"
    afile.write_text("not a folder")
    homes = [afile / "home"]  # a user folder under a file: every mkdir fails, for root too
    if os.geteuid() != 0:  # root writes anywhere, so a read-only folder only tells for others
        ro = tmp_path / "read-only"
        ro.mkdir()
        ro.chmod(0o500)
        homes.append(ro / "home")
    return homes


def test_unusable_user_folder_lists_builtin_levels_and_turns_the_autosave_off(tmp_path, monkeypatch, capsys):
    for home in unusable_homes(tmp_path):
        monkeypatch.setenv("REDDOOR_HOME", str(home))
        names = [e.name for e in list_levels()]
        assert "paper-test" in names
        assert resolve_level("paper-test").name
        from reddoor.game.editor_files import Recovery

        recovery = Recovery()
        assert not recovery.enabled and "autosave is off" in recovery.last_error
        assert recovery.maybe_save(resolve_level("paper-test"), None, 1, True) is False
        assert recovery.pending() is None
        recovery.clear()
    assert "not usable" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["info", "paper-test"], ["--smoke-test"], ["edit", "paper-test", "--smoke-test"]])
def test_play_edit_and_info_run_with_an_unusable_user_folder(tmp_path, argv):
    """Item 5: read-only REDDOOR_HOME, or one under a file, used to break play, edit and even info."""
    for home in unusable_homes(tmp_path):
        env = {**os.environ, "REDDOOR_HOME": str(home), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        proc = subprocess.run(
            [sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr


# -- item 7: temporary files of killed saves ----------------------------------------------------------
def test_stale_temp_files_of_ours_are_removed_and_nothing_else(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".x.level.{dead.pid}.abc123{TEMP_SUFFIX}"
    live = tmp_path / f".x.level.{os.getppid()}.def456{TEMP_SUFFIX}"
    old_live = tmp_path / f".y.level.{os.getppid()}.ghi789{TEMP_SUFFIX}"
    first_build_old = [
        tmp_path / ".x.level.ab12cd_3.tmp",
        tmp_path / "ppo.npz.tmp.npz",
        tmp_path / ".recovery.zz99yy88.tmp",
    ]
    first_build_new = tmp_path / ".y.level.ab12cd_3.tmp"  # might be a save of the first build running now
    theirs = [tmp_path / ".x.level.123.tmp", tmp_path / "notes.reddoor-tmp.txt", tmp_path / "x.level", first_build_new]
    for p in [stale, live, old_live, *first_build_old, *theirs]:
        p.write_text("x")
    for p in [old_live, *first_build_old]:
        os.utime(p, (time.time() - 3 * 86400,) * 2)
    removed = clean_stale_temps(tmp_path)
    assert set(removed) == {stale, old_live, *first_build_old}
    assert live.exists() and all(p.exists() for p in theirs)
    assert is_our_temp(stale.name) and not is_our_temp(".x.level.123.tmp")


SAVER = """
import sys
from pathlib import Path
import numpy as np
what, target = sys.argv[1], Path(sys.argv[2])
if what == "level":
    from reddoor.game.core.level_io import parse_level, save_level
    texts = [Path(p).read_text() for p in sys.argv[3:5]]
    levels = [parse_level(t) for t in texts]
    print("ready", flush=True)
    i = 0
    while True:
        save_level(levels[i % 2], target)
        i += 1
else:
    from reddoor.agents.checkpoint import save_checkpoint
    from reddoor.agents import nn
    config = {"arch": "cellscorer", "hidden": 64, "in_channels": 11}
    shapes = nn.CellScorer.expected_shapes(config)
    sets = [{k: np.full(s, v, np.float32) for k, s in shapes.items()} for v in (0.25, 0.5)]
    meta = {"kind": "mesa", "architecture": config}
    print("ready", flush=True)
    i = 0
    while True:
        save_checkpoint(target, sets[i % 2], dict(meta, seed=i % 2))
        i += 1
"""


def test_the_editor_start_cleans_what_a_killed_autosave_left(tmp_path):
    from reddoor.game.editor_files import Recovery

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".editor-recovery.level.{dead.pid}.x1y2z3{TEMP_SUFFIX}"
    left.write_text("half a level")
    Recovery(tmp_path)
    assert not left.exists()


@pytest.mark.slow
@pytest.mark.parametrize("what", ["level", "checkpoint"])
def test_kill_minus_9_during_saves_leaves_the_old_or_the_new_file_and_temps_are_cleaned(tmp_path, what):
    """Item 7: 152 of 250 killed level saves and 67 of 100 killed checkpoint saves left .tmp files
    that nothing removed. Every kill leaves the target whole (old or new); the next save into the
    folder removes what the killed writers left."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / ("x.level" if what == "level" else "x.npz")
    args = []
    if what == "level":
        a, b = resolve_level("paper-test"), resolve_level("red-key-near")
        for name, lvl in (("a.txt", a), ("b.txt", b)):
            (tmp_path / name).write_text(format_level(lvl))
            args.append(str(tmp_path / name))
        wanted = {format_level(a), format_level(b)}
    rng = random.Random(15)
    left_behind = 0
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, what, str(target), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if target.exists():
            if what == "level":
                assert target.read_text() in wanted
            else:
                from reddoor.agents.checkpoint import read_checkpoint

                meta, params = read_checkpoint(target)
                assert meta["seed"] in (0, 1) and float(params["fc1.weight"].flat[0]) == (0.25, 0.5)[meta["seed"]]
        left_behind += sum(1 for p in folder.iterdir() if is_our_temp(p.name))
    assert target.exists()
    # "next start": the next save (or listing) in the folder removes every temp file a killed writer left
    clean_stale_temps(folder)
    assert [p.name for p in folder.iterdir()] == [target.name]
    print(f"{what}: {KILLS} kills, temp files seen after kills (all removed): {left_behind}")


# -- item 9: saves through symlinks and outside the user folder -----------------------------------------
def test_ctrl_s_on_a_symlinked_level_writes_through_the_link(tmp_path):
    real = tmp_path / "elsewhere" / "real.level"
    real.parent.mkdir()
    save_level(resolve_level("paper-test"), real)
    link = tmp_path / "link.level"
    link.symlink_to(real)
    level = load_level(link)
    level.name = "changed through the link"
    written = save_level(level, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert written == real
    assert load_level(real).name == "changed through the link"


def test_the_editor_says_where_a_save_outside_the_levels_folder_lands(tmp_path, capsys):
    from reddoor.game.editor_files import describe_target, save_target, user_level_path

    outside = tmp_path / "outside" / "x.level"
    outside.parent.mkdir()
    rel = os.path.relpath(outside)
    target = save_target(rel)
    assert target.is_absolute() and target == outside
    assert f"saving writes {outside}, outside your levels folder" in capsys.readouterr().err
    assert describe_target(user_level_path("mine")) is None
    link = user_level_path("linked")
    link.symlink_to(outside)
    assert describe_target(link) == f"saving writes {outside} (through the link {link}), outside your levels folder"


def test_saved_levels_get_an_ordinary_files_mode(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_level(resolve_level("paper-test"), tmp_path / "m.level")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
