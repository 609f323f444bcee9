"""What a call session needs from its neighbours, as typed interfaces (read-only members, so
frozen dataclasses and plain attributes both satisfy them).

The session is written against these Protocols only: the dialog package's Agent and
Conversation, the speech package's engines and streams, the TTS Synthesizer and any
Transport satisfy them structurally, and so does the small test bot in tests/call."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, runtime_checkable

from voicebot.call.transport import Transport

__all__ = [
    "Agent",
    "BotMessage",
    "CallSynthesizer",
    "Conversation",
    "DialogTurn",
    "FieldReading",
    "FormSpec",
    "RecognitionStream",
    "RecognizerEngine",
    "SlotCatalogue",
    "SpeechEventLike",
    "StoreConfig",
    "StoreConfigReader",
    "Synthesizer",
    "Tracker",
    "Transport",
]


# -- the dialog ------------------------------------------------------------------------------
class BotMessage(Protocol):
    @property
    def text(self) -> str: ...

    # the response's name (utter_...), when the dialog names it
    @property
    def response(self) -> str | None: ...

    # the response's metadata, e.g. "speech_rate": "slow" for a question said again
    @property
    def metadata(self) -> Mapping[str, Any]: ...


class DialogTurn(Protocol):
    @property
    def messages(self) -> Sequence[BotMessage]: ...

    @property
    def ended(self) -> bool: ...

    # What the bot now waits for: requested_slot, language, active_loop, last_response.
    @property
    def expecting(self) -> Mapping[str, Any] | None: ...


class Tracker(Protocol):
    @property
    def slots(self) -> dict[str, Any]: ...

    @property
    def latest_message(self) -> dict[str, Any]: ...

    def to_json(self) -> Any: ...  # a dict, or its JSON text


class Conversation(Protocol):
    @property
    def tracker(self) -> Tracker: ...

    def start(self) -> DialogTurn: ...

    def handle(
        self,
        text: str,
        *,
        confidence: float | None = None,
        alternatives: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> DialogTurn: ...


class FormSpec(Protocol):
    @property
    def required_slots(self) -> Sequence[str]: ...


class SlotCatalogue(Protocol):
    """The dialog's domain, as far as a call reads it: the slots a call may pre-fill, and the
    forms and responses the next question is found in (call/prompts.py)."""

    @property
    def slots(self) -> Mapping[str, Any]: ...

    @property
    def forms(self) -> Mapping[str, FormSpec]: ...

    @property
    def responses(self) -> Mapping[str, list[dict[str, Any]]]: ...


class Agent(Protocol):
    @property
    def domain(self) -> SlotCatalogue: ...

    def new_conversation(
        self, conversation_id: str, *, language: str, slots: dict[str, Any] | None = None
    ) -> Conversation: ...

    def restore(self, tracker_json: dict[str, Any]) -> Conversation:
        """An independent conversation from a stored tracker (speculation runs on one)."""
        ...


class FieldReading(Protocol):
    @property
    def value(self) -> Any: ...

    @property
    def confidence(self) -> float | None: ...

    @property
    def turn_index(self) -> int | None: ...

    @property
    def confirmed(self) -> bool: ...

    @property
    def flagged(self) -> bool: ...

    # left for staff after its asks ran out: written empty and flagged
    @property
    def given_up(self) -> bool: ...


class StoreConfig(Protocol):
    """The dialog's reading of a tracker as a store configuration."""

    @property
    def fields(self) -> Mapping[str, FieldReading]: ...

    @property
    def complete(self) -> bool: ...

    @property
    def outcome(self) -> str | None: ...


StoreConfigReader = Callable[[dict[str, Any]], StoreConfig]


# -- speech ----------------------------------------------------------------------------------
class SpeechEventLike(Protocol):
    # speech_start | partial | final
    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def confidence(self) -> float: ...

    @property
    def alternatives(self) -> list[tuple[str, float]]: ...

    @property
    def words(self) -> list[Any]: ...

    @property
    def start_ms(self) -> int: ...

    @property
    def end_ms(self) -> int: ...

    @property
    def end_reason(self) -> str | None: ...

    @property
    def endpoint_silence_ms(self) -> int: ...


@runtime_checkable
class RecognitionStream(Protocol):
    @property
    def in_utterance(self) -> bool: ...

    @property
    def voiced_ms(self) -> int: ...

    def accept(self, pcm16: bytes) -> Sequence[SpeechEventLike]: ...

    def flush(self) -> Sequence[SpeechEventLike]: ...

    def expect(
        self,
        vocabulary: list[str] | None,
        *,
        endpoint_silence_ms: int | None = None,
        endpoint_rule: Callable[[str], int] | None = None,
    ) -> None: ...


class RecognizerEngine(Protocol):
    def open_stream(self, sample_rate: int = 8000) -> RecognitionStream: ...


class Synthesizer(Protocol):
    def synthesise_stream(
        self, text: str, language: str, *, rate: int | None = None
    ) -> Iterable[bytes]:
        """The text sentence by sentence: the first plays while the next is synthesised."""
        ...

    def synthesize(self, text: str, language: str, *, rate: int | None = None) -> bytes:
        """The text as 8 kHz PCM16 at ``rate`` words per minute (None: the usual rate);
        cached implementations return at once."""
        ...


class CallSynthesizer(Synthesizer, Protocol):
    """The process-wide synthesiser a call's services hold: it also fills its cache ahead of
    time (the next question, the opening) and is closed with the process."""

    def prefetch(self, texts: Iterable[str], language: str) -> Sequence[Future[bytes]]: ...

    def close(self) -> None: ...
