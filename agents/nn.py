"""Numpy-only forward passes of the trained networks (the app never imports torch).

Each network is a config dict (as stored in a checkpoint) plus named float32 arrays; the torch
twins in agents/train/nets.py use the same names and the same arithmetic.
"""

from __future__ import annotations

import numpy as np


def _taps(buf: np.ndarray, k: int, row: int, length: int) -> np.ndarray:
    """The k x k neighbourhoods of a zero-padded map stored flat, as a read-only strided view.

    `buf` is (N, C, F): each map zero-padded to rows of `row` values and flattened, plus k - 1
    spare zeros at the end. Output q (q = r * row + c over the padded width, so the last k - 1
    columns of each row are junk) sees taps[n, ch, i, j, q] = buf[n, ch, q + i * row + j], the
    padded map at (r + i, c + j). No copy: the im2col matrix is this view, copied once.
    """
    s = buf.strides
    return np.lib.stride_tricks.as_strided(
        buf, (buf.shape[0], buf.shape[1], k, k, length), (s[0], s[1], row * s[2], s[2], s[2]), writeable=False
    )


def _pad_flat(x: np.ndarray, p: int, k: int) -> np.ndarray:
    """(N, C, H, W) -> (N, C, (H + 2p) * (W + 2p) + k - 1) float32: zero-padded by p, flat (see _taps)."""
    n, c, h, w = x.shape
    row = w + 2 * p
    buf = np.zeros((n, c, (h + 2 * p) * row + k - 1), np.float32)
    buf[:, :, : (h + 2 * p) * row].reshape(n, c, h + 2 * p, row)[:, :, p : p + h, p : p + w] = x
    return buf


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """Same-padded stride-1 2-D convolution (cross-correlation, like torch): x (N, Cin, H, W), w (Cout, Cin, k, k)."""
    k = w.shape[-1]
    if k == 1:
        out = np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0], optimize=True)
    else:
        # im2col from a strided view of the flat padded map (one copy), then one matmul; the
        # outputs come over the padded width and the junk columns are dropped at the end.
        n, c, h, wd = x.shape
        p, row = k // 2, wd + 2 * (k // 2)
        cols = np.ascontiguousarray(_taps(_pad_flat(x, p, k), k, row, h * row)).reshape(n, c * k * k, h * row)
        out = np.matmul(w.reshape(w.shape[0], -1).astype(np.float32, copy=False), cols)
        out = out.reshape(n, -1, h, row)[:, :, :, :wd]
    if b is not None:
        out = out + b[None, :, None, None]
    return np.ascontiguousarray(out, dtype=np.float32)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


class FieldNet:
    """Weight-tied recurrent convolution: u = conv_in(x); h = relu(u); K x h = relu(conv_rec(h) + u); conv_head(h)."""

    PARAMS = (
        "conv_in.weight",
        "conv_in.bias",
        "conv_rec.weight",
        "conv_rec.bias",
        "conv_head.weight",
        "conv_head.bias",
    )

    def __init__(self, config: dict, params: dict[str, np.ndarray]):
        self.config = config
        self.iterations = int(config["iterations"])
        self.p = {k: np.asarray(params[k], np.float32) for k in self.PARAMS}

    @staticmethod
    def expected_shapes(config: dict) -> dict[str, tuple]:
        c, cin, co = int(config["channels"]), int(config["in_channels"]), int(config["out_channels"])
        return {
            "conv_in.weight": (c, cin, 3, 3),
            "conv_in.bias": (c,),
            "conv_rec.weight": (c, c, 3, 3),
            "conv_rec.bias": (c,),
            "conv_head.weight": (co, c, 3, 3),
            "conv_head.bias": (co,),
        }

    def __call__(self, static: np.ndarray, extra: np.ndarray | None = None, on_round=None) -> np.ndarray:
        """(L, in_channels, S, S) -> (L, out_channels, S, S).

        `extra` (L, channels, S, S), if given, is added to the input drive u = conv_in(x), which
        enters every round: steering (agents/probing.py) adds a direction at one cell this way.
        `on_round(t, hidden, first)` is called with each round's hidden state, t = 0 (relu(u)) ..
        K, as a (n, channels, S, S) view valid only during the call, for levels first .. first + n - 1.
        """
        if len(static) > self.CHUNK:  # bounded buffers (and cache-sized ones) for big batches
            return np.concatenate(
                [
                    self._forward(
                        static[i : i + self.CHUNK], None if extra is None else extra[i : i + self.CHUNK], on_round, i
                    )
                    for i in range(0, len(static), self.CHUNK)
                ]
            )
        return self._forward(static, extra, on_round)

    CHUNK = 4  # levels per forward pass: of 1 to 8, 4 was fastest on 15- and 31-cell canvases

    def _forward(
        self, static: np.ndarray, extra: np.ndarray | None = None, on_round=None, first: int = 0
    ) -> np.ndarray:
        # The rounds work on one zero-padded flat buffer (see _taps) that is updated in place: each
        # round is four numpy calls on whole arrays (copy the taps view into the im2col matrix, one
        # matmul, add, relu), where a per-round conv2d made about fifteen, most of them small
        # strided copies that hold the GIL. It matters in the play view, where agents take their
        # first look at a level on worker threads while the frame thread draws.
        p = self.p
        n, _, h, w = static.shape
        row, length = w + 2, h * (w + 2)  # outputs over the padded width: columns w, w + 1 are junk
        x = _pad_flat(static.astype(np.float32, copy=False), 1, 3)
        c = p["conv_rec.weight"].shape[0]
        u = np.matmul(
            p["conv_in.weight"].reshape(c, -1), np.ascontiguousarray(_taps(x, 3, row, length)).reshape(n, -1, length)
        )
        u += p["conv_in.bias"][:, None]
        if extra is not None:
            u.reshape(n, c, h, row)[..., :w] += extra
        # u + the recurrent bias, with -inf in the junk columns: relu then writes the zero padding there
        ub = u + p["conv_rec.bias"][:, None]
        ub.reshape(n, c, h, row)[..., w:] = -np.inf
        hbuf = np.zeros((n, c, (h + 2) * row + 2), np.float32)
        inner = hbuf[:, :, row + 1 : row + 1 + length]  # output q is padded cell (r + 1, col + 1)
        np.maximum(u, 0, out=inner)
        inner.reshape(n, c, h, row)[..., w:] = 0  # a view: the last axis splits into rows
        if on_round is not None:
            on_round(0, inner.reshape(n, c, h, row)[..., :w], first)
        taps = _taps(hbuf, 3, row, length)
        cols = np.empty((n, c * 9, length), np.float32)
        cols_taps = cols.reshape(taps.shape)
        w_rec = p["conv_rec.weight"].reshape(c, -1)
        out = np.empty((n, c, length), np.float32)
        zeros = np.zeros_like(out)  # relu against an array of zeros: numpy's fast path (a scalar 0 is not)
        for t in range(self.iterations):
            np.copyto(cols_taps, taps)
            np.matmul(w_rec, cols, out=out)
            out += ub
            np.maximum(out, zeros, out=inner)
            if on_round is not None:
                on_round(t + 1, inner.reshape(n, c, h, row)[..., :w], first)
        np.copyto(cols_taps, taps)
        co = p["conv_head.weight"].shape[0]
        head = np.matmul(p["conv_head.weight"].reshape(co, -1), cols)
        head += p["conv_head.bias"][:, None]
        return np.ascontiguousarray(head.reshape(n, co, h, row)[:, :, :, :w])


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


