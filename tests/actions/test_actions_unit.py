"""Custom actions run directly with rasa-sdk (Tracker + CollectingDispatcher), without the
dialog engine: the onboarding form's extraction and validation on spoken words, and a few
conversation actions."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from voicebot.actions.conversation import (
    ActionOptOut,
    ActionRequestCallback,
    ActionRequestHuman,
    ActionSkipField,
    _products_count,
)
from voicebot.actions.forms import MAX_INVALID, ValidateOnboardingForm

ROOT = Path(__file__).resolve().parents[2]
NOW = "2025-03-03T10:00:00+01:00"  # a Monday; pins relative dates


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "dialogs" / "domain.yml").read_text(encoding="utf-8"))


def tracker(
    text: str,
    *,
    requested: str | None = None,
    language: str = "pl",
    intent: str = "inform",
    loop: str | None = "onboarding_form",
    **slots: Any,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
        "metadata": {"now": NOW},
    }
    return Tracker(
        sender_id="unit",
        slots={"language": language, "requested_slot": requested, **slots},
        latest_message=message,
        events=[{"event": "user", "text": text, "parse_data": message}],
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, tracker: Tracker, domain: dict[str, Any]) -> tuple[dict, list[str]]:
    """The action's slot events as a dict (last value wins) and the responses it uttered."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return slots, [m.get("response") for m in dispatcher.messages]


def run_form(text: str, requested: str, domain: dict[str, Any], **kwargs: Any):
    return run(ValidateOnboardingForm(), tracker(text, requested=requested, **kwargs), domain)


# -- tax id (Polish NIP: 526-025-02-74 has a valid checksum)


def test_valid_nip_read_digit_by_digit_is_accepted(domain: dict[str, Any]) -> None:
    slots, said = run_form("pięć dwa sześć zero dwa pięć zero dwa siedem cztery", "tax_id", domain)
    assert slots["tax_id"] == "5260250274"
    assert slots["tax_id_spoken"].replace(",", "").split() == (
        ["pięć", "dwa", "sześć", "zero", "dwa", "pięć", "zero", "dwa", "siedem", "cztery"]
    )
    assert slots["invalid_count"] == 0
    assert said == []


def test_nip_with_a_bad_checksum_is_rejected_and_asked_again(domain: dict[str, Any]) -> None:
    slots, said = run_form("pięć dwa sześć zero dwa pięć zero dwa siedem pięć", "tax_id", domain)
    assert slots["tax_id"] is None  # the form will ask for it again
    assert slots["invalid_count"] == 1
    assert said == ["utter_invalid_tax_id_checksum"]


def test_repeatedly_bad_nip_is_skipped_and_flagged(domain: dict[str, Any]) -> None:
    slots, said = run_form(
        "pięć dwa sześć zero dwa pięć zero dwa siedem pięć",
        "tax_id",
        domain,
        invalid_count=MAX_INVALID - 1,
    )
    assert slots["tax_id"] is None
    assert slots["skipped_fields"] == ["tax_id"]
    assert slots["invalid_count"] == 0
    assert said == ["utter_skip_gave_up"]


@pytest.mark.parametrize(
    "text",
    [
        "pięć dwa sześć zero, przepraszam, od początku: pięć dwa sześć zero dwa pięć zero dwa "
        "siedem cztery",
        "pięć dwa siedem, od nowa, pięć dwa sześć, zero dwa pięć, zero dwa, siedem cztery",
    ],
)
def test_a_nip_started_over_is_the_one_said_again(text: str, domain: dict[str, Any]) -> None:
    slots, said = run_form(text, "tax_id", domain)
    assert slots["tax_id"] == "5260250274" and said == []


def test_tax_id_is_not_taken_from_an_answer_to_another_question(domain: dict[str, Any]) -> None:
    slots, _ = run_form("pięć dwa sześć zero dwa pięć zero dwa siedem cztery", "store_name", domain)
    assert slots.get("tax_id") is None


def test_tax_id_is_not_taken_from_a_control_intent(domain: dict[str, Any]) -> None:
    slots, _ = run_form(
        "chwileczkę pięć dwa sześć", "tax_id", domain, intent="wait"
    )  # "hold on" with digits in it is not an answer
    assert "tax_id" not in slots


# -- e-mail from spoken words


@pytest.mark.parametrize(
    ("spoken", "language", "address"),
    [
        ("jan kropka kowalski małpa gmail kropka com", "pl", "jan.kowalski@gmail.com"),
        ("john underscore smith at outlook dot co dot uk", "en", "john_smith@outlook.co.uk"),
        ("sales dash team at urban threads dot com", "en", "sales-team@urbanthreads.com"),
    ],
)
def test_email_is_assembled_from_spoken_words(
    spoken: str, language: str, address: str, domain: dict[str, Any]
) -> None:
    slots, said = run_form(spoken, "contact_email", domain, language=language)
    assert slots["contact_email"] == address
    assert slots["contact_email_spoken"]  # read back for confirmation
    assert said == []


def test_words_that_are_no_email_set_nothing(domain: dict[str, Any]) -> None:
    slots, _ = run_form("nie mam pojęcia", "contact_email", domain)
    assert slots.get("contact_email") is None


# -- product counts: exact, approximate, ranges


