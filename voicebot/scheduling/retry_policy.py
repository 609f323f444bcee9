"""What a call's outcome means for the merchant's next call: a pure decision, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from voicebot.scheduling.calling_hours import next_allowed_time
from voicebot.scheduling.states import CallOutcome, CallStatus, MerchantStatus

if TYPE_CHECKING:
    from voicebot.config import Settings

# Outcomes after which the bot never calls again on its own.
FINAL_STATUS = {
    CallOutcome.COMPLETED: MerchantStatus.ONBOARDED,
    CallOutcome.OPTED_OUT: MerchantStatus.OPTED_OUT,
    CallOutcome.HUMAN_REQUESTED: MerchantStatus.NEEDS_HUMAN,
}

# A call that ended without the dialog naming an outcome (never answered, or the line
# dropped) is judged by its telephony status.
OUTCOME_FROM_STATUS = {
    CallStatus.BUSY: CallOutcome.BUSY,
    CallStatus.NO_ANSWER: CallOutcome.NO_ANSWER,
    CallStatus.FAILED: CallOutcome.FAILED,
    CallStatus.CANCELED: CallOutcome.FAILED,
    CallStatus.COMPLETED: CallOutcome.HUNG_UP,
}


@dataclass(frozen=True)
class NextStep:
    """The merchant's new status and next call time (None: no further call), and why."""

    status: MerchantStatus
    next_call_at: datetime | None
    reason: str


def retry_rule_name(outcome: CallOutcome, settings: Settings) -> str | None:
    """The retry rule an outcome follows, or None when it is not retried."""
    if outcome.value in settings.dialer.retry:
        return outcome.value
    return settings.dialer.retry_as.get(outcome.value)


def decide_next_step(
    outcome: CallOutcome,
    *,
    attempts: int,
    now: datetime,
    timezone: str | None,
    country: str | None,
    settings: Settings,
    callback_at: datetime | None = None,
) -> NextStep:
    """Decide after a call. ``attempts`` counts every call placed to the merchant so far,
    this one included; ``callback_at`` is the moment the merchant asked to be called."""
    if outcome in FINAL_STATUS:
        return NextStep(FINAL_STATUS[outcome], None, f"call outcome {outcome.value}")

    dialer = settings.dialer
    if attempts >= dialer.max_calls_per_merchant:
        return NextStep(
            MerchantStatus.UNREACHABLE,
            None,
            f"{attempts} calls placed, the limit is {dialer.max_calls_per_merchant}",
        )

    if outcome is CallOutcome.CALLBACK_REQUESTED:
        asked = callback_at or now + timedelta(minutes=dialer.callback_default_minutes)
        when = next_allowed_time(max(asked, now), timezone, country, settings)
        moved = " (moved into calling hours)" if when != asked else ""
        return NextStep(MerchantStatus.CALLBACK, when, f"callback requested{moved}")

    rule_name = retry_rule_name(outcome, settings)
    if rule_name is None:  # an outcome added later with no rule: leave it to a person
        return NextStep(MerchantStatus.NEEDS_HUMAN, None, f"no retry rule for {outcome.value}")
    rule = dialer.retry[rule_name]
    if attempts >= rule.max_attempts:
        return NextStep(
            MerchantStatus.UNREACHABLE,
            None,
            f"{outcome.value} after {attempts} calls (limit {rule.max_attempts} for {rule_name})",
        )
    delay = rule.delays_minutes[min(max(attempts, 1), len(rule.delays_minutes)) - 1]
    when = next_allowed_time(now + timedelta(minutes=delay), timezone, country, settings)
    return NextStep(MerchantStatus.SCHEDULED, when, f"retry after {outcome.value} (+{delay} min)")
