"""Twilio Media Streams, the WebSocket protocol only: parse what Twilio sends (connected,
start, media, dtmf, mark, stop) into typed messages, and build what we send back (media,
mark, clear). No audio processing and no call logic here.

Twilio's documented shapes (https://www.twilio.com/docs/voice/media-streams/websocket-messages):
  {"event": "connected", "protocol": "Call", "version": "1.0.0"}
  {"event": "start", "sequenceNumber": "1", "streamSid": "MZ..", "start": {"accountSid",
   "streamSid", "callSid", "tracks": ["inbound"], "customParameters": {..},
   "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}
  {"event": "media", "sequenceNumber": "3", "streamSid": "MZ..", "media": {"track": "inbound",
   "chunk": "1", "timestamp": "5", "payload": "<base64 mu-law>"}}
  {"event": "dtmf", "streamSid": "MZ..", "sequenceNumber": "5",
   "dtmf": {"track": "inbound_track", "digit": "1"}}
  {"event": "mark", "sequenceNumber": "4", "streamSid": "MZ..", "mark": {"name": "..."}}
  {"event": "stop", "sequenceNumber": "5", "streamSid": "MZ..",
   "stop": {"accountSid": "AC..", "callSid": "CA.."}}
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voicebot.integers import IntegerError, parse_int

# One 20 ms frame of 8 kHz mu-law is 160 bytes. Twilio sends 20 ms chunks; we accept any whole
# number of samples up to a second, and refuse larger chunks as malformed.
ULAW_FRAME_BYTES = 160
MAX_MEDIA_BYTES = 8000
DTMF_DIGITS = frozenset("0123456789*#ABCD")
MAX_STREAM_NUMBER = 2**63 - 1  # sequence numbers, chunks and timestamps of one stream


class ProtocolError(ValueError):
    """A message that does not follow the Media Streams protocol; the text says what is wrong."""


@dataclass(frozen=True)
class Connected:
    protocol: str
    version: str


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    tracks: tuple[str, ...]
    custom_parameters: dict[str, str]
    encoding: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Media:
    track: str
    chunk: int
    timestamp_ms: int
    payload: bytes  # mu-law bytes


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Stop:
    call_sid: str | None
    account_sid: str | None


InboundMessage = Connected | Start | Media | Dtmf | Mark | Stop


@dataclass
class Envelope:
    event: str
    stream_sid: str | None
    sequence: int | None
    message: InboundMessage
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def parse_message(text: str | bytes) -> Envelope:
    """One WebSocket text message -> Envelope, or ProtocolError naming the problem."""
    if isinstance(text, bytes | bytearray):
        raise ProtocolError("binary frame: Media Streams messages are JSON text")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON ({exc.msg} at position {exc.pos})") from None
    except RecursionError:
        raise ProtocolError("JSON nested too deep") from None
    except ValueError as exc:  # a bare number beyond Python's int-conversion digit limit
        raise ProtocolError(f"not usable JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise ProtocolError("message is not a JSON object")
    event = data.get("event")
    if not isinstance(event, str):
        raise ProtocolError("message has no 'event'")
    parser = _PARSERS.get(event)
    if parser is None:
        raise ProtocolError(f"unknown event {event!r}")
    stream_sid = data.get("streamSid")
    sequence = _optional_int(data.get("sequenceNumber"), "sequenceNumber")
    return Envelope(
        event, stream_sid if isinstance(stream_sid, str) else None, sequence, parser(data), data
    )


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise ProtocolError(f"{data.get('event')} message without a '{name}' object")
    return value


def _text(section: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = section.get(key)
    if isinstance(value, str) and value:
        return value
    if required:
        raise ProtocolError(f"{where}.{key} is missing or not a string")
    return ""


def _optional_int(value: Any, name: str) -> int | None:
    """Twilio sends numbers as strings of digits; JSON numbers are taken when whole. Anything
    else (1e400, "²", 5,000 digits) is a ProtocolError, never an OverflowError."""
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    try:
        return parse_int(value, name=name, maximum=MAX_STREAM_NUMBER)
    except IntegerError:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
        raise ProtocolError(f"{name} {shown} is not a number") from None


def _connected(data: dict[str, Any]) -> Connected:
    return Connected(str(data.get("protocol", "")), str(data.get("version", "")))


def _start(data: dict[str, Any]) -> Start:
    start = _section(data, "start")
    fmt = start.get("mediaFormat") or {}
    if not isinstance(fmt, dict):
        raise ProtocolError("start.mediaFormat is not an object")
    params = start.get("customParameters") or {}
    if not isinstance(params, dict):
        raise ProtocolError("start.customParameters is not an object")
    encoding = str(fmt.get("encoding", "audio/x-mulaw"))
    rate = _optional_int(fmt.get("sampleRate", 8000), "start.mediaFormat.sampleRate") or 0
    channels = _optional_int(fmt.get("channels", 1), "start.mediaFormat.channels") or 0
    if encoding != "audio/x-mulaw" or rate != 8000 or channels != 1:
        raise ProtocolError(
            f"unsupported media format {encoding} {rate} Hz x{channels};"
            " expected audio/x-mulaw 8000 Hz mono"
        )
    tracks = start.get("tracks") or ["inbound"]
    return Start(
        stream_sid=_text(start, "streamSid", "start", required=False)
        or str(data.get("streamSid") or ""),
        call_sid=_text(start, "callSid", "start"),
        account_sid=_text(start, "accountSid", "start", required=False),
        tracks=tuple(str(t) for t in tracks) if isinstance(tracks, list) else ("inbound",),
        custom_parameters={str(k): str(v) for k, v in params.items()},
        encoding=encoding,
        sample_rate=rate,
        channels=channels,
    )


def _media(data: dict[str, Any]) -> Media:
    media = _section(data, "media")
    raw = media.get("payload")
    if not isinstance(raw, str):
        raise ProtocolError("media.payload is missing or not a string")
    if len(raw) > (MAX_MEDIA_BYTES * 4) // 3 + 4:
        raise ProtocolError(f"media.payload too large ({len(raw)} base64 characters)")
    try:
        payload = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("media.payload is not valid base64") from None
    if not payload:
        raise ProtocolError("media.payload is empty")
    return Media(
        track=str(media.get("track", "inbound")),
        chunk=_optional_int(media.get("chunk"), "media.chunk") or 0,
        timestamp_ms=_optional_int(media.get("timestamp"), "media.timestamp") or 0,
        payload=payload,
    )


def _dtmf(data: dict[str, Any]) -> Dtmf:
    digit = _text(_section(data, "dtmf"), "digit", "dtmf")
    if digit not in DTMF_DIGITS:
        raise ProtocolError(f"dtmf.digit {digit!r} is not a key on a phone")
    return Dtmf(digit)


def _mark(data: dict[str, Any]) -> Mark:
    return Mark(_text(_section(data, "mark"), "name", "mark"))


def _stop(data: dict[str, Any]) -> Stop:
    raw = data.get("stop")
    stop: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return Stop(stop.get("callSid"), stop.get("accountSid"))


_PARSERS: dict[str, Callable[[dict[str, Any]], InboundMessage]] = {
    "connected": _connected,
    "start": _start,
    "media": _media,
    "dtmf": _dtmf,
    "mark": _mark,
    "stop": _stop,
}


# --- messages we send --------------------------------------------------------------------


def media_message(stream_sid: str, ulaw: bytes) -> str:
    payload = base64.b64encode(ulaw).decode("ascii")
    return json.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def mark_message(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})
