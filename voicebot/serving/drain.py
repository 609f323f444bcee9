"""Draining a server for a restart: refuse new streams, let calls in progress finish within
the drain timeout, then end the rest politely with an outcome the dialer retries, soon
(``server.drain_retry_minutes``) rather than after the usual wait for an unfinished call:
the merchant was cut off by us, mid-conversation, and was told we would call back soon."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.events import record_event
from voicebot.crm.models import Call, CallOutcome, MerchantStatus
from voicebot.scheduling.calling_hours import next_allowed_time

log = logging.getLogger(__name__)
# The conversation stopped half way: the dialer calls back and the dialog resumes where the
# fields collected so far leave off.
DRAINED_OUTCOME = CallOutcome.PARTIAL


def drain(registry: Any, settings: Settings, *, poll_s: float = 0.2) -> int:
    """Block until no call is live; returns how many calls had to be ended politely."""
    registry.draining = True
    deadline = time.monotonic() + settings.server.drain_timeout_s
    live = registry.live()
    if live:
        log.info(
            "draining: %d call(s) in progress, waiting up to %.0f s",
            len(live),
            settings.server.drain_timeout_s,
        )
    while live and time.monotonic() < deadline:
        time.sleep(poll_s)
        live = registry.live()
    for session in live:
        language = session.language
        texts = settings.call.drain_text
        session.end_politely(texts.get(language) or texts["en"], DRAINED_OUTCOME)
    ended = []
    for session in live:
        # the apology is a few seconds of audio; the session gives up on a lost line itself
        if session.wait(settings.call.end_grace_s + 30):
            ended.append(session.call_id)
    if live:
        log.warning("draining: ended %d call(s) at the drain timeout", len(live))
    if ended:
        try:
            retry_drained_calls_soon(registry.services.db, ended, settings)
        except Exception:  # they keep the usual retry for a partial call
            log.exception("draining: could not bring the retries of calls %s forward", ended)
    return len(live)


def retry_drained_calls_soon(
    db: Database, call_ids: list[int], settings: Settings, *, now: datetime | None = None
) -> list[int]:
    """Calls the drain ended, recorded with ``DRAINED_OUTCOME`` and scheduled by the usual
    rule for it: called again ``server.drain_retry_minutes`` from now (inside calling hours)
    instead. Calls that ended otherwise, merchants no longer scheduled (a limit reached, an
    opt-out) and merchants called again since are left alone. Returns the calls moved."""
    now = now or datetime.now(UTC)
    delay = settings.server.drain_retry_minutes
    moved = []
    with db.session() as s:
        for call_id in call_ids:
            call = s.get(Call, call_id)
            if call is None or call.outcome is not DRAINED_OUTCOME:
                continue
            merchant = call.merchant
            if merchant.status is not MerchantStatus.SCHEDULED or merchant.next_call_at is None:
                continue
            newer = exists().where(Call.merchant_id == merchant.id, Call.id > call.id)
            if s.scalar(select(newer)):
                continue
            soon = next_allowed_time(
                now + timedelta(minutes=delay), merchant.timezone, merchant.country, settings
            )
            if soon >= merchant.next_call_at:  # e.g. on a Sunday both wait for Monday
                log.info(
                    "draining: call %s keeps its retry at %s, the first allowed time",
                    call_id,
                    merchant.next_call_at.isoformat(),
                )
                continue
            merchant.next_call_at = soon
            record_event(
                s,
                "dialer.scheduled",
                actor="drain",
                merchant_id=merchant.id,
                call_id=call.id,
                outcome=DRAINED_OUTCOME.value,
                status=merchant.status.value,
                next_call_at=soon.isoformat(),
                reason=f"call cut by a server shutdown (+{delay:g} min)",
            )
            moved.append(call_id)
            log.info("draining: call %s will be retried from %s", call_id, soon.isoformat())
    return moved


def drain_in_background(registry: Any, settings: Settings) -> threading.Thread:
    thread = threading.Thread(target=drain, args=(registry, settings), name="drain", daemon=True)
    thread.start()
    return thread
