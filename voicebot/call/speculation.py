"""Replies that start sooner: prepare the likely reply while the merchant is still speaking.

When the partial result already is a complete answer (the endpoint rule chose the short
silence), the dialog runs on a *copy* of the conversation with that text, and the reply's
audio is synthesised (into the synthesiser's cache) on a helper thread, during the trailing
silence. At the endpoint the final text is compared with the speculated one:

- it agrees: the speculation is *used*: the real conversation handles the final result (with
  its true confidence and alternatives, so every guard rail still sees them) and the reply's
  audio is already there;
- it differs (the merchant went on, or the final decode changed the words): it is *thrown
  away*. Nothing of a speculation ever touches the real conversation's tracker.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from voicebot.call.ports import Agent, BotMessage, Conversation, Synthesizer

log = logging.getLogger(__name__)


def same_answer(a: str, b: str) -> bool:
    """Equal words, whatever the case and punctuation ("Yes." and "yes")."""
    return _words(a) == _words(b) and bool(_words(a))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower())


@dataclass
class SpeculationStats:
    started: int = 0
    used: int = 0
    discarded: int = 0


@dataclass
class _Pending:
    text: str
    future: Future[list[str]]  # the reply's texts, their audio synthesised


class Speculator:
    """One call's speculation: at most one in flight, decided at each endpoint."""

    def __init__(
        self,
        agent: Agent,
        synthesizer: Synthesizer,
        pool: ThreadPoolExecutor,
        *,
        rate_of: Callable[[BotMessage], int | None] = lambda message: None,
    ) -> None:
        self.agent = agent
        self.synthesizer = synthesizer
        self.pool = pool
        self.rate_of = rate_of  # the speech rate each message is said at
        self.stats = SpeculationStats()
        self._pending: _Pending | None = None

    def consider(
        self,
        heard: str,
        *,
        tracker: dict[str, Any],
        language: str,
        metadata: dict[str, Any],
    ) -> None:
        """A complete-looking partial result: speculate on it unless already doing so."""
        if self._pending is not None and same_answer(self._pending.text, heard):
            return
        self.drop()
        self.stats.started += 1
        from voicebot.observability.logs import in_call_context

        future = self.pool.submit(
            in_call_context(self._prepare), heard, tracker, language, metadata
        )
        self._pending = _Pending(heard, future)

    @property
    def pending_text(self) -> str | None:
        return self._pending.text if self._pending is not None else None

    def outcome(self, final_text: str, reply_texts: list[str]) -> str:
        """After the real conversation answered the final result: "used" when the
        speculation heard the same words and prepared every sentence of the real reply,
        "discarded" otherwise, "none" when nothing was speculated."""
        pending, self._pending = self._pending, None
        if pending is None:
            return "none"
        prepared: list[str] = []
        if same_answer(pending.text, final_text):
            try:
                prepared = pending.future.result(timeout=5)  # normally long done
            except Exception:
                log.exception("speculation on %r failed", pending.text)
        else:
            pending.future.cancel()
        if reply_texts and set(reply_texts) <= set(prepared):
            self.stats.used += 1
            return "used"
        self.stats.discarded += 1
        return "discarded"

    def drop(self) -> None:
        """The merchant went on speaking or the call changed: forget the speculation."""
        if self._pending is not None:
            self._pending.future.cancel()
            self.stats.discarded += 1
            self._pending = None

    def _prepare(
        self, heard: str, tracker: dict[str, Any], language: str, metadata: dict[str, Any]
    ) -> list[str]:
        copy: Conversation = self.agent.restore(tracker)
        turn = copy.handle(heard, confidence=None, alternatives=[], metadata=metadata)
        messages = [m for m in turn.messages if m.text]
        for message in messages:  # into the cache
            self.synthesizer.synthesize(message.text, language, rate=self.rate_of(message))
        return [m.text for m in messages]
