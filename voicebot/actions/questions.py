"""Asking a form's question: one `action_ask_<slot>` per question, so the wording can change
when the question comes back (slower, shorter, a different question, the keypad offered),
and leaving a question for staff once it has been asked MAX_ASKS times.

The ask itself is the safety net: whatever brought a question back (a repeat, a silence, a
correction with nothing to correct, a wait, chitchat, a misunderstanding), an ask that would
be the fifth is not said; the question is left for staff and the form goes on, so a call
cannot loop on one question."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .asking import (
    MAX_ASKS,
    OFFER,
    REPHRASE,
    SHORT,
    SLOW,
    AskHistory,
    ask_history,
    asks_in_call,
    choose_style,
    given_up_in_a_row,
    offer_response,
)
from .common import FORM_FIELDS, end_call, latest_intent

# Questions asked through action_ask_<slot> (the opening's, the callback's and the form's).
ASKED_SLOTS = ["good_time", "callback_time", *FORM_FIELDS]


class AskQuestion(Action, ABC):
    """Says the question of `slot` in the style its history calls for; the bot message
    carries `ask` and `style` metadata so the next ask can count it, and `speech_rate`
    so the call says it more slowly when asked to."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def template_values(self, tracker: Tracker) -> dict[str, Any]:
        """Values a question's wording needs besides the slots (none by default)."""
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        history = ask_history(tracker, self.slot)
        if history.used_up or asks_in_call(tracker, self.slot) >= MAX_ASKS:
            # asked MAX_ASKS times already, whatever brought it back (in this turn of the
            # question, or over the call: "no" to every read-back): no fifth ask
            loop = (tracker.active_loop or {}).get("name")
            events = leave_question(self.slot, tracker, dispatcher)
            if loop == "onboarding_form" and not _ends_call(events):
                events.append(FollowupAction(loop))  # the form goes on to its next question
            return events
        responses = (domain or {}).get("responses") or {}
        base = f"utter_ask_{self.slot}"
        style = choose_style(history, latest_intent(tracker), f"{base}_rephrase" in responses)
        response = _wording(base, style, history, responses)
        metadata: dict[str, Any] = {"ask": self.slot, "style": style}
        if style == SLOW:
            metadata["speech_rate"] = "slow"
        if style == OFFER:
            offer = offer_response(self.slot)
            if offer and offer in responses:
                dispatcher.utter_message(response=offer)
        dispatcher.utter_message(
            response=response, metadata=metadata, **self.template_values(tracker)
        )
        return []


def _wording(base: str, style: str, history: AskHistory, responses: dict[str, Any]) -> str:
    if style == SLOW and history.last_response in responses:
        return str(history.last_response)  # the same words, only slower
    if style == REPHRASE:
        return f"{base}_rephrase"
    if style in (SHORT, OFFER) and f"{base}_short" in responses:
        return f"{base}_short"
    return base


def _ask_class(slot: str) -> type[AskQuestion]:
    return type(f"Ask_{slot}", (AskQuestion,), {"slot": slot, "__module__": __name__})


# rasa-sdk registers every concrete Action subclass; the prefill question has its own class
ASK_ACTIONS = {slot: _ask_class(slot) for slot in ASKED_SLOTS if slot != "prefill_confirmed"}


def given_up_values(slot: str, tracker: Tracker) -> dict[str, Any]:
    """The question was asked MAX_ASKS times (or answered unusably too often): it stays
    open, flagged for staff with what the merchant said, and the form goes on to the next
    question. Slot values, so a validator can return them as well as an action."""
    history = ask_history(tracker, slot)
    skipped = list(tracker.get_slot("skipped_fields") or [])
    given_up = list(tracker.get_slot("given_up_fields") or [])
    words = dict(tracker.get_slot("field_words") or {})
    said = [text for text, _ in history.words]
    turns = [turn for _, turn in history.words if turn is not None]
    words[slot] = {"text": " / ".join(said), "turn_index": turns[-1] if turns else None}
    return {
        slot: None,
        "skipped_fields": skipped if slot in skipped else [*skipped, slot],
        "given_up_fields": given_up if slot in given_up else [*given_up, slot],
        "field_words": words,
        "invalid_count": 0,
    }


def give_up_question(
    slot: str, tracker: Tracker, dispatcher: CollectingDispatcher
) -> list[EventType]:
    dispatcher.utter_message(response="utter_skip_gave_up")
    return [SlotSet(name, value) for name, value in given_up_values(slot, tracker).items()]


def _ends_call(events: list[EventType]) -> bool:
    return any(e.get("event") == "followup" and e.get("name") == "action_hangup" for e in events)


def leave_question(
    slot: str, tracker: Tracker, dispatcher: CollectingDispatcher
) -> list[EventType]:
    """The events once `slot` has been asked MAX_ASKS times: a form question is left for
    staff (the onboarding form goes on); where a question cannot be left open, the call
    ends: the callback's time is left to a consultant, the opening to a person's call."""
    loop = (tracker.active_loop or {}).get("name")
    if loop == "onboarding_form" and slot in FORM_FIELDS:
        if given_up_in_a_row(tracker):
            return give_up_not_understood(dispatcher)  # two questions in a row: a person
        return give_up_question(slot, tracker, dispatcher)
    if loop == "callback_form":
        dispatcher.utter_message(response="utter_callback_later")
        return end_call("callback_requested")
    return give_up_not_understood(dispatcher)


def give_up_not_understood(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(response="utter_not_understood_end")
    return end_call("not_understood", [SlotSet("human_requested", True)])
