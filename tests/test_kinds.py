"""The agent-kind registry (agents/kinds.py): every entry is real, and a new entry is one line.

Adding a kind is meant to touch its inference module, its trainer and one `Kind(...)` line; the
second test adds such a line at run time (with a throwaway module and trainer) and checks that
loading, the study's and the train command's choices and the experiment's line-up all see it.
"""

import dataclasses
import importlib
import sys
import textwrap

import pytest

from reddoor.agents import kinds
from reddoor.agents.base import REGISTRY
from reddoor.agents.checkpoint import CheckpointError, read_checkpoint, save_checkpoint
from reddoor.agents.loading import LEARNED_KINDS, load_agent, shipped_path


@pytest.mark.parametrize("name", list(kinds.KINDS))
def test_every_kind_imports_registers_its_class_and_has_its_weights(name):
    entry = kinds.KINDS[name]
    importlib.import_module(entry.module)
    assert REGISTRY[name].kind == name, f"{entry.module} must register an Agent class of kind {name!r}"
    if entry.learned:
        assert LEARNED_KINDS[name] is REGISTRY[name]
        assert shipped_path(name).is_file(), f"a bare {name!r} loads {shipped_path(name)}"
        assert load_agent(name).name.split("-")[0] == name
    else:
        assert name not in LEARNED_KINDS and load_agent(name).kind == name
    if entry.has_rounds:
        assert entry.learned and entry.trainer


@pytest.mark.parametrize("name", kinds.trainable_kinds())
def test_every_trainer_has_args_and_train_for_its_kind(name):
    pytest.importorskip("torch")
    entry = kinds.KINDS[name]
    trainer = importlib.import_module(entry.trainer)
    assert callable(trainer.train) and dataclasses.is_dataclass(trainer.Args)
    fields = {f.name: f.default for f in dataclasses.fields(trainer.Args)}
    assert {"distribution", "seed", "steps", "threads"} <= set(fields)
    assert fields["distribution"] == entry.default_distribution
    assert ("rounds" in fields) == entry.has_rounds


def test_aliases_name_registered_kinds():
    for old, new in kinds.ALIASES.items():
        assert new in kinds.KINDS and old not in kinds.KINDS
    assert set(kinds.PLAY_VIEW_DEFAULTS) <= set(kinds.KINDS)


TOY_AGENT = """
from reddoor.agents.base import register
from reddoor.agents.reflex import ReflexAgent


@register
class ToyAgent(ReflexAgent):
    kind = "toy"
"""

TOY_TRAINER = """
from dataclasses import dataclass


@dataclass
class Args:
    distribution: str = "open-train"
    seed: int = 0
    steps: int = 10
    threads: int = 1
    toy_width: int = 7


def train(args, out):
    raise NotImplementedError("never called by this test")
"""


@pytest.fixture
def toy_kind(tmp_path, monkeypatch):
    """A kind 'toy' added by one registry line, its module and trainer written to a temporary folder."""
    (tmp_path / "toy_agent_module.py").write_text(textwrap.dedent(TOY_AGENT))
    (tmp_path / "toy_trainer_module.py").write_text(textwrap.dedent(TOY_TRAINER))
    monkeypatch.syspath_prepend(str(tmp_path))
    line = kinds.Kind(
        "toy",
        "toy_agent_module",
        True,
        "toy_trainer_module",
        default_distribution="open-train",
        summary="a toy kind added by the test",
    )
    monkeypatch.setattr(kinds, "KINDS", {**kinds.KINDS, "toy": line})
    monkeypatch.setattr(kinds, "ALIASES", {**kinds.ALIASES, "plaything": "toy"})
    try:
        yield line
    finally:
        REGISTRY.pop("toy", None)
        for module in ("toy_agent_module", "toy_trainer_module"):
            sys.modules.pop(module, None)


def test_a_new_kind_line_reaches_loading_study_train_and_the_experiment(toy_kind, tmp_path, capsys):
    assert "toy" in kinds.learned_kinds() and "toy" in kinds.trainable_kinds()
    assert "toy_agent_module" in kinds.inference_modules()

    # Loading: a checkpoint of kind 'toy' (and of its old name) loads as the toy class.
    meta, params = read_checkpoint(shipped_path("reflex"))
    path = save_checkpoint(tmp_path / "toy-mine.npz", params, {**meta, "kind": "toy"})
    agent = load_agent(path)
    assert type(agent).__name__ == "ToyAgent" and isinstance(agent, LEARNED_KINDS["toy"]) and "toy" in LEARNED_KINDS
    old = save_checkpoint(tmp_path / "old-name.npz", params, {**meta, "kind": "plaything"})
    assert type(load_agent(old)).__name__ == "ToyAgent"
    # A bare name looks for its shipped weights (there are none): a clear error, not 'unknown agent'.
    with pytest.raises(CheckpointError, match="file not found"):
        load_agent("toy")
    assert shipped_path("toy").name == "toy-open-train.npz"

    # The study: --agent toy (and its old name) is a choice; it has no rounds dial.
    from reddoor.lab import study

    parser = study.build_parser()
    assert parser.parse_args(["--agent", "toy", "--out", "x"]).agent == "toy"
    assert parser.parse_args(["--agent", "plaything", "--out", "x"]).agent == "plaything"
    assert [
        study.capacity({"agent": k, "rounds": r})
        for k, r in (("reflex", None), ("classifier", 8), ("ppo", None), ("mesa", None), ("toy", None))
    ] == ["reflex", "K=8", f"K={kinds.DEFAULT_ROUNDS}", "planner", "toy"]  # a new kind gets its own place on the dial
    assert (
        study.capacity_order("reflex")
        < study.capacity_order("K=48")
        < study.capacity_order("toy")
        < study.capacity_order("planner")
    )
    with pytest.raises(ValueError, match="toy has no rounds to sweep"):
        study.run_study(
            tmp_path / "s", {"agent": "toy", "steps": 1}, [study.make_unit(0, rounds=4)], log=lambda m: None
        )

    # The train command: --agent toy, its trainer's own fields as options, its summary in --help.
    from reddoor.agents.train import cli

    assert cli.algorithms()["toy"] == "toy_trainer_module"
    args = cli.build_parser("toy").parse_args(["--agent", "toy", "--toy-width", "9"])
    assert args.agent == "toy" and args.toy_width == 9
    help_text = cli.build_parser("toy").format_help()
    assert "a toy kind added by the test" in help_text and "open-train for toy" in help_text
    assert "--iterations" not in help_text  # no rounds dial

    # The experiment's default line-up names the kind and says its weights are missing.
    from reddoor.lab.lineup import shipped_agents

    notes: list[str] = []
    specs = shipped_agents(notes.append)
    assert any(n.startswith("skipping toy: no shipped weights") for n in notes), notes
    assert "toy-mine" not in specs  # only files in assets/agents are shipped agents


def test_an_entry_whose_module_registers_nothing_is_named(tmp_path, monkeypatch):
    (tmp_path / "empty_kind_module.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(kinds, "KINDS", {**kinds.KINDS, "ghost": kinds.Kind("ghost", "empty_kind_module", True)})
    from reddoor.agents.loading import agent_class

    try:
        with pytest.raises(ValueError, match="empty_kind_module registers no agent class of kind 'ghost'"):
            agent_class("ghost")
    finally:
        sys.modules.pop("empty_kind_module", None)
