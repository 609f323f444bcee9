"""Scenario files: every shipped one loads; replies are picked by words, then by slot."""

from __future__ import annotations

import pytest

from voicebot.simulator.scenario import ScenarioError, list_scenarios, load_scenario
from voicebot.spoken_languages import supported_languages

SHIPPED = {
    "happy_pl",
    "recovery_pl",
    "happy_en",
    "callback",
    "opt_out",
    "corrections",
    "barge_in",
    "long_silence",
    "voicemail",
    "repeat_twice_en",
}


def test_every_required_scenario_is_shipped_and_loads() -> None:
    assert set(list_scenarios()) >= SHIPPED
    for name in list_scenarios():
        scenario = load_scenario(name)
        assert scenario.language in supported_languages()
        assert scenario.merchant["phone"] and scenario.merchant["external_id"]


def test_replies_match_heard_words_first_then_the_requested_slot() -> None:
    scenario = load_scenario("happy_en")
    assert (
        scenario.pick("What will your store be called?", None).say == "It's called Gadget Corner."
    )
    # Recognition mangled the words; the requested slot still leads to the right answer.
    assert scenario.pick("Where do you help a day?", "sales_channels").say == "Mostly on eBay."
    tax_id = scenario.pick("Please tell me your tax number.", None)
    assert tax_id.say and "seven eight nine" in tax_id.say and tax_id.dtmf is None
    assert scenario.pick("mumble", None) is scenario.fallback


def test_limited_replies_are_used_up() -> None:
    scenario = load_scenario("corrections")
    first = scenario.pick("how many products", None)
    assert first.say == "About 500 products."
    assert scenario.pick("how many products", None) is not first


def test_bad_scenarios_are_refused_with_the_reason(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="no scenario 'nope'"):
        load_scenario("nope")
    path = tmp_path / "bad.yml"
    path.write_text("language: en\nmerchant: {phone: '+1'}\nreplies:\n  - {say: hi, dtmf: '1'}\n")
    with pytest.raises(ScenarioError, match="exactly one of say, dtmf, silence, hang_up"):
        load_scenario(path)
    path.write_text("language: en\n")
    with pytest.raises(ScenarioError, match="'merchant' is missing"):
        load_scenario(path)
    # a key in the wrong place would be ignored: the call would run otherwise than written
    path.write_text("language: en\nmerchant: {phone: '+1'}\nhear: slot\n")
    with pytest.raises(ScenarioError, match="unknown key hear"):
        load_scenario(path)
    path.write_text("language: en\nmerchant: {phone: '+1'}\npersona: {hera: slot}\n")
    with pytest.raises(ScenarioError, match=r"unknown key persona\.hera"):
        load_scenario(path)
