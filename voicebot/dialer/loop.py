"""The dialer loop: every tick release stale calls, claim the due merchants that fit the
limits, and hand each claim on (placed in process, or queued for workers on Redis)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from voicebot.crm.dialer_queue import (
    ClaimedCall,
    claim_due_calls,
    release_claim,
    release_stale_calls,
)
from voicebot.dialer.limits import LocalRateLimiter, Sleep, SlotReserver
from voicebot.dialer.placing import CallPlacer, Now, PlacementResult, place_claimed_call

if TYPE_CHECKING:
    from voicebot.config import Settings
    from voicebot.crm.db import Database

log = logging.getLogger(__name__)

# Hands a claim on; returns a result when it placed the call itself, None when it queued it.
Dispatch = Callable[[ClaimedCall], PlacementResult | None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TickReport:
    released_stale: int = 0
    claimed: list[ClaimedCall] = field(default_factory=list)
    results: list[PlacementResult] = field(default_factory=list)
    released_on_stop: int = 0


def claims_per_tick(settings: Settings) -> int:
    """Claim no more than the CPS limit can dial before the next tick, so claimed calls do
    not sit queued (and count against concurrency) while the window may close."""
    dialer = settings.dialer
    return max(1, int(dialer.calls_per_second * dialer.poll_interval_s))


class Dialer:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        dispatch: Dispatch,
        *,
        now: Now = utc_now,
        stop: threading.Event | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.dispatch = dispatch
        self.now = now
        self.stop = stop or threading.Event()

    def tick(self) -> TickReport:
        report = TickReport()
        with self.db.session() as session:
            report.released_stale = release_stale_calls(session, self.now(), self.settings)
        with self.db.session() as session:
            report.claimed = claim_due_calls(
                session,
                now=self.now(),
                limit=claims_per_tick(self.settings),
                settings=self.settings,
            )
        if report.claimed:
            from voicebot.observability.metrics import DIALER_CLAIMS

            DIALER_CLAIMS.inc(len(report.claimed))
        for index, claim in enumerate(report.claimed):
            if self.stop.is_set():
                report.released_on_stop = self._release(report.claimed[index:])
                break
            result = self.dispatch(claim)
            if result is not None:
                report.results.append(result)
        return report

    def _release(self, claims: list[ClaimedCall]) -> int:
        with self.db.session() as session:
            for claim in claims:
                release_claim(session, claim.call_id, self.now(), self.settings, "dialer stopped")
        return len(claims)

    def run(self, *, until_idle: bool = False) -> int:
        """Tick until stopped (SIGTERM sets ``stop``); with ``until_idle``, also stop at the
        first tick that claims nothing. Returns the number of calls claimed."""
        total = 0
        while not self.stop.is_set():
            report = self.tick()
            total += len(report.claimed)
            if report.claimed or report.released_stale:
                log.info(
                    "dialer tick: %d claimed, %d stale released, results %s",
                    len(report.claimed),
                    report.released_stale,
                    [r.result.value for r in report.results],
                )
            if until_idle and not report.claimed:
                break
            if not report.claimed:
                self.stop.wait(self.settings.dialer.poll_interval_s)
        return total


def embedded_dispatch(
    db: Database,
    settings: Settings,
    placer: CallPlacer,
    *,
    now: Now = utc_now,
    limiter: SlotReserver | None = None,
    sleep: Sleep | None = None,
    stop: threading.Event | None = None,
) -> Dispatch:
    """Place each claim in this process, spaced by the CPS limit. By default waiting for a
    slot ends early when ``stop`` is set, so SIGTERM never waits out a long queue."""
    limiter = limiter or LocalRateLimiter(settings.dialer.calls_per_second)
    if sleep is None:
        sleep = stop.wait if stop is not None else time.sleep

    def dispatch(claim: ClaimedCall) -> PlacementResult:
        return place_claimed_call(
            db, settings, placer, claim.call_id, now=now, limiter=limiter, sleep=sleep
        )

    return dispatch
