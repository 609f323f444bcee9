"""The Media Streams protocol: every message type Twilio sends, and what we refuse."""

from __future__ import annotations

import base64
import json

import pytest

from voicebot.telephony.media_stream import (
    Connected,
    Dtmf,
    Mark,
    Media,
    ProtocolError,
    Start,
    Stop,
    clear_message,
    mark_message,
    media_message,
    parse_message,
)

STREAM = "MZ00000000000000000000000000000001"
START = {
    "event": "start",
    "sequenceNumber": "1",
    "streamSid": STREAM,
    "start": {
        "accountSid": "AC1",
        "streamSid": STREAM,
        "callSid": "CA1",
        "tracks": ["inbound"],
        "customParameters": {"call_id": "42"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    },
}


def media(payload: bytes, **extra: object) -> str:
    body = {"track": "inbound", "chunk": "3", "timestamp": "60"}
    body.update({"payload": base64.b64encode(payload).decode()}, **extra)
    return json.dumps({"event": "media", "sequenceNumber": "4", "streamSid": STREAM, "media": body})


def test_each_message_type_from_twilio() -> None:
    connected = parse_message('{"event": "connected", "protocol": "Call", "version": "1.0.0"}')
    assert connected.message == Connected("Call", "1.0.0")

    start = parse_message(json.dumps(START))
    assert isinstance(start.message, Start)
    assert start.message.call_sid == "CA1"
    assert start.message.custom_parameters == {"call_id": "42"}
    assert start.sequence == 1 and start.stream_sid == STREAM

    frame = parse_message(media(b"\xff" * 160))
    assert frame.message == Media("inbound", 3, 60, b"\xff" * 160)

    dtmf = parse_message(
        json.dumps(
            {
                "event": "dtmf",
                "streamSid": STREAM,
                "sequenceNumber": "5",
                "dtmf": {"track": "inbound_track", "digit": "7"},
            }
        )
    )
    assert dtmf.message == Dtmf("7")

    mark = parse_message(
        json.dumps(
            {
                "event": "mark",
                "sequenceNumber": "6",
                "streamSid": STREAM,
                "mark": {"name": "turn-3"},
            }
        )
    )
    assert mark.message == Mark("turn-3")

    stop = parse_message(
        json.dumps(
            {
                "event": "stop",
                "sequenceNumber": "7",
                "streamSid": STREAM,
                "stop": {"accountSid": "AC1", "callSid": "CA1"},
            }
        )
    )
    assert stop.message == Stop("CA1", "AC1")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"no": "event"}', "no 'event'"),
        ('{"event": "teleport"}', "unknown event 'teleport'"),
        (b"\x00\x01binary", "binary frame"),
        ('{"event": "media"}', "without a 'media' object"),
        ('{"event": "media", "media": {"payload": "***"}}', "not valid base64"),
        ('{"event": "media", "media": {"payload": ""}}', "empty"),
        ('{"event": "mark", "mark": {}}', "mark.name is missing"),
        ('{"event": "dtmf", "dtmf": {"digit": "x"}}', "not a key on a phone"),
        (
            '{"event": "start", "start": {"callSid": "CA1", "mediaFormat":'
            ' {"encoding": "audio/l16", "sampleRate": 16000, "channels": 1}}}',
            "unsupported media format",
        ),
        ('{"event": "start", "start": {}}', "start.callSid is missing"),
        ('{"event": "media", "sequenceNumber": "x", "media": {"payload": "AA=="}}', "not a number"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(raw: str | bytes, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem.replace("(", r"\(")):
        parse_message(raw)


def test_oversized_media_payload_is_refused() -> None:
    with pytest.raises(ProtocolError, match="too large"):
        parse_message(media(b"\xff" * 9000))


def test_messages_we_send_follow_twilios_shapes() -> None:
    sent = json.loads(media_message(STREAM, b"\x7f" * 160))
    assert sent == {
        "event": "media",
        "streamSid": STREAM,
        "media": {"payload": base64.b64encode(b"\x7f" * 160).decode()},
    }
    assert json.loads(mark_message(STREAM, "turn-1")) == {
        "event": "mark",
        "streamSid": STREAM,
        "mark": {"name": "turn-1"},
    }
    assert json.loads(clear_message(STREAM)) == {"event": "clear", "streamSid": STREAM}