@pytest.mark.parametrize(
    ("spoken", "language", "count", "count_range", "approximate"),
    [
        ("trzysta", "pl", 300, None, False),
        ("około pięćset", "pl", 500, None, True),
        ("między sto a dwieście", "pl", 150, [100, 200], True),
        ("between one hundred and two hundred", "en", 150, [100, 200], True),
        ("fifteen hundred", "en", 1500, None, False),
        ("półtora tysiąca", "pl", 1500, None, False),
    ],
)
def test_product_count_exact_approximate_and_ranges(
    spoken: str,
    language: str,
    count: int,
    count_range: list[int] | None,
    approximate: bool,
    domain: dict[str, Any],
) -> None:
    slots, _ = run_form(spoken, "product_count", domain, language=language)
    assert slots["product_count"] == count
    assert slots["product_count_range"] == count_range
    assert slots["product_count_approximate"] is approximate


@pytest.mark.parametrize(
    ("spoken", "language"), [("two and a half thousand", "en"), ("dwa i pół tysiąca", "pl")]
)
def test_product_count_with_a_half(spoken: str, language: str, domain: dict[str, Any]) -> None:
    slots, _ = run_form(spoken, "product_count", domain, language=language)
    assert slots["product_count"] == 2500


# -- conversation actions


def test_opt_out_ends_the_call_and_marks_it(domain: dict[str, Any]) -> None:
    slots, said = run(ActionOptOut(), tracker("nie dzwońcie więcej", intent="opt_out"), domain)
    assert slots["opted_out"] is True
    assert slots["call_outcome"] == "opted_out"
    assert said == ["utter_opt_out"]


def test_request_human_ends_the_call_with_a_consultant_callback(domain: dict[str, Any]) -> None:
    slots, said = run(
        ActionRequestHuman(),
        tracker("chcę rozmawiać z człowiekiem", intent="request_human"),
        domain,
    )
    assert slots["human_requested"] is True
    assert slots["call_outcome"] == "human_requested"
    assert said == ["utter_human_callback"]


def test_skip_flags_the_requested_field_once(domain: dict[str, Any]) -> None:
    state = tracker("nie wiem", requested="tax_id", intent="dont_know", skipped_fields=["domain"])
    slots, said = run(ActionSkipField(), state, domain)
    assert slots["skipped_fields"] == ["domain", "tax_id"]
    assert said == ["utter_skip_ack"]
    again = tracker("pomiń", requested="tax_id", intent="dont_know", skipped_fields=["tax_id"])
    assert run(ActionSkipField(), again, domain)[0]["skipped_fields"] == ["tax_id"]


def test_callback_request_with_a_time_is_scheduled_at_once(domain: dict[str, Any]) -> None:
    state = tracker("call me tomorrow at ten", language="en", intent="request_callback", loop=None)
    slots, said = run(ActionRequestCallback(), state, domain)
    assert slots["callback_time"].startswith("2025-03-04T10:00")
    assert slots["call_outcome"] == "callback_requested"
    assert said == ["utter_callback_confirmed"]
    assert slots["requested_slot"] is None  # the form is left: the call ends


def test_callback_request_without_a_time_asks_for_one(domain: dict[str, Any]) -> None:
    state = tracker("call me later", language="en", intent="request_callback", loop=None)
    events = asyncio.run(ActionRequestCallback().run(CollectingDispatcher(), state, domain))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert "callback_time" not in slots and "call_outcome" not in slots
    assert slots["good_time"] is False
    assert {"event": "followup", "name": "callback_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]


@pytest.mark.parametrize(
    ("spoken", "language", "count"),
    [
        ("Sukienek jakieś trzysta, bluzek dwieście, czyli razem pięćset.", "pl", 500),
        ("Pięćdziesiąt herbat, a z dodatkami to wyjdzie ze siedemdziesiąt.", "pl", 70),
        ("Dwieście książek i sto gier, w sumie trzysta.", "pl", 300),
        ("Two hundred mugs and fifty teapots, so two hundred fifty altogether.", "en", 250),
        ("Around sixty, in total.", "en", 60),
    ],
)
def test_a_figure_summed_up_after_its_parts_is_the_product_count(
    spoken: str, language: str, count: int, domain: dict[str, Any]
) -> None:
    slots, _ = run_form(spoken, "product_count", domain, language=language)
    assert slots["product_count"] == count


@pytest.mark.parametrize(
    ("lang", "count", "said"),
    [
        ("en", 1, "one product"),
        ("en", 21, "twenty one products"),
        ("pl", 1, "jeden produkt"),
        ("pl", 22, "dwadzieścia dwa produkty"),
        ("pl", 12, "dwanaście produktów"),
        ("pl", 21, "dwadzieścia jeden produktów"),
        ("cs", 1, "jeden produkt"),
        ("cs", 3, "tři produkty"),
        ("sl", 2, "dva izdelka"),
        ("sl", 101, "sto en izdelek"),
        ("ru", 21, "двадцать один товар"),
        ("ru", 5, "пять товаров"),
    ],
)
def test_the_summary_says_a_count_with_the_products_word_in_agreement(
    lang: str, count: int, said: str
) -> None:
    assert _products_count(count, lang) == said
