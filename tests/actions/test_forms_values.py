"""Values the onboarding form takes out of an answer (voicebot/actions/forms.py)."""

import pytest

from voicebot.actions.forms import _revised_yes_no


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
