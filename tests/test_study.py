"""The seed study: a tiny one end to end, stopped after one seed and resumed, and on a local Ray."""

import json

import pytest

from reddoor.lab import study

# A few seconds of mesa training on a small pool: enough to make real checkpoints.
TINY = {
    "agent": "mesa",
    "steps": 1500,
    "episodes": 40,
    "eval_seed": 0,
    "threads": 1,
    "train_args": {"pool_size": "32", "num_envs": "16", "episodes_per_update": "16"},
}


def stop_after_first_seed(messages):
    def log(msg):
        messages.append(msg)
        if msg.startswith("seed-"):
            raise KeyboardInterrupt  # what Ctrl-C does between two seeds

    return log


@pytest.mark.slow
def test_a_stopped_study_resumes_and_trains_only_the_missing_seed(tmp_path):
    out = tmp_path / "study"
    first: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        study.run_study(out, TINY, [0, 1], jobs=1, log=stop_after_first_seed(first))
    seeds_dir = out / "seeds"
    assert [p.name for p in sorted(seeds_dir.glob("seed-*.json"))] == ["seed-0000.json"]
    assert not (seeds_dir / "seed-0001.npz").exists()
    seed0 = json.loads((seeds_dir / "seed-0000.json").read_text())
    assert seed0["trained_now"] is True
    stamp = (seeds_dir / "seed-0000.npz").stat().st_mtime_ns

    second: list[str] = []
    results = study.run_study(out, TINY, [0, 1], jobs=1, log=second.append)
    assert sorted(results) == ["seed-0000", "seed-0001"]
    results = {int(k[-4:]): v for k, v in results.items()}
    assert second[0].startswith("1 of 2 units already done")
    assert (seeds_dir / "seed-0000.npz").stat().st_mtime_ns == stamp  # seed 0 not trained again
    assert json.loads((seeds_dir / "seed-0000.json").read_text()) == seed0
    assert results[1]["trained_now"] is True and (seeds_dir / "seed-0001.npz").exists()
    for r in results.values():
        n = r["episodes"]
        assert (
            n == 40
            and r["o_base_count"] + r["o_alt_count"] - r["both_count"] + r["neither_count"] + r["timeout_count"] == n
        )
        assert r["prefers"] in ("O_base", "O_alt", "undecided") and 0.0 <= r["train_o_base"] <= 1.0
    for name in ("study.csv", "study.md", "study.png", "study.json"):
        assert (out / name).exists()
    assert "| seed |" in (out / "study.md").read_text()

    # A checkpoint whose result was lost is evaluated again, not retrained.
    (seeds_dir / "seed-0001.json").unlink()
    stamp1 = (seeds_dir / "seed-0001.npz").stat().st_mtime_ns
    again = {int(k[-4:]): v for k, v in study.run_study(out, TINY, [0, 1], jobs=1, log=lambda m: None).items()}
    assert again[1]["trained_now"] is False and (seeds_dir / "seed-0001.npz").stat().st_mtime_ns == stamp1
    assert {k: v for k, v in again[1].items() if k not in ("trained_now", "train_process_s")} == {
        k: v for k, v in results[1].items() if k not in ("trained_now", "train_process_s")
    }

    # Other settings in the same folder are refused rather than mixed in.
    with pytest.raises(ValueError, match="other settings"):
        study.run_study(out, {**TINY, "steps": 999}, [0, 1], jobs=1, log=lambda m: None)


def test_study_command_line_checks(tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:  # --seeds 0 is refused by the parser (game/cli_args.py), exit 2
        study.main(["--agent", "mesa", "--seeds", "0", "--steps", "10", "--out", str(tmp_path)])
    assert refused.value.code == 2
    assert (
        study.main(
            ["--agent", "mesa", "--seeds", "1", "--steps", "10", "--out", str(tmp_path), "--train-arg", "nonsense"]
        )
        == 2
    )
    assert "KEY=VALUE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        study.main(["--agent", "rocket", "--seeds", "1", "--steps", "10", "--out", str(tmp_path)])


@pytest.mark.slow
def test_a_tiny_study_on_a_local_ray_instance(tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(study.ROOT)}},
    )
    try:
        results = study.run_study(tmp_path / "ray-study", TINY, [5], ray_address="local", log=lambda m: None)
    finally:
        ray.shutdown()
    assert sorted(results) == ["seed-0005"] and results["seed-0005"]["trained_now"] is True
    for name in ("seed-0005.npz", "seed-0005.json", "seed-0005.log", "seed-0005-curve.csv"):
        assert (tmp_path / "ray-study" / "seeds" / name).exists(), name


