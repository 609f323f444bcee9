"""Rasa events as plain JSON dicts (the wire format rasa-sdk and Rasa trackers use)."""

from __future__ import annotations

import time
import uuid
from typing import Any

Event = dict[str, Any]

KNOWN_EVENTS = {
    "user",
    "bot",
    "action",
    "slot",
    "active_loop",
    "form",  # Rasa 2 name of active_loop
    "followup",
    "restart",
    "session_started",
    "reset_slots",
    "action_execution_rejected",
    "rewind",
    "undo",
    "pause",
    "resume",
    "export",
    "loop_interrupted",
    "form_validation",
    "entities",
    "reminder",
    "cancel_reminder",
    "agent",
    "user_featurization",
    "stack",
}


def _stamp(event: Event) -> Event:
    event.setdefault("timestamp", time.time())
    return event


def user(
    text: str | None,
    parse_data: dict[str, Any],
    metadata: dict[str, Any] | None = None,
    input_channel: str | None = None,
) -> Event:
    message_id = parse_data.get("message_id") or uuid.uuid4().hex
    return _stamp(
        {
            "event": "user",
            "text": text,
            "parse_data": {**parse_data, "message_id": message_id},
            "input_channel": input_channel,
            "message_id": message_id,
            "metadata": metadata or {},
        }
    )


def bot(
    text: str | None, data: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None
) -> Event:
    return _stamp({"event": "bot", "text": text, "data": data or {}, "metadata": metadata or {}})


def action(name: str, policy: str | None = None, confidence: float | None = 1.0) -> Event:
    return _stamp(
        {
            "event": "action",
            "name": name,
            "policy": policy,
            "confidence": confidence,
            "action_text": None,
            "hide_rule_turn": False,
        }
    )


def slot(name: str, value: Any) -> Event:
    return _stamp({"event": "slot", "name": name, "value": value})


def active_loop(name: str | None) -> Event:
    return _stamp({"event": "active_loop", "name": name})


def followup(name: str) -> Event:
    return _stamp({"event": "followup", "name": name})


def restarted() -> Event:
    return _stamp({"event": "restart"})


def session_started() -> Event:
    return _stamp({"event": "session_started"})


def rejected(name: str, policy: str | None = None, confidence: float | None = None) -> Event:
    return _stamp(
        {
            "event": "action_execution_rejected",
            "name": name,
            "policy": policy,
            "confidence": confidence,
        }
    )


def user_utterance_reverted() -> Event:
    return _stamp({"event": "rewind"})


def action_reverted() -> Event:
    return _stamp({"event": "undo"})


def normalise(event: Any) -> Event:
    """Accept an event from an action (dict with `event`) and check its shape."""
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise ValueError(f"not a Rasa event: {event!r}")
    event = dict(event)
    if event["event"] == "form":  # Rasa 2 spelling
        event["event"] = "active_loop"
    if event["event"] == "slot" and "name" not in event:
        raise ValueError(f"slot event without a name: {event!r}")
    return _stamp(event)
