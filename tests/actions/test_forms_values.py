"""Values the onboarding form takes out of an answer (voicebot/actions/forms.py)."""

import pytest

from voicebot.actions.forms import _revised_yes_no, _settled_yes_no


@pytest.mark.parametrize(
    ("text", "lang", "answer"),
    [
        ("Only the mugs... no, yeah, bring everything over.", "en", True),
        ("Just the new ones... no, actually, we don't need that.", "en", False),
        ("Tylko część... nie, dobra, przenieście wszystko.", "pl", True),
        # a leading "no" is the answer, not a correction: the NLU decides
        ("No, that's fine.", "en", None),
        ("Nie, dziękuję.", "pl", None),
        ("Yes please.", "en", None),
    ],
)
def test_the_yes_or_no_after_a_self_correction_is_the_answer(
    text: str, lang: str, answer: bool | None
) -> None:
    assert _revised_yes_no(text, lang) is answer


def test_names_picked_out_and_lists_of_everything_reach_staff_flagged_with_the_words() -> None:
    from pathlib import Path

    from voicebot.actions.store_config import store_config_from_tracker
    from voicebot.dialog import Agent

    agent = Agent.load(Path(__file__).resolve().parents[2])
    conv = agent.new_conversation(
        "vals", language="pl", slots={"call_started_at": "2026-11-23T09:30:00+01:00"}
    )
    conv.start()
    texts = [
        "Tak.",
        "Ola, przepraszam, dzwonek do drzwi. Aleksandra Nowak.",  # picked out: a guess
        "Sklep nazwiemy Złota Nić.",  # a carrier phrase: sure
        "Pasmanteria: nici, guziki, włóczki.",
        "Czterysta.",
        "Tylko Allegro.",
        "Tak.",
        "Nie.",
        "Wszystko poza PayPalem.",  # every value but one: a guess
        "Kurier.",
    ]
    for index, text in enumerate(texts):
        conv.handle(text, confidence=0.9, metadata={"turn_index": index})
    fields = store_config_from_tracker(conv.tracker.to_json()).fields
    assert fields["contact_name"].value == "Aleksandra Nowak"
    assert fields["contact_name"].flagged and fields["contact_name"].heard == texts[1]
    assert fields["store_name"].value == "Złota Nić" and not fields["store_name"].flagged
    assert fields["industry"].value == "arts_entertainment"
    assert fields["payment_methods"].value == ["bank_transfer", "blik", "card", "cash_on_delivery"]
    assert fields["payment_methods"].flagged


@pytest.mark.parametrize(
    ("text", "lang", "answer"),
    [
        ("Z tego sklepu tak, z tamtego to nie wiem. Ale tak, przenieście.", "pl", True),
        ("Hmm, trudno powiedzieć. Czyli raczej nie.", "pl", False),
        ("Some yes, some I'm not sure. But yes, bring them over.", "en", True),
        # a plain yes before a "but" stays the yes: the NLU and the parser decide
        ("Tak. Ale nie wszystko.", "pl", None),
        ("Tak.", "pl", None),
    ],
)
def test_a_last_sentence_settling_a_hesitation_is_the_answer(
    text: str, lang: str, answer: bool | None
) -> None:
    assert _settled_yes_no(text, lang) is answer
