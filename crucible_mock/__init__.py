"""The simulated world: mock LLM profiles, latency distributions, prices and datasets.

Everything here samples through an explicit ``numpy.random.Generator``; nothing touches
global random state, so a seed reproduces every number bit for bit.
"""

from crucible_mock.datasets import QuestionItem
from crucible_mock.latency import PRESETS, LatencyProfile, get_profile
from crucible_mock.models import MODELS, ModelProfile, Response, ask, ask_many

__all__ = [
    "MODELS",
    "PRESETS",
    "LatencyProfile",
    "ModelProfile",
    "QuestionItem",
    "Response",
    "ask",
    "ask_many",
    "get_profile",
]
