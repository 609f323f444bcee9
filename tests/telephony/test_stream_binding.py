"""A media stream belongs to exactly one live call (issue 15, items 1 to 3), over real
loopback HTTP and WebSocket: a replayed or forged `start` is closed and changes nothing,
malformed frames are logged and skipped, and an AMD callback survives Twilio's REST API
being unreachable."""

from __future__ import annotations

import hashlib
import json
import logging
import time

import pytest
import websocket
from test_stream_socket import answer, connect, media_message, wait_until

from voicebot.crm import calls as crm_calls
from voicebot.crm.events import events_for
from voicebot.crm.models import CallOutcome, Merchant
from voicebot.telephony.media_stream import ProtocolError, parse_message


def start(call_id: str | int, call_sid: str, token: str | None, account: str) -> str:
    custom = {"call_id": str(call_id)}
    if token is not None:
        custom["stream_token"] = token
    return json.dumps(
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": "MZbind",
            "start": {
                "accountSid": account,
                "streamSid": "MZbind",
                "callSid": call_sid,
                "tracks": ["inbound"],
                "customParameters": custom,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }
    )


def snapshot(live, call_id: int) -> tuple:
    with live.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        merchant = s.get(Merchant, call.merchant_id)
        return (
            call.status,
            call.outcome,
            call.answered_at,
            call.started_at,
            call.ended_at,
            merchant.status,
            merchant.next_call_at,
            len(events_for(s, call_id=call_id)),
        )


def greeting_arrives(ws, seconds: float = 60) -> bool:
    """Keep sending silence until the bot's first media frame comes back."""
    ws.settimeout(0.02)
    deadline, chunk = time.monotonic() + seconds, 1
    while time.monotonic() < deadline:
        ws.send(media_message(chunk))
        chunk += 1
        try:
            message = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        assert "Internal Server Error" not in message and "<html" not in message.lower()
        if json.loads(message)["event"] == "media":
            return True
    return False


def closed_without_media(ws) -> bool:
    ws.settimeout(5)
    try:
        while True:
            message = ws.recv()
            if not message:
                return True
            if json.loads(message)["event"] == "media":
                return False
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        return True


def test_the_twiml_carries_a_per_call_token_stored_only_as_its_hash(live) -> None:
    call_id = live.new_call()
    token = answer(live, call_id, "CAbind-hash")
    assert len(token) >= 32
    with live.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        assert call.stream_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str({c.name: getattr(call, c.name) for c in call.__table__.c})
    # A replayed voice webhook does not hand out a second token for the same call.
    assert answer(live, call_id, "CAbind-hash") == ""


@pytest.mark.parametrize(
    "case", ["wrong CallSid", "wrong account", "wrong token", "no token", "other call's id"]
)
def test_a_start_that_is_not_this_calls_own_is_closed_and_touches_nothing(
    live, caplog, case
) -> None:
    victim = live.new_call("+48501234567")
    token = answer(live, victim, "CAvictim")
    other = live.new_call("+48501234568")
    other_token = answer(live, other, "CAother")
    account = live.settings.twilio.account_sid
    message = {
        "wrong CallSid": start(victim, "CAforged", token, account),
        "wrong account": start(victim, "CAvictim", token, "AC" + "1" * 32),
        "wrong token": start(victim, "CAvictim", token[:-2] + "xx", account),
        "no token": start(victim, "CAvictim", None, account),
        "other call's id": start(victim, "CAother", other_token, account),
    }[case]
    before = snapshot(live, victim)
    ws = connect(live)
    with caplog.at_level(logging.WARNING):
        ws.send(message)
        assert closed_without_media(ws)
    assert "refused" in caplog.text
    assert snapshot(live, victim) == before


def test_a_replayed_start_cannot_reopen_a_finished_call(live, caplog) -> None:
    call_id = live.new_call()
    token = answer(live, call_id, "CAdone")
    with live.db.session() as s:
        crm_calls.finish_call(s, call_id, outcome=CallOutcome.COMPLETED, settings=live.settings)
    before = snapshot(live, call_id)
    ws = connect(live)
    with caplog.at_level(logging.WARNING):
        ws.send(start(call_id, "CAdone", token, live.settings.twilio.account_sid))
        assert closed_without_media(ws)
    assert "refused" in caplog.text and snapshot(live, call_id) == before


