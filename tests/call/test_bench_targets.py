"""bench/calls.py judges a run against the issue's targets from the figures it measured, and
sums the sessions' speculation counts (call.media) per kind of answer."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from voicebot.simulator.runner import SimulationResult
from voicebot.simulator.twilio_standin import LineEvents

BENCH = Path(__file__).resolve().parents[2] / "bench" / "calls.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_calls", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_calls"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def result(
    processing: list[int],
    line: list[float],
    by_slot: list[tuple[str | None, float]],
    speculation: dict[str, Any] | None = None,
) -> SimulationResult:
    media = {"processing_ms": processing, "speculation": speculation or {}}
    return SimulationResult(
        scenario="bench_en",
        call_id=1,
        call_sid="CA1",
        outcome="completed",
        status="completed",
        turns=[],
        heard=[],
        config={},
        recording_path=None,
        latencies_ms=[],
        voice_to_voice_ms=line,
        line=LineEvents(),
        wall_s=1.0,
        events=[{"kind": "call.media", "data": media}],
        processing_ms=processing,
        voice_to_voice_by_slot=by_slot,
    )


def run(bench: ModuleType, calls: int, results: list[SimulationResult]) -> Any:
    return bench.Run(calls, None, results, [], 10.0, 1.0, 0.0, 0.0, 100.0, 120.0)


def test_vosk_targets_pass_and_fail_on_the_measured_figures(bench: ModuleType) -> None:
    fast = result([40, 60, 80, 90], [500.0, 550.0], [("good_time", 500.0), ("tax_id", 900.0)])
    verdicts = {t.name: t for t in bench.targets(run(bench, 10, [fast]), "vosk")}
    processing, yes_no = verdicts.values()
    assert processing.verdict == "PASS" and processing.measured_ms == pytest.approx(88.5)
    assert yes_no.verdict == "PASS" and yes_no.measured_ms == 500.0  # the tax id is not yes/no

    slow = result([40, 60, 300], [700.0], [("tax_id_confirmed", 700.0), ("good_time", 650.0)])
    processing, yes_no = bench.targets(run(bench, 12, [slow]), "vosk")
    assert processing.verdict == "FAIL" and yes_no.verdict == "FAIL"
    assert "FAIL" in processing.line(12)

    # fewer calls than the target is set at: reported, not judged
    processing, yes_no = bench.targets(run(bench, 4, [fast]), "vosk")
    assert processing.verdict == yes_no.verdict == "n/a"
    assert "measured at 4 calls" in processing.line(4)


def test_the_whisper_target_is_voice_to_voice_at_two_calls(bench: ModuleType) -> None:
    calls = [result([100], [1200.0, 1400.0], []), result([100], [1300.0, 2600.0], [])]
    (target,) = bench.targets(run(bench, 2, calls), "whisper")
    assert target.measured_ms == pytest.approx(1350.0) and target.verdict == "PASS"
    (target,) = bench.targets(run(bench, 2, [result([100], [1600.0, 1700.0], [])]), "whisper")
    assert target.verdict == "FAIL"
    (target,) = bench.targets(run(bench, 2, [result([100], [], [])]), "whisper")
    assert target.verdict == "n/a"  # nothing measured


def test_speculation_counts_are_summed_per_kind(bench: ModuleType) -> None:
    one = {
        "started": 3,
        "used": 1,
        "discarded": 2,
        "by_kind": {
            "yes_no": {"started": 2, "used": 1, "discarded": 1},
            "tax_id": {"started": 1, "used": 0, "discarded": 1},
        },
    }
    two = {
        "started": 1,
        "used": 1,
        "discarded": 0,
        "by_kind": {"yes_no": {"started": 1, "used": 1, "discarded": 0}},
    }
    counts = bench.speculation_counts([result([], [], [], one), result([], [], [], two)])
    assert counts["all"] == {"started": 4, "used": 2, "discarded": 2}
    assert counts["yes_no"] == {"started": 3, "used": 2, "discarded": 1}
    assert counts["tax_id"] == {"started": 1, "used": 0, "discarded": 1}
