"""End to end: the dialer claims a merchant and dials through the production Twilio placer
into the local Twilio stand-in; the bot's server answers the webhooks and the media
stream, and the call's end sets the merchant's next call through the retry policy."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.models import Call, CallOutcome, Event, Merchant, MerchantStatus
from voicebot.dialer.loop import Dialer, embedded_dispatch
from voicebot.dialer.placing import Placement
from voicebot.telephony.rest import TwilioCallPlacer

pytestmark = pytest.mark.slow


def always_open(settings: Settings) -> Settings:
    # The test runs at any hour; the hours themselves are tested on a fake clock.
    dialer = settings.dialer.model_copy(
        update={
            "calling_hours": {"default": {"mon-sun": ["00:00-24:00"]}},
            "skip_public_holidays": False,
        }
    )
    return settings.model_copy(update={"dialer": dialer})


def wait_until(predicate, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout_s} s")


def test_dialer_call_reaching_voicemail_is_retried_later(db: Database, settings: Settings) -> None:
    from voicebot.simulator.runner import Simulator
    from voicebot.simulator.scenario import load_scenario

    scenario = dataclasses.replace(
        load_scenario("small_en"), answered_by="machine_end_beep", amd_after_ms=300
    )
    with Simulator(always_open(settings), db, speed=4.0) as sim:
        with db.session() as s:
            data = normalise_merchant(
                {
                    **scenario.merchant,
                    "consent_source": "signup-checkbox",
                    "consent_at": "2026-06-01T10:02:00Z",
                    "consent_text": "I agree to an automated onboarding call",
                }
            )
            merchant_id = upsert_merchant(s, data, actor="test")[0].id
        sim.answer_other_calls_with(scenario)
        dispatch = embedded_dispatch(db, sim.settings, TwilioCallPlacer(sim.settings))
        report = Dialer(db, sim.settings, dispatch).tick()
        assert [c.merchant_id for c in report.claimed] == [merchant_id]
        assert [r.result for r in report.results] == [Placement.PLACED]
        sid = report.results[0].detail
        assert sid in sim.standin.calls
        assert sim.standin.calls[sid].done.wait(120)

        def scheduled() -> bool:
            with db.session() as s:
                return s.get(Merchant, merchant_id).status is not MerchantStatus.IN_PROGRESS

        wait_until(scheduled, 60)
    with db.session() as s:
        merchant = s.get(Merchant, merchant_id)
        call = s.scalars(select(Call).where(Call.merchant_id == merchant_id)).one()
        assert call.twilio_call_sid == sid and call.outcome is CallOutcome.VOICEMAIL
        assert merchant.status is MerchantStatus.SCHEDULED and merchant.attempts == 1
        expected = datetime.now(UTC) + timedelta(minutes=240)  # the voicemail rule's first delay
        assert abs((merchant.next_call_at - expected).total_seconds()) < 120
        events = s.scalars(select(Event).where(Event.merchant_id == merchant_id)).all()
        kinds = [e.kind for e in events]
        assert kinds.index("dialer.claimed") < kinds.index("dialer.placed")
        assert kinds.index("dialer.placed") < kinds.index("dialer.scheduled")
