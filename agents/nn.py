"""Numpy-only forward passes of the trained networks (the app never imports torch).

Each network is a config dict (as stored in a checkpoint) plus named float32 arrays; the torch
twins in agents/train/nets.py use the same names and the same arithmetic.
"""
from __future__ import annotations

import numpy as np


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """Same-padded stride-1 2-D convolution (cross-correlation, like torch): x (N, Cin, H, W), w (Cout, Cin, k, k)."""
    k = w.shape[-1]
    if k == 1:
        out = np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0], optimize=True)
    else:
        p = k // 2
        n, c, h, wd = x.shape
        xp = np.zeros((n, c, h + 2 * p, wd + 2 * p), np.float32)
        xp[:, :, p:p + h, p:p + wd] = x
        # im2col: (N, H, W, Cin*k*k) against (Cin*k*k, Cout)
        cols = np.empty((n, h, wd, c, k, k), np.float32)
        for i in range(k):
            for j in range(k):
                cols[..., i, j] = xp[:, :, i:i + h, j:j + wd].transpose(0, 2, 3, 1)
        out = (cols.reshape(n * h * wd, c * k * k) @ w.reshape(w.shape[0], -1).T).reshape(n, h, wd, -1).transpose(0, 3, 1, 2)
    if b is not None:
        out = out + b[None, :, None, None]
    return np.ascontiguousarray(out, dtype=np.float32)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


class FieldNet:
    """Weight-tied recurrent convolution: u = conv_in(x); h = relu(u); K x h = relu(conv_rec(h) + u); conv_head(h)."""

    PARAMS = ("conv_in.weight", "conv_in.bias", "conv_rec.weight", "conv_rec.bias", "conv_head.weight", "conv_head.bias")

    def __init__(self, config: dict, params: dict[str, np.ndarray]):
        self.config = config
        self.iterations = int(config["iterations"])
        self.p = {k: np.asarray(params[k], np.float32) for k in self.PARAMS}

    @staticmethod
    def expected_shapes(config: dict) -> dict[str, tuple]:
        c, cin, co = int(config["channels"]), int(config["in_channels"]), int(config["out_channels"])
        return {"conv_in.weight": (c, cin, 3, 3), "conv_in.bias": (c,), "conv_rec.weight": (c, c, 3, 3),
                "conv_rec.bias": (c,), "conv_head.weight": (co, c, 3, 3), "conv_head.bias": (co,)}

    def __call__(self, static: np.ndarray) -> np.ndarray:
        """(L, in_channels, S, S) -> (L, out_channels, S, S)."""
        p = self.p
        u = conv2d(static.astype(np.float32), p["conv_in.weight"], p["conv_in.bias"])
        h = np.maximum(u, 0)
        w, b = p["conv_rec.weight"], p["conv_rec.bias"]
        for _ in range(self.iterations):
            h = conv2d(h, w, b)
            h += u
            relu(h)
        return conv2d(h, p["conv_head.weight"], p["conv_head.bias"])


class CellScorer:
    """Per-cell MLP (1x1 convolutions): score = fc2(tanh(fc1(cell channels)))."""

    PARAMS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")

    def __init__(self, config: dict, params: dict[str, np.ndarray]):
        self.config = config
        self.p = {k: np.asarray(params[k], np.float32) for k in self.PARAMS}

    @staticmethod
    def expected_shapes(config: dict) -> dict[str, tuple]:
        hdn, cin = int(config["hidden"]), int(config["in_channels"])
        return {"fc1.weight": (hdn, cin, 1, 1), "fc1.bias": (hdn,), "fc2.weight": (1, hdn, 1, 1), "fc2.bias": (1,)}

    def __call__(self, static: np.ndarray) -> np.ndarray:
        """(L, in_channels, S, S) -> (L, S, S) scores."""
        p = self.p
        h = np.tanh(conv2d(static.astype(np.float32), p["fc1.weight"], p["fc1.bias"]))
        return conv2d(h, p["fc2.weight"], p["fc2.bias"])[:, 0]


class ReflexMLP:
    """A plain feedforward classifier: three fully connected layers on the flattened egocentric view,
    fc3(relu(fc2(relu(fc1(view))))). No weight tying, no recurrence: one pass, no rounds."""

    PARAMS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias")

    def __init__(self, config: dict, params: dict[str, np.ndarray]):
        self.config = config
        self.radius = int(config["radius"])
        self.p = {k: np.asarray(params[k], np.float32) for k in self.PARAMS}

    @staticmethod
    def expected_shapes(config: dict) -> dict[str, tuple]:
        hdn, cin, out, r = int(config["hidden"]), int(config["in_channels"]), int(config["out_channels"]), int(config["radius"])
        if not 0 < r <= 64 or not 0 < hdn <= 4096:
            raise ValueError(f"radius {r} or hidden {hdn} out of range")
        d = cin * (2 * r + 1) ** 2
        return {"fc1.weight": (hdn, d), "fc1.bias": (hdn,), "fc2.weight": (hdn, hdn), "fc2.bias": (hdn,),
                "fc3.weight": (out, hdn), "fc3.bias": (out,)}

    def __call__(self, views: np.ndarray) -> np.ndarray:
        """(B, in_channels, 2r+1, 2r+1) -> (B, out_channels) logits."""
        p = self.p
        x = views.reshape(len(views), -1).astype(np.float32)
        h = relu(x @ p["fc1.weight"].T + p["fc1.bias"])
        h = relu(h @ p["fc2.weight"].T + p["fc2.bias"])
        return h @ p["fc3.weight"].T + p["fc3.bias"]


ARCHITECTURES = {"fieldnet": FieldNet, "cellscorer": CellScorer, "reflex": ReflexMLP}


def check_shapes(config: dict, params: dict[str, np.ndarray]) -> list[str]:
    """What is wrong between a config and its arrays (missing or mis-shaped), as messages."""
    cls = ARCHITECTURES.get(config.get("arch"))
    if cls is None:
        return [f"unknown architecture {config.get('arch')!r}"]
    try:
        expected = cls.expected_shapes(config)
    except (KeyError, TypeError, ValueError) as e:
        return [f"architecture config is incomplete: {e}"]
    problems = []
    for name, shape in expected.items():
        if name not in params:
            problems.append(f"missing array {name!r}")
        elif tuple(params[name].shape) != shape:
            problems.append(f"array {name!r} has shape {tuple(params[name].shape)}, expected {shape}")
    return problems


def build(config: dict, params: dict[str, np.ndarray]):
    """The numpy network for a checkpoint's config and arrays."""
    return ARCHITECTURES[config["arch"]](config, params)
