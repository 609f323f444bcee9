"""Rasa 3.x slot mappings: which slots the latest user message fills (`action_extract_slots`)."""

from __future__ import annotations

import json
from typing import Any

from voicebot.dialog import events as ev
from voicebot.dialog.domain import REQUESTED_SLOT, SESSION_METADATA_SLOT, Domain, Slot
from voicebot.dialog.events import Event
from voicebot.dialog.tracker import Tracker


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def conditions_hold(mapping: dict[str, Any], loop: str | None, requested: str | None) -> bool:
    """No conditions: always. Otherwise one condition must hold (active_loop and, if given,
    requested_slot)."""
    conditions = mapping.get("conditions")
    if not conditions:
        return True
    for condition in conditions:
        if "active_loop" in condition and condition["active_loop"] != loop:
            continue
        if condition.get("requested_slot") is not None and condition["requested_slot"] != requested:
            continue
        return True
    return False


def intent_allowed(mapping: dict[str, Any], intent: str | None, ignored: list[str]) -> bool:
    wanted = _as_list(mapping.get("intent"))
    unwanted = _as_list(mapping.get("not_intent")) + ignored
    if wanted and intent not in wanted:
        return False
    return intent not in unwanted


def _ignored_intents(domain: Domain, slot: str) -> list[str]:
    return [
        i
        for form in domain.forms.values()
        if slot in form.required_slots
        for i in form.ignored_intents
    ]


def _entity_key(mapping: dict[str, Any]) -> str:
    return json.dumps({k: mapping.get(k) for k in ("entity", "role", "group")}, sort_keys=True)


def _shared_entity_mapping(
    domain: Domain, loop: str | None, slot: str, mapping: dict[str, Any]
) -> bool:
    """In an active form, an entity that several required slots map to fills only the
    requested one (Rasa's unique entity mapping check)."""
    form = domain.forms.get(loop or "")
    if form is None or slot not in form.required_slots:
        return False
    key = _entity_key(mapping)
    users = {
        other
        for other in form.required_slots
        for m in (domain.slots[other].mappings if other in domain.slots else [])
        if m.get("type") == "from_entity" and _entity_key(m) == key
    }
    return len(users) > 1


def mapping_value(slot: Slot, mapping: dict[str, Any], tracker: Tracker) -> Any:
    kind = mapping.get("type")
    if kind == "from_entity":
        values = tracker.latest_entity_values(
            str(mapping["entity"]), mapping.get("role"), mapping.get("group")
        )
        if slot.type == "list":
            return values or None
        if not values:
            return None
        return values[0] if len(values) == 1 else values
    if kind in ("from_intent", "from_trigger_intent"):
        return mapping.get("value")
    if kind == "from_text":
        return tracker.latest_message.get("text")
    return None


def extract_slots(domain: Domain, tracker: Tracker) -> list[Event]:
    """SlotSet events for every slot a mapping fills from the latest user message."""
    loop = tracker.active_loop_name
    requested = tracker.get_slot(REQUESTED_SLOT) if loop else None
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    found: list[Event] = []
    for slot in domain.slots.values():
        if slot.name in (REQUESTED_SLOT, SESSION_METADATA_SLOT):
            continue
        ignored = _ignored_intents(domain, slot.name) if loop else []
        for mapping in slot.mappings:
            if mapping.get("type") in ("custom", "from_trigger_intent"):
                continue
            if not conditions_hold(mapping, loop, requested):
                continue
            if not intent_allowed(mapping, intent, ignored):
                continue
            if (
                mapping.get("type") == "from_entity"
                and slot.name != requested
                and _shared_entity_mapping(domain, loop, slot.name, mapping)
            ):
                continue
            value = mapping_value(slot, mapping, tracker)
            if value is not None:
                found.append(ev.slot(slot.name, value))
                break
    return found


def trigger_intent_slots(domain: Domain, tracker: Tracker, form: str) -> list[Event]:
    """`from_trigger_intent` mappings fill their slot when `form` is activated by the intent."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    found: list[Event] = []
    for slot in domain.slots.values():
        for mapping in slot.mappings:
            if mapping.get("type") != "from_trigger_intent":
                continue
            if not conditions_hold(mapping, form, None) and mapping.get("conditions"):
                continue
            if intent_allowed(mapping, intent, []) and mapping.get("intent"):
                found.append(ev.slot(slot.name, mapping.get("value")))
                break
    return found
