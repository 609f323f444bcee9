"""The plain-words verdict `voicebot simulate` (and so `scripts/demo` and CI) ends with."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from voicebot.simulator.runner import SimulationResult
from voicebot.simulator.scenario import load_scenario
from voicebot.simulator.twilio_standin import LineEvents
from voicebot.simulator.verdict import judge


def _field(value: Any) -> dict[str, Any]:
    return {"value": value, "confidence": 0.9, "source": "call", "confirmed": False}


def _result(outcome: str | None, status: str, fields: dict[str, Any]) -> SimulationResult:
    return SimulationResult(
        scenario="happy_en",
        call_id=1,
        call_sid="CA" + "0" * 32,
        outcome=outcome,
        status="completed",
        turns=[],
        heard=[],
        config={"status": status, "fields": {k: _field(v) for k, v in fields.items()}},
        recording_path=None,
        latencies_ms=[],
        voice_to_voice_ms=[],
        line=LineEvents(),
        wall_s=1.0,
    )


HAPPY = load_scenario("happy_en")
EXPECTED = dict(HAPPY.expect["fields"])


def test_completed_call_with_complete_configuration_passes() -> None:
    verdict = judge(_result("completed", "complete", EXPECTED), HAPPY)
    assert verdict.passed
    assert verdict.lines()[0].startswith("PASSED: the call ended as 'completed' with a complete")
    assert verdict.details == []


def test_misheard_values_are_reported_but_do_not_fail() -> None:
    heard = {**EXPECTED, "product_count": 1300}
    verdict = judge(_result("completed", "complete", heard), HAPPY)
    assert verdict.passed
    assert verdict.details == ["product_count: expected 1200, heard 1300"]
    assert f"{len(EXPECTED) - 1} of {len(EXPECTED)} expected values" in verdict.summary


def test_incomplete_configuration_fails_and_names_what_was_collected() -> None:
    verdict = judge(_result("completed", "draft", {"store_name": "Gadget Corner"}), HAPPY)
    assert not verdict.passed
    assert "store configuration is draft" in verdict.summary
    assert "store_name" in verdict.summary


def test_other_outcome_fails() -> None:
    verdict = judge(_result("not_understood", "draft", {}), HAPPY)
    assert not verdict.passed
    assert verdict.lines()[0] == (
        "FAILED: the call ended as 'not_understood', expected 'completed' "
        "(call status completed, configuration draft, 0 fields)"
    )


def test_session_error_fails_first() -> None:
    result = replace(_result("completed", "complete", EXPECTED), session_error="boom")
    verdict = judge(result, HAPPY)
    assert not verdict.passed
    assert verdict.summary == "the call broke off with an error: boom"


def test_scenario_expecting_another_outcome_passes_on_it() -> None:
    opt_out = load_scenario("opt_out")
    verdict = judge(_result(opt_out.expect.get("outcome"), "draft", {}), opt_out)
    assert verdict.passed, verdict.lines()
