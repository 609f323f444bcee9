"""A two-question bot that honours the dialog package's Conversation contract, so the call
machinery (audio, turns, marks, barge-in, silence, persistence) is tested on its own,
independent of the onboarding content. Real speech still flows both ways."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

GREETING = (
    "Hello, I am the store platform's virtual assistant. This call is recorded. "
    "I am calling to set up your new store. Say stop at any time to opt out."
)
QUESTIONS = [
    ("store_name", "What is your store called?"),
    ("product_count", "How many products do you sell?"),
]


@dataclass
class Message:
    text: str
    response: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    messages: list[Message]
    ended: bool = False
    expecting: dict[str, Any] = field(default_factory=dict)


class Tracker:
    def __init__(self, slots: dict[str, Any], language: str = "en") -> None:
        self.language = language
        self.slots = dict(slots)
        self.latest_message: dict[str, Any] = {}
        self.filled: dict[str, dict[str, Any]] = {}

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "slots": dict(self.slots),
            "latest_message": self.latest_message,
            "filled": {k: dict(v) for k, v in self.filled.items()},
        }


class Conversation:
    def __init__(self, language: str, slots: dict[str, Any]) -> None:
        self.language = language
        self.tracker = Tracker(slots, language)
        self.silences = 0
        self.handled: list[tuple[str, dict[str, Any]]] = []

    def _next_question(self) -> tuple[str, str] | None:
        return next(((s, q) for s, q in QUESTIONS if s not in self.tracker.filled), None)

    def _ask(self, prefix: list[str]) -> Turn:
        nxt = self._next_question()
        if nxt is None:
            self.tracker.slots["call_outcome"] = "completed"
            return Turn([Message(t) for t in [*prefix, "Thank you, goodbye."]], ended=True)
        self.tracker.slots["requested_slot"] = nxt[0]
        return Turn(
            [Message(t) for t in [*prefix, nxt[1]]],
            expecting={"requested_slot": nxt[0], "language": self.language},
        )

    def start(self) -> Turn:
        return self._ask([GREETING])

    def handle(
        self,
        text: str,
        *,
        confidence: float = 1.0,
        alternatives: Any = None,
        metadata: dict[str, Any] | None = None,
    ) -> Turn:
        self.handled.append((text, dict(metadata or {})))
        if text == "/silence":
            self.silences += 1
            self.tracker.latest_message = {"intent": {"name": "silence"}}
            if self.silences >= 2:
                self.tracker.slots["call_outcome"] = "silence"
                return Turn([Message("I will call again later. Goodbye.")], ended=True)
            return self._ask(["Are you still there?"])
        if re.search(r"\bstop\b", text.lower()):
            self.tracker.latest_message = {"intent": {"name": "opt_out"}}
            self.tracker.slots["call_outcome"] = "opted_out"
            return Turn([Message("Understood, we will not call again. Goodbye.")], ended=True)
        self.tracker.latest_message = {"intent": {"name": "inform"}}
        slot = self.tracker.slots.get("requested_slot")
        value: Any = text.strip().rstrip(".")
        if slot == "product_count":
            digits = re.sub(r"[^\d]", "", text)
            value = int(digits) if digits else value
        self.tracker.slots[slot] = value
        self.tracker.filled[slot] = {
            "value": value,
            "confidence": confidence,
            "confirmed": False,
            "flagged": False,
            "turn_index": (metadata or {}).get("turn_index"),
        }
        return self._ask(["Thanks."])


@dataclass
class SlotCatalogue:
    slots: dict[str, Any]
    forms: dict[str, Any] = field(default_factory=dict)  # no forms: nothing to prefetch
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class SmallAgent:
    def __init__(self) -> None:
        self.conversations: list[Conversation] = []
        # the slots a call may pre-fill (what the merchant's sign-up and earlier calls give)
        self.domain = SlotCatalogue(
            {name: None for name in ["contact_name", "company_name", *dict(QUESTIONS)]}
        )

    def new_conversation(
        self, sender_id: str, *, language: str, slots: dict[str, Any]
    ) -> Conversation:
        conversation = Conversation(language, slots)
        self.conversations.append(conversation)
        return conversation

    def restore(self, tracker_json: dict[str, Any]) -> Conversation:
        conversation = Conversation(tracker_json["language"], tracker_json["slots"])
        conversation.tracker.filled = {k: dict(v) for k, v in tracker_json["filled"].items()}
        conversation.tracker.latest_message = dict(tracker_json["latest_message"])
        return conversation


@dataclass
class FieldReading:
    value: Any
    confidence: float | None
    turn_index: int | None
    confirmed: bool
    flagged: bool
    given_up: bool = False


@dataclass
class StoreConfig:
    fields: dict[str, FieldReading]
    complete: bool
    outcome: str | None


def store_config(tracker_json: dict[str, Any]) -> StoreConfig:
    filled = tracker_json["filled"]
    return StoreConfig(
        fields={name: FieldReading(**info) for name, info in filled.items()},
        complete=all(s in filled for s, _ in QUESTIONS),
        outcome=tracker_json["slots"].get("call_outcome"),
    )
