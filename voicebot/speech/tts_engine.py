"""What every speech engine offers the synthesiser, and the errors it may raise.

An engine turns one short piece of text (a sentence or a group of digits) into samples at its
own rate; everything telephone-specific (8 kHz, loudness, fades, pauses) happens afterwards in
``tts_audio``, so espeak-ng and Piper prompts come out alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


class TtsError(RuntimeError):
    """Synthesis failed (unknown voice, worker crash); the message says why."""


class TtsTimeout(TtsError):
    """The worker did not answer in time; it has been replaced."""


@dataclass(frozen=True)
class Rendered:
    """Mono int16 samples at ``rate`` Hz, straight from an engine."""

    samples: np.ndarray
    rate: int
    cpu_s: float = 0.0  # the worker's CPU time for it: speed regardless of the machine's load


class SpeechEngine(Protocol):
    """One engine speaking one language with one voice."""

    name: str  # "piper" | "espeak"

    @property
    def voice(self) -> str:
        """The voice's name as the start-up line and the cache key show it."""
        ...

    def cache_identity(self) -> dict[str, Any]:
        """Everything besides the text that changes the audio (voice, rate, model file)."""
        ...

    def render(self, text: str) -> Rendered:
        """Speak ``text``; raises TtsError (TtsTimeout for a hung worker)."""
        ...

    def close(self) -> None: ...
