"""Crafted checkpoints: every bad file is refused at load with a
CheckpointError naming the problem, never another exception, never gigabytes of memory, never an
agent that then fails or stalls while acting."""

import json
import math
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from reddoor.agents import nn
from reddoor.agents.checkpoint import MAX_WEIGHT, CheckpointError, read_checkpoint, save_checkpoint
from reddoor.agents.loading import load_agent
from reddoor.game.core.observation import CH_AGENT

FIELDNET = {"arch": "fieldnet", "channels": 4, "in_channels": CH_AGENT, "out_channels": 5, "iterations": 3}
CELLSCORER = {"arch": "cellscorer", "hidden": 4, "in_channels": CH_AGENT}


def params_for(config: dict, scale: float = 0.1, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = nn.ARCHITECTURES[config["arch"]].expected_shapes(config)
    return {k: (rng.standard_normal(s) * scale).astype(np.float32) for k, s in shapes.items()}


def write_raw(path, meta, params: dict[str, np.ndarray], compressed: bool = True):
    """A checkpoint written without save_checkpoint's checks: what a crafted file can hold."""
    arrays = {f"param/{k}": v for k, v in params.items()}
    arrays["meta"] = np.array(meta if isinstance(meta, str) else json.dumps(meta))
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path


def meta_for(config: dict, kind: str = "ppo", **extra) -> dict:
    return {
        "format": "reddoor-agent",
        "format_version": 1,
        "obs_layout_version": 1,
        "kind": kind,
        "architecture": config,
        **extra,
    }


def test_a_small_handmade_checkpoint_loads_and_acts(tmp_path):
    path = write_raw(tmp_path / "ok.npz", meta_for(FIELDNET), params_for(FIELDNET))
    agent = load_agent(path)
    from reddoor.game.levels import resolve_level

    level = resolve_level("paper-test")
    assert 0 <= agent.act(level, level.start) < 4


@pytest.mark.parametrize(
    "case, meta, words",
    [
        ("deep nesting", '{"a": ' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
        ("nesting over the schema's depth", None, "nested too deeply"),
        ("kind is a number", meta_for(FIELDNET, kind=7), "'kind' is int"),
        ("architecture is a list", meta_for([1, 2]), "architecture"),
        ("channels Infinity", json.dumps(meta_for(dict(FIELDNET, channels=math.inf))), "not a number JSON allows"),
        ("channels a string", meta_for(dict(FIELDNET, channels="4")), "not a whole number"),
        ("channels a float", meta_for(dict(FIELDNET, channels=4.0)), "not a whole number"),
        ("channels negative", meta_for(dict(FIELDNET, channels=-4)), "expected 1 to 256"),
        ("ten million rounds", meta_for(dict(FIELDNET, iterations=10_000_000)), "expected 1 to 256"),
        ("unknown architecture", meta_for(dict(FIELDNET, arch="transformer")), "unknown architecture"),
        ("no architecture name", meta_for({"channels": 4}), "naming its 'arch'"),
        ("seed is text", meta_for(FIELDNET, seed="zero"), "'seed' is str"),
        ("env_steps NaN", json.dumps(meta_for(FIELDNET)).replace('"kind"', '"env_steps": NaN, "kind"'), "JSON allows"),
        ("meta is a list", "[1, 2, 3]", "not a JSON object"),
        ("meta not JSON", "{kind: ppo", "not valid JSON"),
        ("wrong format", dict(meta_for(FIELDNET), format="other"), "not a Red Door checkpoint"),
        ("layout version", dict(meta_for(FIELDNET), obs_layout_version=99), "layout version"),
        ("layout version a dict", dict(meta_for(FIELDNET), obs_layout_version={}), "'obs_layout_version' is dict"),
        ("future format", dict(meta_for(FIELDNET), format_version=9), "newer"),
    ],
)
def test_crafted_metadata_is_refused_with_a_checkpoint_error(tmp_path, case, meta, words):
    if meta is None:
        nested = {}
        inner = nested
        for _ in range(40):
            inner["x"] = {}
            inner = inner["x"]
        meta = meta_for(FIELDNET, hyperparameters=nested)
    path = write_raw(tmp_path / "crafted.npz", meta, params_for(FIELDNET))
    with pytest.raises(CheckpointError) as err:
        load_agent(path)
    assert words in str(err.value), f"{case}: {err.value}"
    assert str(path) in str(err.value)


def test_a_mesa_file_with_fieldnet_weights_is_refused_at_load(tmp_path):
    path = write_raw(tmp_path / "mesa.npz", meta_for(FIELDNET, kind="mesa"), params_for(FIELDNET))
    with pytest.raises(CheckpointError, match="'mesa' agent needs 'cellscorer' weights"):
        load_agent(path)
    # and the other way round
    path = write_raw(tmp_path / "ppo.npz", meta_for(CELLSCORER, kind="ppo"), params_for(CELLSCORER))
    with pytest.raises(CheckpointError, match="'ppo' agent needs 'fieldnet' weights"):
        load_agent(path)


def test_a_ppo_net_without_its_value_channel_is_refused(tmp_path):
    config = dict(FIELDNET, out_channels=2)
    path = write_raw(tmp_path / "two.npz", meta_for(config), params_for(config))
    with pytest.raises(CheckpointError, match="reads 5 output channels"):
        load_agent(path)


def test_overflowing_weights_are_refused_at_load(tmp_path):
    """Item 8: finite 3e38 weights used to load; every output was NaN and the agent always moved Up."""
    params = params_for(FIELDNET)
    params["conv_rec.weight"][:] = 3e38
    path = write_raw(tmp_path / "huge.npz", meta_for(FIELDNET), params)
    with pytest.raises(CheckpointError, match=f"larger than {MAX_WEIGHT:g}"):
        load_agent(path)
    # Weights under the bound that still overflow float32 over the rounds: the forward check.
    config = dict(FIELDNET, iterations=200)
    params = params_for(config)
    params["conv_rec.weight"][:] = 9000.0
    params["conv_in.bias"][:] = 1.0
    path = write_raw(tmp_path / "grows.npz", meta_for(config), params)
    with pytest.raises(CheckpointError, match="not finite"):
        load_agent(path)


@pytest.mark.slow
def test_a_zip_bomb_is_refused_before_it_is_expanded(tmp_path):
    """Item 4: a few MB of compressed zeros used to expand to GB before the shape check."""
    path = tmp_path / "bomb.npz"
    meta = meta_for(FIELDNET)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("meta.npy", _npy_bytes(np.array(json.dumps(meta))))
        with z.open("param/conv_in.weight.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header((600_000_000,), "<f4"))
            zeros = bytes(1 << 24)
            for _ in range(150):  # 2.4 GB of zeros, about 2.4 MB on disk
                fh.write(zeros)
    assert path.stat().st_size < 8 << 20
    tracemalloc.start()
    t = time.perf_counter()
    try:
        with pytest.raises(CheckpointError, match="too large when decompressed"):
            read_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t < 5
    assert peak < 64 << 20, f"peak {peak / 1e6:.0f} MB while refusing a zip bomb"


def test_an_npy_header_that_lies_about_its_shape_is_refused(tmp_path):
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("meta.npy", _npy_bytes(np.array(json.dumps(meta_for(FIELDNET)))))
        z.writestr("param/conv_in.weight.npy", _npy_header((10**12,), "<f4") + bytes(64))
    with pytest.raises(CheckpointError, match="claims"):
        read_checkpoint(path)


@pytest.mark.parametrize("special", ["fifo", "dev-zero", "folder"])
def test_special_files_are_refused_without_reading(tmp_path, special):
    import os

    path = tmp_path / "x.npz"
    if special == "fifo":
        os.mkfifo(path)
    elif special == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    with pytest.raises(CheckpointError):
        read_checkpoint(path)


def test_save_then_read_round_trips_and_refuses_nothing_shipped(tmp_path):
    params = params_for(CELLSCORER)
    path = save_checkpoint(tmp_path / "mesa.npz", params, meta_for(CELLSCORER, kind="mesa"))
    meta, back = read_checkpoint(path)
    assert all(np.array_equal(params[k], back[k]) for k in params)
    assert load_agent(path).kind == "mesa"


def _npy_header(shape, descr) -> bytes:
    import io

    from numpy.lib import format as npy

    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()  # magic, version and the padded header dict


def _npy_bytes(array) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()
