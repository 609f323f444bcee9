"""Slot extraction and validation of the onboarding, opening and callback forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from voicebot.dialog.normalise import (
    Quantity,
    after_correction,
    corrected,
    parse_datetime,
    parse_domain,
    parse_email,
    parse_launch_date,
    parse_quantity,
    parse_tax_id,
    parse_yes_no,
    say_digits,
    spell_address,
)
from voicebot.dialog.normalise.languages import language

from .asking import ask_history
from .common import (
    CONFIRM_SLOTS,
    CONTROL_INTENTS,
    SIGNUP_FIELDS,
    country_of,
    labels,
    lang_of,
    latest_intent,
    latest_text,
    now_of,
    says_go_ahead,
    says_phrase,
    timezone_of,
)
from .questions import given_up_values
from .understanding import (
    SURE_INDUSTRY,
    NameTake,
    industry_answer,
    list_answer,
    take_name,
    take_person_name,
)

LIST_SLOTS = {
    "payment_methods": "payment_method",
    "shipping_methods": "shipping_method",
    "sales_channels": "sales_channel",
}
# the callback_time of a merchant who, asked when to call back, has the time now after all
NOW_AFTER_ALL = "now"
UNKNOWN_INDUSTRY = "unknown"  # extracted, never stored: validation re-asks or stores "other"
SURE_YES_NO = 0.7  # below this, a longer answer to a name question is taken as the name
# Intents that mean the message is no answer, when the NLU is this sure of them (or the
# message is a question): "who is calling?", "say that again", "call me later".
NOT_AN_ANSWER = CONTROL_INTENTS - {"greet", "correct", "chitchat"}
SURE_NOT_AN_ANSWER = 0.6
MAX_INVALID = 3  # after this many rejected answers to one question it is skipped and flagged


def _not_an_answer(tracker: Tracker) -> bool:
    """A question back, a request to repeat, wait, stop or be called later: no answer. A
    greeting, a self-correction or an unsure guess of the NLU may still hold one."""
    if latest_intent(tracker) not in NOT_AN_ANSWER:
        return False
    return _intent_confidence(tracker) >= SURE_NOT_AN_ANSWER or latest_text(
        tracker
    ).rstrip().endswith("?")


def _changes_another_field(tracker: Tracker) -> bool:
    """ "Change the e-mail address": a sure correction is no free-text answer (a number or a
    date in it still is one: "sixty, no, eighty")."""
    return latest_intent(tracker) == "correct" and _intent_confidence(tracker) >= (
        SURE_NOT_AN_ANSWER
    )


def _requested(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot and not _not_an_answer(tracker)


def guessed(tracker: Tracker, slot: str, unsure: bool) -> dict[str, Any]:
    """The `guessed_fields` slot with this field added (a guess staff should check) or
    removed (a later, sure answer)."""
    fields = [f for f in tracker.get_slot("guessed_fields") or [] if f != slot]
    if unsure:
        fields.append(slot)
    return {"guessed_fields": fields}


def _intent_confidence(tracker: Tracker) -> float:
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


def _entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [
        str(e.get("value"))
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity
    ]


class ValidateOnboardingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_onboarding_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The questions still worth asking: conditional ones only when they apply, and
        nothing the merchant chose to skip."""
        skipped = set(tracker.get_slot("skipped_fields") or [])
        prefilled = set(tracker.get_slot("prefilled_fields") or [])
        channels = tracker.get_slot("sales_channels") or []
        slots: list[str] = []
        for slot in domain_slots:
            if slot in skipped:
                continue
            if slot == "prefill_confirmed" and not (prefilled & set(SIGNUP_FIELDS)):
                continue
            if slot == "migrate_products" and not [c for c in channels if c != "none"]:
                continue
            if slot == "domain" and tracker.get_slot("has_domain") is not True:
                continue
            if slot in CONFIRM_SLOTS.values():
                base = next(k for k, v in CONFIRM_SLOTS.items() if v == slot)
                if tracker.get_slot(base) is None:
                    continue
            slots.append(slot)
        return slots

    # -- extraction from the raw words (speech gives words, not entities)
    def extract_product_count(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not _requested(tracker, "product_count"):
            return {}
        quantity = _quantity(tracker)
        if quantity is None:
            return {}
        # range and approximation are added by validate_product_count (rasa-sdk drops
        # extracted slots that are not form slots)
        return {"product_count": quantity.as_int()}

    def extract_tax_id(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not _requested(tracker, "tax_id"):
            return {}
        text, lang, country = latest_text(tracker), lang_of(tracker), country_of(tracker)
        # "jeden sześć osiem, przepraszam, od początku: jeden sześć osiem ...": the number
        # said again after a self-correction, when it is a valid one
        again = parse_tax_id(corrected(text, lang), lang, country)
        check = again if again is not None and again.valid else parse_tax_id(text, lang, country)
        if check is None:
            return {}
        return {"tax_id": check.value}

    def extract_contact_email(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not _requested(tracker, "contact_email"):
            return {}
        address = parse_email(latest_text(tracker), lang_of(tracker))
        return {"contact_email": address} if address else {}

    def extract_domain(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not _requested(tracker, "domain"):
            return {}
        name = parse_domain(latest_text(tracker), lang_of(tracker), _store_names(tracker))
        return {"domain": name} if name else {}

    def extract_launch_date(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not _requested(tracker, "launch_date"):
            return {}
        # a day, "asap", or the merchant's own words (kept and flagged in validation)
        text = latest_text(tracker).strip()
        when = parse_launch_date(text, lang_of(tracker), now_of(tracker), timezone_of(tracker))
        if when is not None:
            return {"launch_date": when.value}
        if _changes_another_field(tracker):
            return {}
        words = text.strip(" .,!?;:…")
        return {"launch_date": words} if words else {}

    def _extract_list(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        if not _requested(tracker, slot):
            return {}
        take = list_answer(
            latest_text(tracker),
            slot,
            lang_of(tracker),
            _entity_values(tracker, LIST_SLOTS[slot]),
        )
        return {slot: take.values} if take.values else {}

    def extract_payment_methods(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_list(tracker, "payment_methods")

    def extract_shipping_methods(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_list(tracker, "shipping_methods")

    def extract_sales_channels(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_list(tracker, "sales_channels")

    def extract_industry(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not _requested(tracker, "industry"):
            return {}
        take = industry_answer(
            latest_text(tracker), lang_of(tracker), _entity_values(tracker, "industry")
        )
        if take.value:
            return {"industry": take.value}
        # an unknown answer may be another industry or an answer to another question (a
        # name, a number): validate_industry asks once more before storing "other"
        if latest_intent(tracker) in CONTROL_INTENTS:
            return {}
        return {"industry": UNKNOWN_INDUSTRY} if latest_text(tracker).strip() else {}

    def _extract_yes_no(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        # "Only the coffee ones... no, yeah, bring everything over": the answer after a
        # self-correction is the answer, whatever the NLU made of the whole
        revised = _revised_yes_no(latest_text(tracker), lang_of(tracker))
        if revised is None:
            revised = _settled_yes_no(latest_text(tracker), lang_of(tracker))
        if revised is not None and not _not_an_answer(tracker):
            return {slot: revised}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {slot: True}
        if intent == "deny":
            return {slot: False}
        if _not_an_answer(tracker):
            return {}
        answer = parse_yes_no(latest_text(tracker), lang_of(tracker))
        return {slot: answer} if answer is not None else {}

    def extract_prefill_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_yes_no(tracker, "prefill_confirmed")

    def extract_migrate_products(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_yes_no(tracker, "migrate_products")

    def extract_has_domain(self, dispatcher, tracker, domain) -> dict[str, Any]:
        found = self._extract_yes_no(tracker, "has_domain")
        if not found and _requested(tracker, "has_domain"):
            # "tak, moda plus kropka pl": the domain itself is a yes
            name = parse_domain(latest_text(tracker), lang_of(tracker), _store_names(tracker))
            if name:
                return {"has_domain": True, "domain": name}
        if found.get("has_domain"):
            name = parse_domain(latest_text(tracker), lang_of(tracker), _store_names(tracker))
            if name:
                found["domain"] = name
        return found

    def extract_tax_id_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_yes_no(tracker, "tax_id_confirmed")

    def extract_contact_email_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_yes_no(tracker, "contact_email_confirmed")

    def _extract_text(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        if not _requested(tracker, slot) or _changes_another_field(tracker):
            return {}
        # "no" is not a name; a misheard name with a "nie" in it, read as an unsure
        # "deny", is one (staff see the recogniser's confidence when they review it)
        if latest_intent(tracker) == "deny" and (
            _intent_confidence(tracker) >= SURE_YES_NO or len(latest_text(tracker).split()) <= 2
        ):
            return {}
        # "Hi, I'm Grace Turner", "Tak, Grzegorz Wieczorek": the greeting or the yes goes,
        # the name stays; a greeting alone ("I'm back") or a yes alone gives no name
        take = _name_of(slot)(latest_text(tracker), lang_of(tracker))
        return {slot: take.value} if take.value else {}

    def extract_contact_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_text(tracker, "contact_name")

    def extract_store_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract_text(tracker, "store_name")

    # -- validation
    def _reject(self, dispatcher, tracker, slot: str, response: str) -> dict[str, Any]:
        """Say why; after MAX_INVALID tries, or once the question was asked MAX_ASKS times
        in any mix of repeats, silences and misunderstandings, leave the field open and
        flagged for staff with the merchant's words."""
        count = int(tracker.get_slot("invalid_count") or 0) + 1
        if count >= MAX_INVALID or ask_history(tracker, slot).used_up:
            dispatcher.utter_message(response="utter_skip_gave_up")
            return given_up_values(slot, tracker)
        dispatcher.utter_message(response=response)
        return {slot: None, "invalid_count": count}

    def validate_product_count(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if isinstance(value, int | float) and 0 <= value <= 10_000_000:
            # helper slots are returned here: rasa-sdk drops extracted slots the form lacks
            quantity = _quantity(tracker)
            detail: dict[str, Any] = {}
            if quantity is not None and quantity.as_int() == int(value):
                detail = {
                    "product_count_range": [round(quantity.value), round(quantity.high)]
                    if quantity.is_range
                    else None,
                    "product_count_approximate": quantity.approximate or quantity.is_range,
                }
            return {"product_count": int(value), "invalid_count": 0, **detail}
        return self._reject(dispatcher, tracker, "product_count", "utter_invalid_product_count")

    def validate_tax_id(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        from voicebot.dialog.normalise import check_tax_id

        check = check_tax_id(str(value), country_of(tracker))
        if not check.valid:
            response = (
                "utter_invalid_tax_id_checksum"
                if check.reason == "checksum"
                else "utter_invalid_tax_id"
            )
            return self._reject(dispatcher, tracker, "tax_id", response)
        spoken = say_digits(check.value, lang_of(tracker))
        return {"tax_id": check.value, "tax_id_spoken": spoken, "invalid_count": 0}

    def validate_contact_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        address = parse_email(str(value), lang_of(tracker))
        if address is None:
            return self._reject(dispatcher, tracker, "contact_email", "utter_invalid_email")
        return {
            "contact_email": address,
            "contact_email_spoken": spell_address(address, lang_of(tracker)),
            "invalid_count": 0,
        }

    def validate_domain(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        name = parse_domain(str(value), lang_of(tracker), _store_names(tracker))
        if name is None:
            return self._reject(dispatcher, tracker, "domain", "utter_invalid_domain")
        return {"domain": name, "domain_spoken": spell_address(name, lang_of(tracker))}

    def validate_launch_date(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        # a day or "asap" is an answer; other words are kept as said, for staff to read
        value = str(value)
        understood = value == "asap" or _is_iso_day(value)
        return {
            "launch_date": value,
            "invalid_count": 0,
            **guessed(tracker, "launch_date", not understood),
        }

    def _validate_confirmation(self, slot: str, value, dispatcher) -> dict[str, Any]:
        base = next(k for k, v in CONFIRM_SLOTS.items() if v == slot)
        if value is False:
            dispatcher.utter_message(response=f"utter_{base}_retry")
            return {slot: None, base: None}
        return {slot: bool(value)}

    def validate_tax_id_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_confirmation("tax_id_confirmed", value, dispatcher)

    def validate_contact_email_confirmed(
        self, value, dispatcher, tracker, domain
    ) -> dict[str, Any]:
        return self._validate_confirmation("contact_email_confirmed", value, dispatcher)

    def validate_prefill_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is True:
            return {
                "prefill_confirmed": True,
                **{
                    CONFIRM_SLOTS[f]: True for f in CONFIRM_SLOTS if tracker.get_slot(f) is not None
                },
            }
        # something is wrong: ask the sign-up fields again one by one
        dispatcher.utter_message(response="utter_prefill_redo")
        cleared = {
            f: None for f in SIGNUP_FIELDS if f in (tracker.get_slot("prefilled_fields") or [])
        }
        return {"prefill_confirmed": False, **cleared}

    def validate_industry(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == UNKNOWN_INDUSTRY:
            if int(tracker.get_slot("invalid_count") or 0) == 0:
                return self._reject(dispatcher, tracker, "industry", "utter_invalid_industry")
            # asked twice and still not a known industry: it is something else, in the
            # merchant's own words, for staff to place
            return {
                "industry": "other",
                "industry_detail": latest_text(tracker),
                "invalid_count": 0,
                **guessed(tracker, "industry", True),
            }
        # the merchant's words stay beside the category they were mapped to
        take = industry_answer(
            latest_text(tracker), lang_of(tracker), _entity_values(tracker, "industry")
        )
        sure = take.value == value and take.confidence >= SURE_INDUSTRY
        return {
            "industry": value,
            "industry_detail": latest_text(tracker),
            "invalid_count": 0,
            **guessed(tracker, "industry", not sure),
        }

    def _validate_name(self, slot: str, value, tracker: Tracker) -> dict[str, Any]:
        name = str(value).strip() or None
        take = _name_of(slot)(latest_text(tracker), lang_of(tracker))
        unsure = name is not None and (take.value != name or take.unsure)
        return {slot: name, **guessed(tracker, slot, unsure)}

    def validate_contact_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_name("contact_name", value, tracker)

    def validate_store_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_name("store_name", value, tracker)

    def _validate_list(self, slot: str, value, dispatcher, tracker) -> dict[str, Any]:
        values = [v for v in (value if isinstance(value, list) else [value]) if v]
        if len(values) > 1 and "none" in values:
            values.remove("none")
        if not values:
            return self._reject(dispatcher, tracker, slot, "utter_invalid_list")
        take = list_answer(
            latest_text(tracker), slot, lang_of(tracker), _entity_values(tracker, LIST_SLOTS[slot])
        )
        return {slot: values, **guessed(tracker, slot, take.partial)}

    def validate_sales_channels(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_list("sales_channels", value, dispatcher, tracker)

    def validate_payment_methods(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_list("payment_methods", value, dispatcher, tracker)

    def validate_shipping_methods(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_list("shipping_methods", value, dispatcher, tracker)


def _quantity(tracker: Tracker):  # type: ignore[no-untyped-def]
    """The amount said, the one after a self-correction when there is one ("two hundred,
    no, three hundred")."""
    lang = lang_of(tracker)
    text = latest_text(tracker)
    return (
        _summed_up(text, lang)
        or _settled_on(text, lang)
        or parse_quantity(corrected(text, lang), lang)
        or parse_quantity(text, lang)
    )


def _settled_on(text: str, lang: str) -> Quantity | None:
    """ "Sweterki w trzech rozmiarach, ... będzie z sześćdziesiąt, może sześćdziesiąt pięć.
    Niech pan napisze sześćdziesiąt.", "przysmaków ze trzydzieści rodzajów, ..., no około
    osiemdziesięciu będzie": with figures in several clauses, the last clause holding one,
    begun with a word that settles it (`quantity_leads`: "niech pan napisze", "no",
    "put down"), gives the count; figures of the parts or the variants said before are no
    count."""
    leads = sorted((str(w).lower() for w in labels(lang).get("quantity_leads") or []), key=len)
    clauses = [c.strip() for c in re.split(r"[,;:.!?…]+", text) if c.strip()]
    numbered = [c for c in clauses if parse_quantity(c, lang) is not None]
    if not leads or len(numbered) < 2:
        return None
    last = numbered[-1]
    # "..., well, around eighty": the lead may be a clause of its own just before
    at = len(clauses) - 1 - clauses[::-1].index(last)
    if at > 0 and clauses[at - 1].lower() in leads:
        return parse_quantity(last, lang)
    for lead in reversed(leads):
        match = re.match(rf"{re.escape(lead)}(?![^\W_])", last, re.I)
        if match:
            return parse_quantity(last[match.end() :], lang)
    return None


def _summed_up(text: str, lang: str):  # type: ignore[no-untyped-def]
    """ "Osiem tysięcy książek, tysiąc płyt, czyli razem dziewięć tysięcy", "two hundred mugs
    and fifty teapots, so two hundred fifty altogether": the figure said right after (or, in
    its clause, before) the last word for a total (`numbers.totals` of the language)."""
    totals = sorted((str(t) for t in language(lang).raw["numbers"].get("totals") or []), key=len)
    if not totals:
        return None
    found = list(
        re.finditer(r"\b(?:" + "|".join(map(re.escape, reversed(totals))) + r")\b", text, re.I)
    )
    if not found:
        return None
    clause_start = max(
        (m.end() for m in re.finditer(r"[,;:.!?]", text[: found[-1].start()])), default=0
    )
    return parse_quantity(text[found[-1].end() :], lang) or parse_quantity(
        text[clause_start : found[-1].start()], lang
    )


def _store_names(tracker: Tracker) -> tuple[str, ...]:
    return tuple(str(n) for n in (tracker.get_slot("store_name"),) if n)


def _revised_yes_no(text: str, lang: str) -> bool | None:
    """The yes or no said after a self-correction, when something else came before it (a
    leading "No, ..." is the answer itself, not a correction)."""
    after = after_correction(text, lang)
    if after is None:
        return None
    first_clause = re.split(r"[,.;:!?…]", text.strip(), maxsplit=1)[0]
    if not first_clause.strip() or parse_yes_no(first_clause, lang) is not None:
        return None
    return parse_yes_no(after, lang)


def _settled_yes_no(text: str, lang: str) -> bool | None:
    """ "Z Allegro tak, z Vinted to nie wiem. Ale tak, przenieśmy.": after a hesitation (a
    yes and a no, or neither, in the sentences before), a last sentence begun with a
    settling word (`yes_no.settling_leads`: "ale", "czyli", "but") holding a yes or a no is
    the answer. "Tak. Ale nie wszystko." stays a yes."""
    sentences = [s for s in re.split(r"(?<=[.!?…])\s+", text.strip()) if s.strip()]
    if len(sentences) < 2:
        return None
    clauses = re.split(r"[,.;:!?…]", " ".join(sentences[:-1]))
    if len({parse_yes_no(c, lang) for c in clauses} - {None}) == 1:
        return None  # a plain yes or no before it: "Tak. Ale nie wszystko." is a yes
    leads = language(lang).raw.get("yes_no", {}).get("settling_leads") or []
    last = sentences[-1].lower()
    for lead in sorted((str(w) for w in leads), key=len, reverse=True):
        if re.match(rf"{re.escape(lead)}\b[\s,]*", last):
            return parse_yes_no(last[len(lead) :], lang)
    return None


def _is_iso_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _name_of(slot: str) -> Callable[[str, str], NameTake]:
    return take_person_name if slot == "contact_name" else take_name


class ValidateOpeningForm(FormValidationAction):
    """Is now a good time? Answered with a yes or a no in any words."""

    def name(self) -> str:
        return "validate_opening_form"

    def extract_good_time(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "good_time":
            return {}
        intent = latest_intent(tracker)
        # "Halo?" is not a yes: a greeting is answered by action_handle_greeting
        if intent == "affirm":
            return {"good_time": True}
        if intent == "deny":
            return {"good_time": False}
        if _not_an_answer(tracker):
            return {}
        text, lang = latest_text(tracker), lang_of(tracker)
        answer = parse_yes_no(text, lang)
        # "Ja tylko na chwilę, mów pani." (a greeting with a go-ahead, "Halo, słucham", may
        # be a phone just picked up: action_handle_greeting answers it)
        if answer is None and intent != "greet" and says_go_ahead(text, lang):
            answer = True
        return {"good_time": answer} if answer is not None else {}


class ValidateCallbackForm(FormValidationAction):
    """When to call back: a date and time resolved in the merchant's time zone."""

    def name(self) -> str:
        return "validate_callback_form"

    def extract_callback_time(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "callback_time":
            return {}
        found = callback_time_from(tracker)
        if not found and _now_after_all(tracker):
            return {"callback_time": NOW_AFTER_ALL}
        return found

    def validate_callback_time(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"callback_time": value}


def _now_after_all(tracker: Tracker) -> bool:
    """ "A dobra, teraz też mogę. Mów pan.": asked when to call back, the merchant has the
    time now after all (a yes or a go-ahead, with "now" or "after all" in it)."""
    text, lang = latest_text(tracker), lang_of(tracker)
    if not (parse_yes_no(text, lang) or says_go_ahead(text, lang)):
        return False
    return says_phrase(text, lang, "now_after_all")


def callback_time_from(tracker: Tracker) -> dict[str, Any]:
    """The callback moment said in the latest message; a day with no hour means 10:00."""
    when = parse_datetime(
        latest_text(tracker), lang_of(tracker), now_of(tracker), timezone_of(tracker)
    )
    if when is None:
        return {}
    moment = when.value if when.has_time else when.value.replace(hour=10, minute=0)
    return {"callback_time": moment.isoformat()}
