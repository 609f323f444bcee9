"""Shared pieces of the onboarding actions: language, labels, keyword lexicon, clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet

from voicebot.spoken_languages import supported_languages

DATA = Path(__file__).parent / "data"
# The NLU training data: which words each intent is said with (see intent_words).
NLU_DATA = Path(__file__).resolve().parents[2] / "nlu_data"

# The form's questions, in the order they are asked.
FORM_FIELDS = [
    "prefill_confirmed",
    "contact_name",
    "store_name",
    "industry",
    "product_count",
    "sales_channels",
    "migrate_products",
    "has_domain",
    "domain",
    "payment_methods",
    "shipping_methods",
    "tax_id",
    "tax_id_confirmed",
    "contact_email",
    "contact_email_confirmed",
    "launch_date",
]
# Store configuration fields (what the call layer saves), without helper slots.
CONFIG_FIELDS = [
    f
    for f in FORM_FIELDS
    if f not in ("prefill_confirmed", "tax_id_confirmed", "contact_email_confirmed")
]
# What the platform may already know from sign-up: confirmed in one sentence, not asked.
SIGNUP_FIELDS = ["store_name", "company_name", "contact_email", "tax_id", "domain"]
CONFIRM_SLOTS = {"tax_id": "tax_id_confirmed", "contact_email": "contact_email_confirmed"}
# Intents that are never an answer to the question being asked.
CONTROL_INTENTS = {
    "opt_out",
    "request_human",
    "request_callback",
    "ask_bot_identity",
    "repeat",
    "wait",
    "silence",
    "dont_know",
    "correct",
    "chitchat",
    "ask_duration",
    "greet",
    "goodbye",
}
DEFAULT_LANGUAGE = "pl"


def lang_of(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in supported_languages() else DEFAULT_LANGUAGE


@cache
def labels(lang: str) -> dict[str, Any]:
    path = DATA / f"{lang}.yml"
    if not path.exists():
        path = DATA / f"{DEFAULT_LANGUAGE}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def lexicon() -> dict[str, dict[str, list[str]]]:
    return yaml.safe_load((DATA / "lexicon.yml").read_text(encoding="utf-8"))


def join_words(items: list[str], lang: str) -> str:
    """ "a, b i c" — a spoken list, no symbols."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {labels(lang)['and']} " + items[-1]


def value_label(field: str, value: Any, lang: str) -> str:
    table = labels(lang)["values"].get(field, {})
    if isinstance(value, list):
        return join_words([str(table.get(v, v)) for v in value], lang)
    return str(table.get(value, value))


def field_label(field: str, lang: str) -> str:
    return str(labels(lang)["fields"].get(field, field))


def now_of(tracker: Tracker) -> datetime:
    """The current time; a test or replay may pin it with message metadata "now" (ISO)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    pinned = metadata.get("now") or tracker.get_slot("call_started_at")
    if pinned:
        try:
            moment = datetime.fromisoformat(str(pinned))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def timezone_of(tracker: Tracker) -> str:
    return tracker.get_slot("timezone") or "Europe/Warsaw"


def country_of(tracker: Tracker) -> str:
    return (tracker.get_slot("country") or "PL").upper()


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def latest_intent(tracker: Tracker) -> str:
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def end_call(outcome: str, extra: list[EventType] | None = None) -> list[EventType]:
    """Events that close the call: the outcome, no active form, hang up."""
    return [
        *(extra or []),
        SlotSet("call_outcome", outcome),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        FollowupAction("action_hangup"),
    ]


def trailing_user_intents(tracker: Tracker) -> list[str]:
    """Intents of the user messages at the end of the conversation, latest first."""
    intents: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intents.append(str(((event.get("parse_data") or {}).get("intent") or {}).get("name")))
    return intents


# Slots whose filling means the conversation moved on: an answer was taken or a field left.
PROGRESS_SLOTS = {*FORM_FIELDS, "good_time", "callback_time", "skipped_fields"}


def runs_since_progress(tracker: Tracker, *action_names: str) -> int:
    """How often these actions ran since the merchant last moved the conversation on,
    whatever came in between (silences, misunderstandings, core fallbacks)."""
    count = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "slot" and event.get("name") in PROGRESS_SLOTS:
            if event.get("value") not in (None, []):
                break
        elif kind == "action" and event.get("name") in action_names:
            count += 1
    return count


def count_trailing(tracker: Tracker, intent: str) -> int:
    count = 0
    for name in trailing_user_intents(tracker):
        if name != intent:
            break
        count += 1
    return count


_ANNOTATION = re.compile(r"\[[^\]]*\](?:\{[^}]*\}|\([^)]*\))")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def words_of(text: str) -> list[str]:
    """The words of a sentence, lower case, without punctuation ("It's" stays one word)."""
    return _TOKEN.findall(text.lower().replace("’", "'"))


def says_phrase(text: str, lang: str, key: str) -> bool:
    """One of the phrases under ``key`` in the language's actions data, word for word, in
    the text."""
    words = words_of(text)
    for phrase in labels(lang).get(key, []):
        wanted = words_of(phrase)
        size = len(wanted)
        if any(words[i : i + size] == wanted for i in range(len(words) - size + 1)):
            return True
    return False


def says_go_ahead(text: str, lang: str) -> bool:
    """ "Mów pan.", "Go ahead.": a go-ahead answers "is it a good time?" with a yes."""
    return says_phrase(text, lang, "go_ahead")


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _asks_how_long(sentence: str, lang: str) -> bool:
    return sentence.endswith("?") and says_phrase(sentence, lang, "how_long")


def asks_how_long_last(text: str, lang: str) -> bool:
    """ "Teraz nie bardzo, jestem w trasie... A długo to będzie?": the message ends with a
    question about how long the call takes (the recogniser's question mark)."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    return bool(sentences) and _asks_how_long(sentences[-1], lang)


def asks_how_long(text: str, lang: str) -> bool:
    """A sentence of the message asks how long the call takes."""
    return any(_asks_how_long(s, lang) for s in _SENTENCE_END.split(text.strip()) if s)


def said_after_how_long(text: str, lang: str) -> str:
    """ "A długo to będzie trwało? Bo konie nienakarmione. No dobra, byle szybko.": what the
    merchant went on to say after asking how long the call takes ("" when nothing)."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    asked = [i for i, s in enumerate(sentences) if _asks_how_long(s, lang)]
    return " ".join(sentences[asked[-1] + 1 :]) if asked else ""


@cache
def intent_words(lang: str, intent: str) -> frozenset[str]:
    """Every word the NLU training data says `intent` with (entity values left out: they
    are what the sentence is about, not how the intent is said). Empty when the data is
    not there."""
    path = NLU_DATA / f"{lang}.yml"
    if not path.exists():
        return frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words: set[str] = set()
    for block in data.get("nlu") or []:
        if block.get("intent") != intent:
            continue
        for line in str(block.get("examples") or "").splitlines():
            words.update(words_of(_ANNOTATION.sub(" ", line.strip().lstrip("- "))))
    return frozenset(words)


def unexplained_words(text: str, lang: str, intents: set[str] | list[str]) -> list[str]:
    """The words of `text` that none of `intents` is said with in the training data: what
    the sentence says besides "wait", "I don't know" or "no, I meant"."""
    known: set[str] = set()
    for intent in intents:
        known |= intent_words(lang, intent)
    return [w for w in words_of(text) if w not in known]
