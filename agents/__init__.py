"""Agents: one interface, several kinds, numpy-only inference (torch lives in agents/train)."""

from .base import REGISTRY, Agent, Explanation, make_agent, register

__all__ = ["Agent", "Explanation", "REGISTRY", "register", "make_agent"]
import importlib as _importlib

from . import kinds as _kinds

for _module in _kinds.inference_modules():  # register every kind (agents/kinds.py; numpy inference)
    _importlib.import_module(_module)
