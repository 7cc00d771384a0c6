"""Torch twins of the numpy networks in agents/nn.py (training only; the app never imports this).

Every parameter is named exactly as in the numpy side, so a state dict goes into a checkpoint as
is and `agents.nn` rebuilds the same function from it.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from reddoor.game.core.observation import CH_AGENT


class FieldNet(nn.Module):
    """Weight-tied recurrent convolution over the static map, read out at every cell.

    u = conv_in(x); h = relu(u); K times: h = relu(conv_rec(h) + u); out = conv_head(h).
    The map channels (walls, objects, colours) go in; the agent channel does not: the network
    computes an output at every cell at once (what to do if the agent stood there), and the
    agent reads its own cell. Information travels one cell per round along the corridors, so K
    rounds see K moves away; the same 3x3 block each round keeps it small and size-free.
    """

    def __init__(self, channels: int = 24, rounds: int = 48, out_channels: int = 5, in_channels: int = CH_AGENT):
        super().__init__()
        self.channels, self.rounds, self.out_channels, self.in_channels = channels, rounds, out_channels, in_channels
        self.conv_in = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.conv_rec = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_head = nn.Conv2d(channels, out_channels, 3, padding=1)

    def config(self) -> dict:
        # "iterations" is the rounds K, under the name the first checkpoints stored it by.
        return {
            "arch": "fieldnet",
            "channels": self.channels,
            "iterations": self.rounds,
            "out_channels": self.out_channels,
            "in_channels": self.in_channels,
        }

    def forward(self, static: torch.Tensor) -> torch.Tensor:
        """(L, in_channels, S, S) float -> (L, out_channels, S, S): the output at every cell."""
        u = self.conv_in(static)
        h = F.relu(u)
        for _ in range(self.rounds):
            h = F.relu(self.conv_rec(h) + u)
        return self.conv_head(h)

    def numpy_state(self) -> dict:
        return {k: v.detach().cpu().numpy().astype("float32") for k, v in self.state_dict().items()}


class CellScorer(nn.Module):
    """The mesa-optimizer's learned objective: a score per cell from its own static channels.

    A two-layer MLP applied at every cell (1x1 convolutions): what the cell holds in, a score out.
    """

    def __init__(self, hidden: int = 16, in_channels: int = CH_AGENT):
        super().__init__()
        self.hidden, self.in_channels = hidden, in_channels
        self.fc1 = nn.Conv2d(in_channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, 1, 1)

    def config(self) -> dict:
        return {"arch": "cellscorer", "hidden": self.hidden, "in_channels": self.in_channels}

    def forward(self, static: torch.Tensor) -> torch.Tensor:
        """(L, in_channels, S, S) -> (L, S, S) scores."""
        return self.fc2(torch.tanh(self.fc1(static)))[:, 0]

    def numpy_state(self) -> dict:
        return {k: v.detach().cpu().numpy().astype("float32") for k, v in self.state_dict().items()}


class ReflexNet(nn.Module):
    """The sceptic's dumb classifier: three fully connected layers on the flattened egocentric view.

    No weight tying, no recurrence, no planner: the logits for a cell are one feedforward pass of
    the (2r+1) x (2r+1) view centred there.
    """

    def __init__(self, radius: int = 14, hidden: int = 64, out_channels: int = 4, in_channels: int = CH_AGENT):
        super().__init__()
        self.radius, self.hidden, self.out_channels, self.in_channels = radius, hidden, out_channels, in_channels
        d = in_channels * (2 * radius + 1) ** 2
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, out_channels)

    def config(self) -> dict:
        return {
            "arch": "reflex",
            "radius": self.radius,
            "hidden": self.hidden,
            "out_channels": self.out_channels,
            "in_channels": self.in_channels,
        }

    def forward(self, views: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, 2r+1, 2r+1) float -> (B, out_channels) logits."""
        h = F.relu(self.fc1(views.flatten(1)))
        h = F.relu(self.fc2(h))
        return self.fc3(h)

    def numpy_state(self) -> dict:
        return {k: v.detach().cpu().numpy().astype("float32") for k, v in self.state_dict().items()}


def build(config: dict) -> nn.Module:
    arch = config.get("arch")
    if arch == "fieldnet":
        return FieldNet(config["channels"], config["iterations"], config["out_channels"], config["in_channels"])
    if arch == "cellscorer":
        return CellScorer(config["hidden"], config["in_channels"])
    if arch == "reflex":
        return ReflexNet(config["radius"], config["hidden"], config["out_channels"], config["in_channels"])
    raise ValueError(f"unknown architecture {arch!r}")
