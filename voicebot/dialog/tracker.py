"""The conversation tracker: the full Rasa event history plus the state derived from it
(slots, active loop, latest message/action, follow-up). Serialisable to JSON and
convertible to the tracker payload rasa-sdk expects."""

from __future__ import annotations

import copy
from typing import Any

from voicebot.dialog.domain import Domain
from voicebot.dialog.events import Event, normalise

_RESET_EVENTS = ("restart", "session_started")


class Tracker:
    def __init__(self, sender_id: str, domain: Domain, events: list[Event] | None = None) -> None:
        self.sender_id = sender_id
        self._domain = domain
        self.events: list[Event] = []
        self._reset_state()
        for event in events or []:
            self.events.append(normalise(event))
        self._replay()

    # --- state ----------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self.slots: dict[str, Any] = self._domain.initial_slot_values()
        self.active_loop: dict[str, Any] = {}
        self.latest_message: dict[str, Any] = {}
        self.latest_action: dict[str, Any] = {}
        self.followup_action: str | None = None
        self.paused = False

    @property
    def latest_action_name(self) -> str | None:
        return self.latest_action.get("action_name")

    @property
    def active_loop_name(self) -> str | None:
        return self.active_loop.get("name")

    @property
    def is_loop_rejected(self) -> bool:
        return bool(self.active_loop.get("rejected"))

    def get_slot(self, name: str) -> Any:
        return self.slots.get(name)

    def latest_entity_values(
        self, entity: str, role: str | None = None, group: str | None = None
    ) -> list[Any]:
        return [
            e.get("value")
            for e in self.latest_message.get("entities") or []
            if e.get("entity") == entity and e.get("role") == role and e.get("group") == group
        ]

    # --- updating -------------------------------------------------------------------------
    def update(self, event: Event) -> None:
        event = normalise(event)
        self.events.append(event)
        if event["event"] in ("rewind", "undo", *_RESET_EVENTS):
            self._replay()
        else:
            self._apply(event)

    def applied_events(self) -> list[Event]:
        """Events still in force: restarts and new sessions start afresh, `rewind` removes the
        latest user message (and the listen before it), `undo` the latest action."""
        applied: list[Event] = []
        for event in self.events:
            kind = event["event"]
            if kind in _RESET_EVENTS:
                applied = [event] if kind == "session_started" else []
            elif kind == "undo":
                _undo_till(applied, "action")
            elif kind == "rewind":
                _undo_till(applied, "user")
                _undo_till(applied, "action")
            else:
                applied.append(event)
        return applied

    def _replay(self) -> None:
        self._reset_state()
        for event in self.applied_events():
            self._apply(event)

    def _apply(self, event: Event) -> None:
        kind = event["event"]
        if kind == "user":
            self.latest_message = dict(event.get("parse_data") or {})
            self.latest_message.setdefault("text", event.get("text"))
            self.latest_message.setdefault("metadata", event.get("metadata") or {})
            self.latest_message["message_id"] = event.get("message_id")
            self.followup_action = None
            if self.active_loop:
                # A new user turn gives a rejected loop a fresh chance (see README/engine docs).
                self.active_loop["rejected"] = False
        elif kind == "action":
            name = event.get("name")
            self.latest_action = {"action_name": name}
            self.followup_action = None
            if self.active_loop:
                # as in Rasa: every action clears the interruption mark (a policy sets it
                # again with `loop_interrupted` when it returns to the loop after an unhappy
                # path); running the loop clears its rejection
                self.active_loop["is_interrupted"] = False
                if name == self.active_loop_name:
                    self.active_loop["rejected"] = False
        elif kind == "slot":
            slot = self._domain.slots.get(event["name"])
            value = slot.coerce(event.get("value")) if slot else event.get("value")
            self.slots[event["name"]] = value
        elif kind == "active_loop":
            name = event.get("name")
            self.active_loop = (
                {
                    "name": name,
                    "is_interrupted": False,
                    "rejected": False,
                    "trigger_message": copy.deepcopy(self.latest_message),
                }
                if name
                else {}
            )
        elif kind == "followup":
            self.followup_action = event.get("name")
        elif kind == "reset_slots":
            self.slots = self._domain.initial_slot_values()
        elif kind == "action_execution_rejected":
            if self.active_loop and event.get("name") == self.active_loop_name:
                self.active_loop["rejected"] = True
        elif kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
        elif kind == "loop_interrupted":
            if self.active_loop:
                self.active_loop["is_interrupted"] = bool(event.get("is_interrupted"))
        elif kind == "entities":
            entities = list(self.latest_message.get("entities") or [])
            self.latest_message["entities"] = entities + list(event.get("entities") or [])

    # --- views ----------------------------------------------------------------------------
    def events_since_latest_user(self) -> list[Event]:
        applied = self.applied_events()
        for index in range(len(applied) - 1, -1, -1):
            if applied[index]["event"] == "user":
                return applied[index + 1 :]
        return applied

    def latest_bot_messages(self) -> list[Event]:
        """The bot messages of the latest bot turn (after the latest user message)."""
        found: list[Event] = []
        for event in reversed(self.applied_events()):
            if event["event"] == "user" and found:
                break
            if event["event"] == "bot":
                found.append(event)
        return list(reversed(found))

    def to_json(self) -> dict[str, Any]:
        """What the call layer stores; `Agent.restore` reads it back."""
        return {"sender_id": self.sender_id, "events": copy.deepcopy(self.events)}

    def current_state(self) -> dict[str, Any]:
        """The tracker payload rasa-sdk's `Tracker.from_dict` reads (action server JSON)."""
        latest_input_channel = None
        for event in reversed(self.events):
            if event["event"] == "user":
                latest_input_channel = event.get("input_channel")
                break
        return {
            "sender_id": self.sender_id,
            "slots": copy.deepcopy(self.slots),
            "latest_message": copy.deepcopy(self.latest_message),
            "latest_event_time": self.events[-1].get("timestamp") if self.events else None,
            "followup_action": self.followup_action,
            "paused": self.paused,
            "events": copy.deepcopy(self.events),
            "latest_input_channel": latest_input_channel,
            "active_loop": {"name": self.active_loop_name} if self.active_loop_name else {},
            "latest_action": dict(self.latest_action),
            "latest_action_name": self.latest_action_name,
        }

    def copy(self) -> Tracker:
        return Tracker(self.sender_id, self._domain, copy.deepcopy(self.events))


def _undo_till(applied: list[Event], kind: str) -> None:
    while applied:
        if applied.pop()["event"] == kind:
            break