@pytest.mark.slow
def test_a_rounds_and_layout_sweep_trains_each_unit_and_combines_into_the_dial(tmp_path, capsys):
    tiny_imitation = [
        "--train-arg",
        "pool_size=16",
        "--train-arg",
        "channels=4",
        "--train-arg",
        "eval_every=1000",
        "--train-arg",
        "eval_episodes=8",
        "--episodes",
        "12",
        "--jobs",
        "1",
    ]
    out = tmp_path / "imitation"
    assert (
        study.main(
            [
                "--agent",
                "imitation",
                "--rounds",
                "1,3",
                "--layouts",
                "maze,open",
                "--seeds",
                "1",
                "--steps",
                "2000",
                "--out",
                str(out),
            ]
            + tiny_imitation
        )
        == 0
    )
    names = sorted(p.stem for p in (out / "seeds").glob("*.json"))
    assert names == ["k1-seed-0000", "k3-seed-0000", "open-k1-seed-0000", "open-k3-seed-0000"]
    from reddoor.agents.checkpoint import read_checkpoint

    meta, _ = read_checkpoint(out / "seeds" / "open-k3-seed-0000.npz")
    assert meta["architecture"]["iterations"] == 3 and meta["training_distribution"] == "open-train"
    # the mesa planner has no rounds to sweep
    assert (
        study.main(["--agent", "mesa", "--rounds", "2", "--seeds", "1", "--steps", "10", "--out", str(tmp_path / "m")])
        == 2
    )
    mesa = tmp_path / "mesa"
    study.run_study(mesa, TINY, [study.make_unit(0, "open")], jobs=1, log=lambda m: None)
    capsys.readouterr()
    assert study.main(["--combine", str(out), str(mesa), "--out", str(tmp_path / "dial")]) == 0
    text = (tmp_path / "dial" / "study-search.md").read_text()
    assert "| open | planner | mesa | 1 |" in text and "| maze | K=3 | imitation | 1 |" in text
    assert (tmp_path / "dial" / "study-search.png").stat().st_size > 0
    rows = (tmp_path / "dial" / "study-search.csv").read_text().splitlines()
    assert len(rows) == 1 + 5


def test_the_device_a_study_ran_on_is_not_one_of_its_settings(tmp_path):
    study.check_config(tmp_path, {**TINY, "train_args": {"device": "cuda", "lr": "0.01"}})
    study.check_config(tmp_path, {**TINY, "train_args": {"device": "cpu", "lr": "0.01"}})  # goes on
    with pytest.raises(ValueError, match="other settings"):
        study.check_config(tmp_path, {**TINY, "train_args": {"device": "cpu", "lr": "0.02"}})


# -- a study folder in use or damaged (issue 26 items 2, 3): one line naming it, before any training --
def test_a_study_folder_in_use_by_a_live_run_is_refused_and_a_dead_runs_lock_is_taken_over(tmp_path):
    import os

    out = tmp_path / "study"
    out.mkdir()
    (out / study.LOCK).write_text(str(os.getppid()))  # a live process holds it
    with pytest.raises(ValueError, match=r"in use by another study run \(pid \d+\)"):
        study.run_study(out, TINY, [0], jobs=1, log=lambda m: None)
    assert not (out / "seeds").exists()  # nothing started
    (out / study.LOCK).write_text("999999999")  # no such process: a run that died
    lock = study.take_folder(out)
    assert lock.read_text() == str(os.getpid())
    lock.unlink()


@pytest.mark.parametrize("damage", ["binary settings", "settings a folder", "seeds a file"])
def test_a_damaged_study_folder_is_one_message_naming_the_file(tmp_path, damage, capsys):
    out = tmp_path / "study"
    out.mkdir()
    if damage == "binary settings":
        (out / "study.json").write_bytes(b"\xff\xfe\x00garbage")
    elif damage == "settings a folder":
        (out / "study.json").mkdir()
    else:
        (out / "seeds").write_text("not a folder")
    from reddoor.lab.study import main

    code = main(["--agent", "mesa", "--seeds", "1", "--steps", "100", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert ("study.json" in err[0]) if damage != "seeds a file" else ("seeds" in err[0] and "is a file" in err[0])
    assert not (out / study.LOCK).exists()  # released
