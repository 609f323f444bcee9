"""What the line's reader thread puts on a call's queue, one small dataclass per kind."""

from __future__ import annotations

from dataclasses import dataclass

from voicebot.crm.models import CallOutcome


@dataclass(frozen=True)
class Started:
    stream_sid: str | None


@dataclass(frozen=True)
class Audio:
    pcm16: bytes
    start_ms: int  # where the frame starts on the line clock


@dataclass(frozen=True)
class MarkPlayed:
    name: str


@dataclass(frozen=True)
class Key:
    digit: str


@dataclass(frozen=True)
class HungUp:
    reason: str


@dataclass(frozen=True)
class EndPolitely:
    """End the call from outside (the server is draining): say ``text``, record ``outcome``."""

    text: str
    outcome: CallOutcome


LineMessage = Started | Audio | MarkPlayed | Key | HungUp | EndPolitely
