"""The onboarding bot's result: a finished conversation's Rasa event list -> the store
configuration record the call layer saves. Works on standard Rasa event dicts only, not on
engine internals, so it sits beside the bot's actions rather than in the dialog engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from voicebot.actions.common import CONFIG_FIELDS, CONFIRM_SLOTS

FLAG_WHEN_APPROXIMATE = {"product_count": "product_count_approximate"}
# Below this ASR confidence a value nobody read back is likely misheard: staff check it.
# (Whisper scores right English answers about 0.5 and garbled Polish about 0.3.)
LOW_ASR_CONFIDENCE = 0.4


@dataclass
class FieldResult:
    value: Any
    confidence: float | None = None  # ASR confidence of the user message that filled it
    turn_index: int | None = None  # metadata "turn_index" of that user message
    confirmed: bool = False
    flagged: bool = False  # skipped, guessed, unsure or unconfirmed: a person should look
    prefilled: bool = False
    # asked until its asks ran out: left open for staff, with what the merchant said
    given_up: bool = False
    heard: str | None = None


@dataclass
class StoreConfigResult:
    fields: dict[str, FieldResult] = field(default_factory=dict)
    complete: bool = False
    outcome: str | None = None
    callback_time: str | None = None
    human_requested: bool = False
    opted_out: bool = False
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _user_confidence(event: dict[str, Any]) -> float | None:
    metadata = event.get("metadata") or {}
    for source in (metadata, (event.get("parse_data") or {}).get("metadata") or {}):
        for key in ("asr_confidence", "confidence"):
            if isinstance(source.get(key), int | float):
                return float(source[key])
    return None


def _turn_index(event: dict[str, Any]) -> int | None:
    for source in (
        event.get("metadata") or {},
        (event.get("parse_data") or {}).get("metadata") or {},
    ):
        if isinstance(source.get("turn_index"), int):
            return int(source["turn_index"])
    return None


def store_config_from_tracker(tracker_json: dict[str, Any]) -> StoreConfigResult:
    """Fields with their value, source turn and confidence, plus complete/outcome."""
    events = tracker_json.get("events")
    if not isinstance(events, list):
        raise ValueError("tracker JSON has no 'events' list")
    slots: dict[str, Any] = {}
    origin: dict[str, tuple[float | None, int | None]] = {}
    last_user: dict[str, Any] | None = None
    started = False
    prefilled_before_user: set[str] = set()
    said_for: dict[str, str | None] = {}  # the merchant's words that filled each field
    for event in events:
        kind = event.get("event")
        if kind == "user":
            last_user = event
            started = True
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            slots[name] = value
            if name in CONFIG_FIELDS:
                if last_user is None or not started:
                    prefilled_before_user.add(name)
                    origin.pop(name, None)
                else:
                    origin[name] = (_user_confidence(last_user), _turn_index(last_user))
                    said_for[name] = str(last_user.get("text") or "") or None
        elif kind in ("restart", "reset_slots"):
            slots.clear()
            origin.clear()
    skipped = list(slots.get("skipped_fields") or [])
    given_up = set(slots.get("given_up_fields") or [])
    words = slots.get("field_words") if isinstance(slots.get("field_words"), dict) else {}
    # taken from an answer the bot was unsure of (a category mapped with low confidence, a
    # name it could not cleanly take out, a partial list, words that are no date)
    guessed = set(slots.get("guessed_fields") or [])
    prefilled = set(slots.get("prefilled_fields") or []) | prefilled_before_user
    result = StoreConfigResult(
        outcome=slots.get("call_outcome"),
        callback_time=slots.get("callback_time"),
        human_requested=bool(slots.get("human_requested")),
        opted_out=bool(slots.get("opted_out")),
        skipped=skipped,
    )
    for name in CONFIG_FIELDS:
        value = slots.get(name)
        confidence, turn = origin.get(name, (None, None))
        confirm_slot = CONFIRM_SLOTS.get(name)
        confirmed = bool(slots.get(confirm_slot)) if confirm_slot else value is not None
        if name in prefilled and name not in origin and slots.get("prefill_confirmed"):
            confirmed = True
        read_back = confirm_slot is not None and confirmed
        flagged = (
            name in skipped
            or (name in guessed and value is not None)
            or (confirm_slot is not None and value is not None and not confirmed)
            or bool(slots.get(FLAG_WHEN_APPROXIMATE.get(name, "")))
            or (confidence is not None and confidence < LOW_ASR_CONFIDENCE and not read_back)
        )
        # a guess is shown with the words it was taken from
        heard = said_for.get(name) if name in guessed and value is not None else None
        if name in given_up and value is None:
            said = words.get(name) if isinstance(words.get(name), dict) else {}
            heard = str(said.get("text") or "") or None
            # the field points at the merchant's last words for it, for staff to read
            turn = said.get("turn_index") if isinstance(said.get("turn_index"), int) else None
            confidence = None
        result.fields[name] = FieldResult(
            value=value,
            confidence=confidence,
            turn_index=turn,
            confirmed=confirmed,
            flagged=flagged,
            prefilled=name in prefilled and name not in origin,
            given_up=name in given_up and value is None,
            heard=heard,
        )
    # a question left for staff after its asks ran out does not keep a call from completing
    not_applicable = _not_applicable(slots)
    needed = [n for n in CONFIG_FIELDS if n not in not_applicable and not result.fields[n].given_up]
    result.complete = all(result.fields[n].value is not None for n in needed) and not any(
        result.fields[n].flagged and result.fields[n].value is None for n in needed
    )
    return result


def _not_applicable(slots: dict[str, Any]) -> set[str]:
    skip: set[str] = set()
    if slots.get("has_domain") is not True:
        skip.add("domain")
    if not [c for c in slots.get("sales_channels") or [] if c != "none"]:
        skip.add("migrate_products")
    return skip
