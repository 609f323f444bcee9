"""Who has the floor on a call, decided from line-clock events alone.

No I/O, no threads, no wall clock: the session feeds what happened on the line (bot audio
scheduled, the recogniser's speech events, marks, keys, the passing of time) with the line
clock's milliseconds, and gets back decisions to carry out (stop the bot, hand an answer or
keys to the dialog, say that the merchant is silent, log a heard disclosure). That is what
makes dozens of timing cases testable in microseconds.

Rules:
- The bot is *playing* at t when an utterance was scheduled over t and neither heard to its
  end (mark) nor cut. The legal disclosures are never cut.
- The merchant takes the floor (barge-in) with a recognised word that is not a backchannel
  ("mhm", "aha": listening, not answering), or with ``barge_in_min_speech_ms`` of voiced
  speech (engines without partial results), or with a key.
- A recognised utterance made only of backchannels while the bot still plays is ignored;
  anything else goes to the dialog.
- Silence is counted from the end of the bot's audio or the merchant's last sign of life,
  whichever is later, and never while an utterance is open or the bot still plays.
- Keys are collected until "#" or ``dtmf_timeout_ms`` without a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class BotSpeech:
    """One bot utterance on the line clock."""

    mark: str
    start_ms: int
    end_ms: int
    disclosure: bool
    state: Literal["queued", "heard", "cut"] = "queued"


@dataclass(frozen=True)
class BargeIn:
    at_ms: int
    cut: tuple[BotSpeech, ...]


@dataclass(frozen=True)
class Heard:
    """The line played this utterance to its end."""

    speech: BotSpeech
    at_ms: int


@dataclass(frozen=True)
class UnknownMark:
    name: str


@dataclass(frozen=True)
class MerchantSpoke:
    """Hand the recogniser's final result to the dialog."""

    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class IgnoredSpeech:
    reason: Literal["backchannel", "empty", "ended"]


@dataclass(frozen=True)
class KeysEntered:
    digits: str
    at_ms: int


@dataclass(frozen=True)
class Silence:
    since_ms: int
    at_ms: int
    count: int


Decision = BargeIn | Heard | UnknownMark | MerchantSpoke | IgnoredSpeech | KeysEntered | Silence


@dataclass(frozen=True)
class TurnRules:
    barge_in: bool = True
    barge_in_min_speech_ms: int = 400
    silence_reprompt_ms: int = 6000
    dtmf_timeout_ms: int = 2000
    backchannels: frozenset[tuple[str, ...]] = frozenset()  # phrases, as word tuples