def test_a_second_stream_for_a_streaming_call_is_refused(live, caplog) -> None:
    call_id = live.new_call()
    token = answer(live, call_id, "CAtwice")
    first = connect(live)
    first.send(start(call_id, "CAtwice", token, live.settings.twilio.account_sid))
    assert greeting_arrives(first)
    second = connect(live)
    with caplog.at_level(logging.WARNING):
        second.send(start(call_id, "CAtwice", token, live.settings.twilio.account_sid))
        assert closed_without_media(second)
    assert "already" in caplog.text
    first.close()


def test_malformed_frames_are_logged_and_the_call_goes_on(live, caplog) -> None:
    call_id = live.new_call()
    token = answer(live, call_id, "CAmalformed")
    ws = connect(live)
    with caplog.at_level(logging.WARNING):
        account = live.settings.twilio.account_sid
        ws.send(start("²", "CAmalformed", token, account))  # before the real start
        ws.send(start("9" * 30, "CAmalformed", token, account))
        ws.send(start(call_id, "CAmalformed", token, account))
        ws.send("[" * 20_000 + "]" * 20_000)
        ws.send('{"event": "media", "sequenceNumber": 1e400, "media": {"payload": "/w=="}}')
        ws.send('{"event": "start", "sequenceNumber": 1e400}')
        ws.send('{"event": "mark", "sequenceNumber": ' + "9" * 5000 + ', "mark": {"name": "x"}}')
        assert greeting_arrives(ws)
    log = caplog.text
    assert "nested too deep" in log and "sequenceNumber" in log and "not a call id" in log
    ws.close()


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 20_000 + "]" * 20_000,
        '{"event": "mark", "sequenceNumber": 1e400, "mark": {"name": "x"}}',
        '{"event": "mark", "sequenceNumber": "' + "9" * 5000 + '", "mark": {"name": "x"}}',
        '{"event": "mark", "sequenceNumber": "²", "mark": {"name": "x"}}',
        # a bare JSON number beyond Python's int-conversion limit (4,300 digits): json.loads
        # raises ValueError, not JSONDecodeError
        '{"event": "mark", "sequenceNumber": ' + "9" * 5000 + ', "mark": {"name": "x"}}',
        '{"event": "mark", "sequenceNumber": -' + "9" * 5000 + ', "mark": {"name": "x"}}',
    ],
)
def test_parser_turns_hostile_numbers_and_nesting_into_protocol_errors(raw: str) -> None:
    with pytest.raises(ProtocolError):
        parse_message(raw)


def test_amd_callback_survives_an_unreachable_rest_api(live, caplog) -> None:
    from voicebot.simulator.runner import free_port

    live.settings.twilio.api_base_url = f"http://127.0.0.1:{free_port()}"  # nothing listens
    live.settings.twilio.rest_retry_delay_s = 0.05
    call_id = live.new_call()
    answer(live, call_id, "CAmachine")
    with caplog.at_level(logging.WARNING):
        reply = live.post(
            f"/twilio/amd?call_id={call_id}",
            {"CallSid": "CAmachine", "AnsweredBy": "machine_end_beep"},
        )
        assert reply.status_code == 204

        def gave_up() -> bool:
            with live.db.session() as s:
                kinds = [e.kind for e in events_for(s, call_id=call_id)]
            return "call.voicemail_failed" in kinds

        wait_until(gave_up, timeout=30)
    assert caplog.text.count("voicemail for call") >= live.settings.twilio.rest_attempts
    completed = live.post(
        f"/twilio/status?call_id={call_id}",
        {"CallSid": "CAmachine", "CallStatus": "completed", "CallDuration": "²"},
    )
    assert completed.status_code == 204
    with live.db.session() as s:
        call = crm_calls.get_call(s, call_id)
        assert call.outcome is CallOutcome.VOICEMAIL and "voicemail" in (call.error or "")
        assert s.get(Merchant, call.merchant_id).next_call_at is not None  # the dialer retries


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/voice?call_id=%C2%B2", {"CallSid": "CAnum1"}),  # "²", as sent
        (f"/twilio/voice?call_id={'9' * 30}", {"CallSid": "CAnum2"}),
        ("/twilio/status", {"CallSid": "CAnum3", "CallStatus": "ringing", "SequenceNumber": "²"}),
        (
            "/twilio/status",
            {"CallSid": "CAnum3", "CallStatus": "completed", "CallDuration": "9" * 5000},
        ),
        (
            f"/twilio/status?call_id={'9' * 30}",
            {"CallSid": "CAnum3", "CallStatus": "completed", "SequenceNumber": "9" * 4000},
        ),
    ],
)
def test_twilio_numbers_out_of_range_are_ignored_not_500(live, path, params) -> None:
    reply = live.post(path, params)
    assert reply.status_code in (200, 204), reply.text
