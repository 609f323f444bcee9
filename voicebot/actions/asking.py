"""How often the current question has been asked, and how to ask it next.

Every time a form asks a question, the bot message carries the metadata ``ask`` (the slot)
and ``style``; counting those since the form turned to the question gives one counter for
every way a question comes back: "sorry, what?", silence, an answer the bot could not use,
"hello?". The ask says it again more slowly after the first "what?", in a shorter wording
after the second, and offers the keypad or a consultant after the third; no question is
asked more than MAX_ASKS times: then it is left for staff with the merchant's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from .common import CONTROL_INTENTS, FORM_FIELDS

MAX_ASKS = 4  # no question is asked more often than this, whatever brought it back
REQUESTED_SLOT = "requested_slot"

# The styles of an ask, from first to last resort.
NORMAL, SLOW, SHORT, REPHRASE, OFFER = "normal", "slow", "short", "rephrase", "offer"

# Which help the last ask offers: the keypad where an answer can be typed, else a person.
YES_NO_FIELDS = {
    "good_time",
    "prefill_confirmed",
    "migrate_products",
    "has_domain",
    "tax_id_confirmed",
    "contact_email_confirmed",
}
DIGIT_FIELDS = {"product_count", "tax_id"}
NO_OFFER_FIELDS = {"callback_time"}  # a consultant's callback is what is being arranged


@dataclass
class AskHistory:
    """The current question since the form turned to it."""

    slot: str
    asks: int = 0  # how often it was asked (the first time included)
    repeats: int = 0  # "sorry, what?" meanwhile
    waits: int = 0  # "sure, I will wait" said meanwhile
    last_response: str | None = None  # the wording used last
    responses: list[str] = field(default_factory=list)
    # what the merchant said that might have been an answer: (text, turn index)
    words: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def used_up(self) -> bool:
        return self.asks >= MAX_ASKS


def _question_start(events: list[dict[str, Any]], slot: str) -> int | None:
    """Index of the event where the form turned to `slot` (None: it never did)."""
    start = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if name == REQUESTED_SLOT:
            if value != slot:
                break
            start = index
        elif name == slot and value is not None:
            break  # answered, then reopened (a correction): a new question from here
    return start


def ask_history(tracker: Tracker, slot: str) -> AskHistory:
    history = AskHistory(slot)
    events = list(tracker.events)
    start = _question_start(events, slot)
    if start is None:
        return history
    for event in events[start:]:
        kind = event.get("event")
        if kind == "bot":
            metadata = event.get("metadata") or {}
            if metadata.get("ask") == slot:
                history.asks += 1
                history.last_response = metadata.get("utter_action")
                history.responses.append(str(history.last_response))
            elif metadata.get("utter_action") == "utter_wait":
                history.waits += 1
        elif kind == "user":
            intent = str(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
            text = str(event.get("text") or "").strip()
            if intent == "repeat":
                history.repeats += 1
            elif intent not in CONTROL_INTENTS and text and not text.startswith("/"):
                metadata = event.get("metadata") or {}
                turn = metadata.get("turn_index")
                history.words.append((text, turn if isinstance(turn, int) else None))
    return history


def asks_in_call(tracker: Tracker, slot: str) -> int:
    """How often `slot` was asked in the whole call, whatever reopened it (a read-back the
    merchant said no to, a correction): the same question cannot come back forever."""
    return sum(
        1
        for event in tracker.events
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("ask") == slot
    )


def current_question(tracker: Tracker) -> str | None:
    """The slot the active form is asking for, if any."""
    if not (tracker.active_loop or {}).get("name"):
        return None
    slot = tracker.get_slot(REQUESTED_SLOT)
    return str(slot) if slot else None


def choose_style(history: AskHistory, reason: str, has_rephrase: bool) -> str:
    """How to ask `history.slot` now, given why it is asked again (the latest intent)."""
    if history.asks == 0:
        return NORMAL
    last_chance = history.asks >= MAX_ASKS - 1
    if reason == "repeat":
        if history.repeats >= 3 or last_chance:
            return OFFER
        return SLOW if history.repeats == 1 else SHORT
    if last_chance:
        return OFFER
    # an answer the bot could not place: ask differently once, if there is another question
    if has_rephrase and history.words and f"{_base(history)}_rephrase" not in history.responses:
        return REPHRASE
    return NORMAL if history.asks == 1 else SHORT


def _base(history: AskHistory) -> str:
    return f"utter_ask_{history.slot}"


def offer_response(slot: str) -> str | None:
    """The sentence that offers help on the last ask (a statement, never a question)."""
    if slot in NO_OFFER_FIELDS:
        return None
    if slot in YES_NO_FIELDS:
        return "utter_offer_keypad_yes_no"
    if slot in DIGIT_FIELDS:
        return "utter_offer_keypad_digits"
    return "utter_offer_consultant"


def given_up_in_a_row(tracker: Tracker) -> bool:
    """True when the question before this one was also left for staff with no answer taken
    since: the merchant cannot be understood, and asking everything four times would not
    help either."""
    for event in reversed(tracker.events):
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if name == "given_up_fields" and value:
            return True
        if name in FORM_FIELDS and value not in (None, []):
            return False
    return False