@dataclass
class TurnTaking:
    rules: TurnRules
    speeches: list[BotSpeech] = field(default_factory=list)
    bot_end_ms: int = 0
    last_activity_ms: int = 0
    silences: int = 0
    keys: str = ""
    last_key_ms: int = 0
    ended: bool = False
    barge_ins: int = 0

    # -- the bot ---------------------------------------------------------------------------
    def bot_speaks(self, mark: str, start_ms: int, end_ms: int, *, disclosure: bool) -> BotSpeech:
        speech = BotSpeech(mark, start_ms, end_ms, disclosure)
        self.speeches.append(speech)
        self.bot_end_ms = max(self.bot_end_ms, end_ms)
        return speech

    def next_bot_start(self, now_ms: int) -> int:
        """Where new bot audio starts on the line: after what is already queued."""
        return max(now_ms, self.bot_end_ms)

    def playing(self, now_ms: int) -> list[BotSpeech]:
        return [s for s in self.speeches if s.state == "queued" and s.end_ms > now_ms]

    def interrupted_recently(self, last: int = 3) -> bool:
        return any(s.state == "cut" for s in self.speeches[-last:])

    def all_heard(self) -> bool:
        return all(s.state != "queued" for s in self.speeches)

    def mark(self, name: str, now_ms: int) -> list[Decision]:
        speech = next((s for s in self.speeches if s.mark == name), None)
        if speech is None:
            return [UnknownMark(name)]
        if speech.state != "queued":
            return []  # marks of cleared audio come back too; that audio was not heard
        speech.state = "heard"
        return [Heard(speech, now_ms)]

    def dialog_ended(self) -> None:
        self.ended = True

    # -- the merchant ----------------------------------------------------------------------
    def speech_started(self, at_ms: int, now_ms: int) -> list[Decision]:
        self._active(at_ms)
        return []  # a voice alone may be a cough or a "mhm": words or length decide

    def speech_progress(self, voiced_ms: int, at_ms: int, now_ms: int) -> list[Decision]:
        """The open utterance has ``voiced_ms`` of voiced audio so far."""
        self._active(at_ms)
        if voiced_ms >= self.rules.barge_in_min_speech_ms:
            return self._barge_in(now_ms)
        return []

    def partial(self, text: str, at_ms: int, now_ms: int) -> list[Decision]:
        self._active(at_ms)
        words = _words(text)
        if words and not self._only_backchannel(words):
            return self._barge_in(now_ms)
        return []

    def final(self, text: str, start_ms: int, end_ms: int, now_ms: int) -> list[Decision]:
        self._active(end_ms)
        words = _words(text)
        if not words:
            return [IgnoredSpeech("empty")]
        if self.ended:
            return [IgnoredSpeech("ended")]
        if self._only_backchannel(words) and self.playing(max(end_ms, now_ms)):
            return [IgnoredSpeech("backchannel")]
        decisions: list[Decision] = list(self._barge_in(now_ms))
        decisions.append(MerchantSpoke(start_ms, end_ms))
        return decisions

    def key(self, digit: str, now_ms: int) -> list[Decision]:
        decisions = list(self._barge_in(now_ms))
        self._active(now_ms)
        if digit == "#":
            decisions.extend(self._take_keys())
            return decisions
        self.keys += digit
        self.last_key_ms = now_ms
        return decisions

    def tick(self, now_ms: int, *, in_utterance: bool) -> list[Decision]:
        if self.ended:
            return []
        if self.keys and now_ms - self.last_key_ms >= self.rules.dtmf_timeout_ms:
            return self._take_keys()
        if in_utterance or self.keys or now_ms < self.bot_end_ms:
            return []
        quiet_since = max(self.bot_end_ms, self.last_activity_ms)
        if now_ms - quiet_since < self.rules.silence_reprompt_ms:
            return []
        self.silences += 1
        self.last_activity_ms = now_ms
        return [Silence(quiet_since, now_ms, self.silences)]

    # -- internals -------------------------------------------------------------------------
    def _active(self, at_ms: int) -> None:
        self.last_activity_ms = max(self.last_activity_ms, at_ms)

    def _only_backchannel(self, words: list[str]) -> bool:
        rest = list(words)
        while rest:
            match = next((p for p in self.rules.backchannels if tuple(rest[: len(p)]) == p), None)
            if match is None:
                return False
            rest = rest[len(match) :]
        return True

    def _barge_in(self, now_ms: int) -> list[Decision]:
        if not self.rules.barge_in:
            return []
        playing = self.playing(now_ms)  # the live line: the bot may have gone on since
        if not playing or any(s.disclosure for s in playing):
            return []  # the legal disclosures are always heard to the end
        for speech in playing:
            speech.state = "cut"
        self.bot_end_ms = now_ms
        self.barge_ins += 1
        return [BargeIn(now_ms, tuple(playing))]

    def _take_keys(self) -> list[Decision]:
        digits, self.keys = self.keys, ""
        if not digits or self.ended:
            return []
        return [KeysEntered(digits, self.last_key_ms)]


def _words(text: str) -> list[str]:
    cleaned = "".join(c if c.isalnum() or c in "'-" else " " for c in text.lower())
    return [w for w in cleaned.replace("-", " ").split() if w and w != "unk"]
