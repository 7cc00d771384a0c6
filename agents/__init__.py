"""Agents: one interface, several kinds, numpy-only inference (torch lives in agents/train)."""
from .base import Agent, Explanation, REGISTRY, register, make_agent

__all__ = ["Agent", "Explanation", "REGISTRY", "register", "make_agent"]
from . import reference  # registers oracle and random
from . import imitation, mesa, ppo, reflex  # register the learned kinds (numpy inference; weights via agents.loading)
