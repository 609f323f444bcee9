"""The media-stream WebSocket over real loopback: bad input is logged and skipped, the call
goes on; a dropped stream still leaves the call, its turns and its recording in the CRM."""

from __future__ import annotations

import base64
import json
import logging
import time
import wave
import xml.etree.ElementTree as ET

import pytest
import websocket
from live import TOKEN

from voicebot.crm import calls as crm_calls
from voicebot.crm.events import events_for
from voicebot.telephony.signatures import sign

SILENCE_ULAW = b"\xff" * 160


def connect(live, signature: str | None = None) -> websocket.WebSocket:
    url = live.url.replace("http://", "ws://") + "/twilio/stream"
    sig = sign(TOKEN, url, {}) if signature is None else signature
    ws = websocket.create_connection(url, header=[f"X-Twilio-Signature: {sig}"], timeout=30)
    return ws


def answer(live, call_id: int, call_sid: str = "CA-stream") -> str:
    """Twilio fetches the call's TwiML; returns the stream token its <Parameter> carries."""
    reply = live.post(f"/twilio/voice?call_id={call_id}", {"CallSid": call_sid})
    params = {p.get("name"): p.get("value") for p in ET.fromstring(reply.text).iter("Parameter")}
    return params.get("stream_token", "")


def start_message(call_id: int, stream: str = "MZtest", *, token: str = "") -> str:
    return json.dumps(
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": stream,
            "start": {
                "accountSid": "AC00000000000000000000000000000000",  # the default account
                "streamSid": stream,
                "callSid": "CA-stream",
                "tracks": ["inbound"],
                "customParameters": {"call_id": str(call_id), "stream_token": token},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }
    )


def media_message(chunk: int, payload: bytes = SILENCE_ULAW) -> str:
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": str(chunk + 1),
            "streamSid": "MZtest",
            "media": {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str(chunk * 20),
                "payload": base64.b64encode(payload).decode(),
            },
        }
    )


def test_handshake_without_a_valid_signature_is_refused(live, caplog) -> None:
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(websocket.WebSocketBadStatusException) as err,
    ):
        connect(live, signature="Zm9yZ2Vk")
    assert err.value.status_code == 403
    assert "does not match" in caplog.text


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_bad_messages_are_skipped_and_a_dropped_stream_loses_nothing(live, caplog) -> None:
    call_id = live.new_call()
    token = answer(live, call_id)
    ws = connect(live)
    with caplog.at_level(logging.INFO):
        ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        ws.send(media_message(1))  # media before start
        ws.send("{this is not json")
        ws.send(json.dumps({"event": "teleport", "streamSid": "MZtest"}))
        ws.send_binary(b"\x00\x01\x02")
        ws.send(json.dumps({"event": "media", "media": {"payload": "A" * 70000}}))  # oversized
        ws.send(start_message(call_id, token=token))
        ws.send(media_message(2, b"\xff" * 100))  # a short frame: accepted, warned once

        # The greeting arrives as 20 ms media frames followed by a mark.
        bot_frames, marks = 0, []
        chunk = 6  # chunks 3 to 5 never arrive: three missed frames
        ws.settimeout(0.02)
        deadline = time.monotonic() + 60
        while not marks and time.monotonic() < deadline:
            ws.send(media_message(chunk))
            chunk += 1
            try:
                message = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if message["event"] == "media":
                assert message["streamSid"] == "MZtest"
                assert len(base64.b64decode(message["media"]["payload"])) == 160
                bot_frames += 1
            elif message["event"] == "mark":
                marks.append(message["mark"]["name"])
        assert bot_frames > 100 and marks  # several seconds of greeting, then its mark

        # Twilio reports the mark once the greeting has played: the disclosure was heard.
        ws.send(
            json.dumps(
                {
                    "event": "mark",
                    "sequenceNumber": "900",
                    "streamSid": "MZtest",
                    "mark": {"name": marks[0]},
                }
            )
        )
        ws.send(
            json.dumps({"event": "mark", "streamSid": "MZtest", "mark": {"name": "never-sent"}})
        )
        ws.send(json.dumps({"event": "dtmf", "streamSid": "MZtest", "dtmf": {"digit": "5"}}))
        time.sleep(0.5)
        ws.sock.close()  # the stream drops without a stop message

        def finished() -> bool:
            with live.db.session() as s:
                return any(e.kind == "call.finished" for e in events_for(s, call_id=call_id))

        wait_until(finished)

    log = caplog.text
    for expected in (
        "media before start ignored",
        "not JSON",
        "unknown event 'teleport'",
        "binary frame",
        "refused a 70",
        "100-byte media payload",
        "mark 'never-sent' that we never sent",
    ):
        assert expected in log, expected
    with live.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        assert call.outcome.value == "hung_up"
        assert call.status.value == "in-progress"  # Twilio's completed callback decides the rest
        turns = crm_calls.turns_for(s, call_id)
        assert turns[0].speaker.value == "bot" and "virtual assistant" in turns[0].text
        disclosures = [e for e in events_for(s, call_id=call_id) if e.kind == "call.disclosure"]
        assert len(disclosures) == 1 and disclosures[0].data["offset_ms"] >= 0
        assert disclosures[0].data["heard_at_ms"] > disclosures[0].data["offset_ms"]
        media = [e.data for e in events_for(s, call_id=call_id) if e.kind == "call.media"]
        assert len(media) == 1 and media[0]["missed_frames"] == 3
        assert call.tracker is not None
        recording = call.recording_path
    with wave.open(recording) as wav:
        assert wav.getnchannels() == 2 and wav.getframerate() == 8000
        assert wav.getnframes() > 8000  # seconds of audio, both sides


def test_start_for_an_unknown_call_closes_the_stream(live, caplog) -> None:
    ws = connect(live)
    with caplog.at_level(logging.WARNING):
        ws.send(start_message(424242))
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            for _ in range(50):
                if not ws.recv():
                    raise ConnectionError("closed")
    assert "start refused (no call 424242" in caplog.text
