"""Twilio's webhooks over real HTTP: TwiML, signatures, idempotent status callbacks."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from live import TOKEN

from voicebot.app import create_app
from voicebot.crm import calls as crm_calls
from voicebot.crm.events import events_for
from voicebot.simulator.runner import free_port
from voicebot.telephony.server import ServerThread
from voicebot.telephony.signatures import sign


def test_voice_webhook_connects_a_media_stream_then_hangs_up(live) -> None:
    call_id = live.new_call()
    response = live.post(
        f"/twilio/voice?call_id={call_id}", {"CallSid": "CA100", "CallStatus": "in-progress"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert [child.tag for child in root] == ["Connect", "Hangup"]
    stream = root.find("Connect/Stream")
    assert stream.get("url") == live.url.replace("http://", "ws://") + "/twilio/stream"
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params.keys() == {"call_id", "stream_token"} and params["call_id"] == str(call_id)
    with live.db.session() as s:
        assert crm_calls.get_call(s, call_id).twilio_call_sid == "CA100"


def test_unknown_call_gets_an_apology_and_a_hang_up(live, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        response = live.post("/twilio/voice?call_id=999", {"CallSid": "CAnone"})
    root = ET.fromstring(response.text)
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert root.find("Say").text
    assert "unknown call" in caplog.text


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/status", "/twilio/amd"])
def test_wrong_or_missing_signature_is_refused_and_nothing_happens(live, caplog, path) -> None:
    call_id = live.new_call()
    params = {"CallSid": "CA200", "CallStatus": "completed", "AnsweredBy": "machine_end_beep"}
    with caplog.at_level(logging.WARNING):
        forged = live.post(f"{path}?call_id={call_id}", params, signature="bm90IGEgc2lnbmF0dXJl")
        missing = live.post(f"{path}?call_id={call_id}", params, signature="")
    assert forged.status_code == 403 and missing.status_code == 403
    assert "does not match" in caplog.text and "no X-Twilio-Signature" in caplog.text
    with live.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        assert call.twilio_call_sid is None and call.status.value == "queued"
        assert call.answered_by is None


def test_signatures_are_checked_against_the_public_url_behind_a_proxy(settings, db) -> None:
    port = free_port()
    public = "https://bot.example.com"
    cfg = settings.model_copy(
        update={"server": settings.server.model_copy(update={"public_base_url": public})}
    )
    import requests

    with ServerThread(create_app(cfg, db), "127.0.0.1", port):
        local = f"http://127.0.0.1:{port}/twilio/voice?call_id=1"
        params = {"CallSid": "CA300"}
        as_twilio = sign(TOKEN, f"{public}/twilio/voice?call_id=1", params)
        as_local = sign(TOKEN, local, params)
        ok = requests.post(
            local, data=params, headers={"X-Twilio-Signature": as_twilio}, timeout=10
        )
        bad = requests.post(
            local, data=params, headers={"X-Twilio-Signature": as_local}, timeout=10
        )
    assert ok.status_code == 200 and bad.status_code == 403


def _status(live, call_id: int, status: str, seq: int, at: datetime, **extra: str):
    params = {
        "CallSid": "CA400",
        "CallStatus": status,
        "SequenceNumber": str(seq),
        "Timestamp": format_datetime(at),
        **extra,
    }
    return live.post(f"/twilio/status?call_id={call_id}", params)


def test_status_callbacks_are_idempotent_and_never_go_backwards(live, caplog) -> None:
    call_id = live.new_call()
    t0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with caplog.at_level(logging.INFO):
        assert _status(live, call_id, "initiated", 0, t0).status_code == 204
        assert _status(live, call_id, "ringing", 1, t0 + timedelta(seconds=2)).status_code == 204
        _status(live, call_id, "ringing", 1, t0 + timedelta(seconds=2))  # Twilio's retry
        _status(live, call_id, "busy", 3, t0 + timedelta(seconds=20), CallDuration="0")
        _status(live, call_id, "initiated", 0, t0)  # arrives late
        _status(live, call_id, "completed", 4, t0 + timedelta(seconds=21))  # a second final
    assert "ignored (duplicate" in caplog.text and "ignored (backwards" in caplog.text
    with live.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        assert call.status.value == "busy"
        assert call.outcome.value == "busy"
        assert call.ended_at == t0 + timedelta(seconds=20)
        applied = [
            e.data["after"] for e in events_for(s, call_id=call_id) if e.kind == "call.status"
        ]
    assert applied == ["initiated", "ringing", "busy"]


def test_status_with_an_older_timestamp_than_the_last_applied_is_stale(live) -> None:
    call_id = live.new_call()
    t0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    _status(live, call_id, "ringing", 1, t0 + timedelta(seconds=5))
    _status(live, call_id, "in-progress", 2, t0 + timedelta(seconds=1))  # out of order
    with live.db.session() as s:
        assert crm_calls.get_call(s, call_id).status.value == "ringing"


def test_status_callback_without_required_fields_is_a_clear_400(live) -> None:
    response = live.post("/twilio/status", {"CallSid": "CA1"})
    assert response.status_code == 400 and b"CallStatus" in response.content
