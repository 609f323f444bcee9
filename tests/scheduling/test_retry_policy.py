"""The retry policy: what each outcome means for the next call."""

from __future__ import annotations

from datetime import timedelta

from dialer.helpers import WARSAW, local

from voicebot.config import Settings
from voicebot.crm.models import CallOutcome, MerchantStatus
from voicebot.scheduling.retry_policy import decide_next_step

TUESDAY_NOON = local(WARSAW, 2026, 6, 16, 12, 0)


def decide(settings: Settings, outcome: CallOutcome, attempts: int, **kw):
    return decide_next_step(
        outcome,
        attempts=attempts,
        now=kw.pop("now", TUESDAY_NOON),
        timezone=WARSAW,
        country="PL",
        settings=settings,
        **kw,
    )


def test_busy_backs_off_by_attempt_then_gives_up(settings: Settings) -> None:
    delays = [
        decide(settings, CallOutcome.BUSY, n).next_call_at - TUESDAY_NOON for n in (1, 2, 3, 4)
    ]
    assert delays == [timedelta(minutes=m) for m in (15, 30, 60, 60)]  # the last delay repeats
    last = decide(settings, CallOutcome.BUSY, 6)
    assert last.status is MerchantStatus.UNREACHABLE and last.next_call_at is None
    assert "limit 6" in last.reason


def test_each_outcome_follows_its_own_rule(settings: Settings) -> None:
    expected = {
        CallOutcome.NO_ANSWER: 60,
        CallOutcome.FAILED: 30,
        CallOutcome.VOICEMAIL: 240,
        CallOutcome.HUNG_UP: 120,
        CallOutcome.SILENCE: 120,  # follows hung_up
        CallOutcome.ERROR: 30,  # follows failed
    }
    for outcome, minutes in expected.items():
        step = decide(settings, outcome, 1, now=local(WARSAW, 2026, 6, 16, 10, 0))
        assert step.status is MerchantStatus.SCHEDULED, outcome
        assert step.next_call_at == local(WARSAW, 2026, 6, 16, 10, 0) + timedelta(minutes=minutes)


def test_partial_configuration_is_retried_the_next_day_within_hours(settings: Settings) -> None:
    step = decide(settings, CallOutcome.PARTIAL, 1, now=local(WARSAW, 2026, 6, 19, 18, 30))
    # Friday 18:30 + 24 h is Saturday 18:30, after Saturday's 14:00 close: Monday 9:00.
    assert step.next_call_at == local(WARSAW, 2026, 6, 22, 9)
    assert step.status is MerchantStatus.SCHEDULED


def test_retry_delay_landing_after_hours_moves_to_the_next_window(settings: Settings) -> None:
    step = decide(settings, CallOutcome.VOICEMAIL, 1, now=local(WARSAW, 2026, 6, 16, 17, 0))
    assert step.next_call_at == local(WARSAW, 2026, 6, 17, 9)


def test_final_outcomes_stop_the_calls(settings: Settings) -> None:
    for outcome, status in [
        (CallOutcome.COMPLETED, MerchantStatus.ONBOARDED),
        (CallOutcome.OPTED_OUT, MerchantStatus.OPTED_OUT),
        (CallOutcome.HUMAN_REQUESTED, MerchantStatus.NEEDS_HUMAN),
    ]:
        step = decide(settings, outcome, 1)
        assert (step.status, step.next_call_at) == (status, None)


def test_callback_at_the_asked_time_or_the_next_allowed_moment(settings: Settings) -> None:
    asked = local(WARSAW, 2026, 6, 17, 15, 30)
    step = decide(settings, CallOutcome.CALLBACK_REQUESTED, 1, callback_at=asked)
    assert (step.status, step.next_call_at) == (MerchantStatus.CALLBACK, asked)
    assert "moved" not in step.reason

    sunday = local(WARSAW, 2026, 6, 21, 11, 0)
    moved = decide(settings, CallOutcome.CALLBACK_REQUESTED, 1, callback_at=sunday)
    assert moved.next_call_at == local(WARSAW, 2026, 6, 22, 9)
    assert "moved into calling hours" in moved.reason

    unspecified = decide(settings, CallOutcome.CALLBACK_REQUESTED, 1)
    assert unspecified.next_call_at == TUESDAY_NOON + timedelta(minutes=120)


def test_callbacks_do_not_escape_the_per_merchant_cap(settings: Settings) -> None:
    step = decide(settings, CallOutcome.CALLBACK_REQUESTED, settings.dialer.max_calls_per_merchant)
    assert step.status is MerchantStatus.UNREACHABLE


def test_configured_rules_replace_the_defaults(settings: Settings) -> None:
    tuned = settings.model_copy(
        update={
            "dialer": settings.dialer.model_validate(
                {
                    **settings.dialer.model_dump(),
                    "retry": {"busy": {"delays_minutes": [5], "max_attempts": 2}},
                }
            )
        }
    )
    assert decide(tuned, CallOutcome.BUSY, 1).next_call_at == TUESDAY_NOON + timedelta(minutes=5)
    assert decide(tuned, CallOutcome.BUSY, 2).status is MerchantStatus.UNREACHABLE
    # Outcomes the config did not mention keep their defaults.
    assert decide(tuned, CallOutcome.NO_ANSWER, 1).next_call_at == TUESDAY_NOON + timedelta(hours=1)
