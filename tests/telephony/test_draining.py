"""A draining server (SIGTERM received): not ready, and a new media stream is refused while
the calls already in progress go on."""

from __future__ import annotations

import logging

import pytest
import requests
import websocket
from test_stream_socket import connect, start_message


def test_draining_server_is_not_ready_and_refuses_new_streams(live, caplog) -> None:
    registry = live.app.extensions["voicebot_calls"]
    registry.services.loaded = True  # the small bot needs no models
    assert requests.get(f"{live.url}/readyz", timeout=5).status_code == 200

    registry.draining = True
    ready = requests.get(f"{live.url}/readyz", timeout=5)
    assert ready.status_code == 503
    assert any("draining" in p for p in ready.json()["problems"])
    assert requests.get(f"{live.url}/healthz", timeout=5).status_code == 200  # still alive

    call_id = live.new_call()
    ws = connect(live)
    with caplog.at_level(logging.WARNING):
        ws.send(start_message(call_id))
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            for _ in range(50):
                if not ws.recv():
                    raise ConnectionError("closed")
    assert "refused, this server is shutting down" in caplog.text
    assert registry.live() == []
    with live.db.session() as s:
        from voicebot.crm import calls as crm_calls

        assert crm_calls.get_call(s, call_id).turns == []  # nothing was started
