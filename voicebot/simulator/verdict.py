"""Did a simulated call do what its scenario expects? A plain-words verdict for the person
who ran it, and the exit status for scripts and CI.

A call passes when it ended with the scenario's expected outcome (``completed`` unless the
scenario says otherwise) and, for a completed call, with a complete store configuration.
Values that came out differently from the scenario's ``expect.fields`` are reported, not
failed: speech recognition of synthetic voices mishears some, and staff review is there
for exactly that."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voicebot.simulator.runner import SimulationResult
from voicebot.simulator.scenario import Scenario

COMPLETE_STATUSES = {"complete", "approved"}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    summary: str
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = "PASSED" if self.passed else "FAILED"
        return [f"{head}: {self.summary}", *(f"  {line}" for line in self.details)]


def _as_set(value: Any) -> set[str]:
    items = value if isinstance(value, list) else [value]
    return {str(item).strip().lower() for item in items}


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, list) or isinstance(got, list):
        return _as_set(expected) == _as_set(got)
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        try:
            return float(got) == float(expected)
        except (TypeError, ValueError):
            return False
    return str(expected).strip().lower() == str(got).strip().lower()


def value_differences(expected: dict[str, Any], fields: dict[str, Any]) -> list[str]:
    """One line per expected field that is missing or holds another value."""
    lines = []
    for name, want in expected.items():
        info = fields.get(name)
        if info is None:
            lines.append(f"{name}: expected {want!r}, not collected")
        elif not _same(want, info.get("value")):
            lines.append(f"{name}: expected {want!r}, heard {info.get('value')!r}")
    return lines


def judge(result: SimulationResult, scenario: Scenario) -> Verdict:
    expected_outcome = str(scenario.expect.get("outcome") or "completed")
    fields: dict[str, Any] = result.config.get("fields") or {}
    status = str(result.config.get("status") or "none")
    differences = value_differences(dict(scenario.expect.get("fields") or {}), fields)
    if result.session_error:
        return Verdict(False, f"the call broke off with an error: {result.session_error}")
    if result.outcome != expected_outcome:
        return Verdict(
            False,
            f"the call ended as {result.outcome or 'nothing'!r}, expected {expected_outcome!r} "
            f"(call status {result.status}, configuration {status}, {len(fields)} fields)",
            differences,
        )
    if expected_outcome == "completed" and status not in COMPLETE_STATUSES:
        return Verdict(
            False,
            f"the call completed but the store configuration is {status} "
            f"({len(fields)} fields collected: {', '.join(sorted(fields)) or 'none'})",
            differences,
        )
    summary = f"the call ended as {expected_outcome!r}"
    if expected_outcome == "completed":
        summary += f" with a complete store configuration ({len(fields)} fields)"
    if differences:
        right = len(scenario.expect.get("fields") or {}) - len(differences)
        summary += (
            f"; {right} of {len(scenario.expect.get('fields') or {})} expected values "
            "heard as scripted, the others are left for staff review"
        )
    return Verdict(True, summary, differences)
