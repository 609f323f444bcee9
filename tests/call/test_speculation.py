"""Speculative replies on the real dialog and the real synthesiser: prepared on a copy of the
conversation, used when the final words agree, thrown away otherwise, and never a change to
the call's own tracker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from voicebot.call.call_record import tracker_json
from voicebot.call.speculation import Speculator, same_answer
from voicebot.config import Settings
from voicebot.dialog import Agent
from voicebot.speech.tts import Synthesizer


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Yes.", "yes", True),
        ("Card and PayPal.", "card and paypal", True),
        ("yes", "yes please", False),
        ("", "", False),
    ],
)
def test_same_answer_ignores_case_and_punctuation(a: str, b: str, same: bool) -> None:
    assert same_answer(a, b) is same


def test_a_speculation_is_used_or_thrown_away_and_never_changes_the_call(
    settings: Settings,
) -> None:
    agent = Agent.from_settings(settings.dialog)
    synthesizer = Synthesizer(settings.tts)
    conversation = agent.new_conversation(
        "spec-1", language="en", slots={"contact_name": "Alex Morgan"}
    )
    conversation.start()
    with ThreadPoolExecutor(1) as pool:
        speculator = Speculator(agent, synthesizer, pool)

        before = tracker_json(conversation.tracker)
        speculator.consider("Sure, go ahead.", tracker=before, language="en", metadata={})
        speculator.consider("Sure, go ahead", tracker=before, language="en", metadata={})
        assert speculator.stats.started == 1  # the same words again: still the one in flight
        speculator._pending.future.result(timeout=120)  # type: ignore[union-attr]
        assert tracker_json(conversation.tracker) == before  # the copy ran, not the call

        turn = conversation.handle("sure go ahead", confidence=0.9, alternatives=[])
        reply = [m.text for m in turn.messages if m.text]
        assert reply
        assert speculator.outcome("sure go ahead", reply) == "used"
        assert all(synthesizer.is_cached(text, "en") for text in reply)

        after = tracker_json(conversation.tracker)
        speculator.consider("Electronics.", tracker=after, language="en", metadata={})
        # the merchant went on: the final words differ, the prepared reply is thrown away
        assert speculator.outcome("electronics and fashion", ["Thanks."]) == "discarded"
        speculator.consider("Electronics.", tracker=after, language="en", metadata={})
        speculator.drop()  # keys pressed instead
        assert speculator.outcome("electronics", ["Thanks."]) == "none"
        assert tracker_json(conversation.tracker) == after
    assert (speculator.stats.started, speculator.stats.used, speculator.stats.discarded) == (
        3,
        1,
        2,
    )
    synthesizer.close()