def _row_products(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x (B, n) times w.T (w: (m, n)) -> (B, m) float32, every output summed from its own row alone
    (a block of rows at a time, so the products in memory stay near 4M values whatever B, m, n)."""
    m, n = w.shape
    out = np.empty((len(x), m), np.float32)
    step = max(1, (1 << 22) // max(1, m * n))
    for i in range(0, len(x), step):
        out[i : i + step] = (x[i : i + step, None, :] * w[None, :, :]).sum(-1, dtype=np.float32)
    return out


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
        hdn, cin, out, r = (
            int(config["hidden"]),
            int(config["in_channels"]),
            int(config["out_channels"]),
            int(config["radius"]),
        )
        if not 0 < r <= 64 or not 0 < hdn <= 4096:
            raise ValueError(f"radius {r} or hidden {hdn} out of range")
        d = cin * (2 * r + 1) ** 2
        return {
            "fc1.weight": (hdn, d),
            "fc1.bias": (hdn,),
            "fc2.weight": (hdn, hdn),
            "fc2.bias": (hdn,),
            "fc3.weight": (out, hdn),
            "fc3.bias": (out,),
        }

    def __call__(self, views: np.ndarray) -> np.ndarray:
        """(B, in_channels, 2r+1, 2r+1) -> (B, out_channels) logits."""
        return self.head(self.hidden(views))

    def hidden(self, views: np.ndarray) -> np.ndarray:
        """The first layer: (B, in_channels, 2r+1, 2r+1) -> (B, hidden), relu(fc1(view)).

        One matrix-vector product per row, never one matrix product for the batch: BLAS picks
        its kernel and blocking by the shape, and a row of a matrix product can get other bits
        from a different number of rows, or from another place among them (measured with
        OpenBLAS 0.3.31 on an AMD EPYC). Row by row, a row's bits are its own (Agent.deterministic)."""
        p = self.p
        x = views.reshape(len(views), -1).astype(np.float32)
        w = p["fc1.weight"]
        out = np.empty((len(x), w.shape[0]), np.float32)
        for i in range(len(x)):
            np.matmul(w, x[i], out=out[i])
        return relu(out + p["fc1.bias"])

    def head(self, h: np.ndarray) -> np.ndarray:
        """The layers after the first: (B, hidden) -> (B, out_channels) logits, fc3(relu(fc2(h))).

        Each output is its own sum along its row (numpy's reduction), not a BLAS product: BLAS can
        give a row of these small products different bits depending on how many rows share the
        call, and a row's move must not depend on the rest of the batch (Agent.deterministic)."""
        p = self.p
        h = relu(_row_products(h, p["fc2.weight"]) + p["fc2.bias"])
        return _row_products(h, p["fc3.weight"]) + p["fc3.bias"]


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
