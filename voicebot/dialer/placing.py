"""Placing one claimed call: re-check, wait for a CPS slot, dial at most once, record.

Shared by the embedded loop and the Redis job, so both behave the same."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from voicebot.crm.dialer_queue import (
    ClaimedCall,
    claim_still_valid,
    mark_call_not_placed,
    mark_call_placed,
    release_claim,
    start_placing,
)
from voicebot.dialer.limits import Sleep, SlotReserver, wait_for_slot

if TYPE_CHECKING:
    from voicebot.config import Settings
    from voicebot.crm.db import Database

log = logging.getLogger(__name__)

Now = Callable[[], datetime]


class CallPlacer(Protocol):
    """Asks the telephony provider to dial a claimed call; returns the provider's call id
    (Twilio CallSid) or None. Raises when the provider refuses; the call then counts as
    failed and is retried by the policy."""

    def __call__(self, claim: ClaimedCall) -> str | None: ...


class Placement(enum.StrEnum):
    PLACED = "placed"
    FAILED = "failed"  # the provider refused; retried per policy
    RELEASED = "released"  # no longer callable (opt-out, hours closed ...): not an attempt
    DUPLICATE = "duplicate"  # another worker already dialled this claim


@dataclass(frozen=True)
class PlacementResult:
    call_id: int
    result: Placement
    detail: str | None = None


def place_claimed_call(
    db: Database,
    settings: Settings,
    placer: CallPlacer,
    call_id: int,
    *,
    now: Now,
    limiter: SlotReserver,
    sleep: Sleep,
) -> PlacementResult:
    with db.session() as session:
        reason = claim_still_valid(session, call_id, now(), settings)
        if reason is not None:
            release_claim(session, call_id, now(), settings, reason)
            return PlacementResult(call_id, Placement.RELEASED, reason)

    wait_for_slot(limiter, sleep)

    with db.session() as session:
        claim = start_placing(session, call_id, now())
    if claim is None:
        return PlacementResult(call_id, Placement.DUPLICATE)

    try:
        sid = placer(claim)
    except Exception as exc:  # any provider error: record it, the policy decides the retry
        log.warning("placing call %s to merchant %s failed: %s", call_id, claim.merchant_id, exc)
        with db.session() as session:
            mark_call_not_placed(session, call_id, f"{type(exc).__name__}: {exc}", now(), settings)
        return PlacementResult(call_id, Placement.FAILED, str(exc))

    with db.session() as session:
        mark_call_placed(session, call_id, sid)
    return PlacementResult(call_id, Placement.PLACED, sid)
