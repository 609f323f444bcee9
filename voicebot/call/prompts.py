"""Which prompts a call will need before it needs them, so they play from memory.

- When a call is placed (before the merchant answers): what the dialog says first to this
  merchant in the usual case (the greeting with their name, then the read-back of their
  sign-up data), found by running a throw-away conversation with the same slots.
- While the merchant answers a question: the question the form asks next, from the domain.
Nothing here names a form, a slot or a language: they all come from the dialog.
"""

from __future__ import annotations

from typing import Any

from voicebot.call.ports import Agent, SlotCatalogue
from voicebot.crm.models import FieldSource
from voicebot.crm.store_configs import get_config
from voicebot.dialog.responses import PLACEHOLDER, condition_holds, fill


def prefill_slots(session: Any, merchant: Any) -> dict[str, Any]:
    """Sign-up facts first, then anything earlier calls or staff already collected."""
    slots: dict[str, Any] = {}
    # the rules of the merchant's country: its tax number, its clock for "tomorrow"
    if merchant.country:
        slots["country"] = merchant.country
    if merchant.timezone:
        slots["timezone"] = merchant.timezone
    if merchant.contact_name:
        slots["contact_name"] = merchant.contact_name
    if merchant.company_name:
        slots.setdefault("company_name", merchant.company_name)
    for name, value in (merchant.signup_data or {}).items():
        if value not in (None, ""):
            slots[name] = value
    config = get_config(session, merchant.id)
    if config is not None:
        earlier = []
        for fld in config.fields:
            if fld.value not in (None, "") and not fld.flagged:
                slots[fld.name] = fld.value
                if fld.source is FieldSource.CALL:
                    earlier.append(fld.name)
        if earlier:
            slots["earlier_call_fields"] = earlier  # the dialog says where we stopped
    return slots


def usual_opening(agent: Agent, slots: dict[str, Any], language: str) -> list[str]:
    """What the bot says first in the usual case: its opening turn and its answer to a "yes"
    (the read-back of the sign-up data), from a throw-away conversation with the same slots."""
    known = agent.domain.slots  # the dialog refuses slots it does not declare
    slots = {k: v for k, v in slots.items() if k in known}
    conversation = agent.new_conversation("prepare", language=language, slots=slots)
    turns = [conversation.start()]
    if not turns[0].ended:
        turns.append(conversation.handle("/affirm", confidence=1.0))
    return [m.text for turn in turns for m in turn.messages if m.text]


def next_questions(domain: SlotCatalogue, slots: dict[str, Any], language: str) -> list[str]:
    """The question after the one being answered: the next empty slot of the active form."""
    requested = slots.get("requested_slot")
    values = {**slots, "language": language}
    for form in domain.forms.values():
        required = form.required_slots
        if requested not in required:
            continue
        later = required[required.index(requested) + 1 :]
        upcoming = next((s for s in later if slots.get(s) in (None, "", [])), None)
        if upcoming is None:
            return []
        texts = _texts(domain, f"utter_ask_{upcoming}", values)
        return [t for t in texts if PLACEHOLDER.search(t) is None]
    return []


def _texts(domain: SlotCatalogue, name: str, values: dict[str, Any]) -> list[str]:
    """The texts ``name`` could say for these slot values (every variation that may be chosen)."""
    variations = domain.responses.get(name) or []
    matching = [
        v for v in variations if v.get("condition") and condition_holds(v["condition"], values)
    ]
    candidates = matching or [v for v in variations if not v.get("condition")]
    texts = []
    for variation in candidates:
        text = variation.get("text")
        if not isinstance(text, str) or variation.get("channel"):
            continue
        texts.append(fill(text, values))
    return texts
