"""Calls as jobs on Redis (RQ), for dialers on several machines.

``voicebot dialer run --queue`` claims due merchants (PostgreSQL, SKIP LOCKED) and enqueues
one job per claimed call; ``voicebot dialer worker`` processes run the jobs: each re-checks
the claim, waits for a calls-per-second slot shared through Redis, dials at most once and
records the result. A job delivered twice finds its call no longer queued and does nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from rq import Queue, SimpleWorker

from voicebot.crm.dialer_queue import ClaimedCall
from voicebot.dialer.limits import RedisRateLimiter, SlotReserver
from voicebot.dialer.loop import Dispatch, utc_now
from voicebot.dialer.placing import CallPlacer, place_claimed_call

if TYPE_CHECKING:
    from voicebot.config import Settings
    from voicebot.crm.db import Database

log = logging.getLogger(__name__)

# A job not started within this time is dropped by RQ; the claim is then released as stale.
JOB_TTL_S = 15 * 60


def redis_connection(settings: Settings) -> Redis:
    return Redis.from_url(settings.dialer.redis_url)


def dialer_queue(settings: Settings, connection: Redis) -> Queue:
    return Queue(settings.dialer.queue_name, connection=connection)


def job_id_for(settings: Settings, call_id: int) -> str:
    # One job id per call: enqueueing the same claim twice cannot make two jobs.
    return f"{settings.dialer.queue_name}-call-{call_id}"


def queue_dispatch(settings: Settings, queue: Queue) -> Dispatch:
    def dispatch(claim: ClaimedCall) -> None:
        queue.enqueue(
            place_call_job,
            claim.call_id,
            job_id=job_id_for(settings, claim.call_id),
            ttl=JOB_TTL_S,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"dial call {claim.call_id} (merchant {claim.merchant_id})",
        )

    return dispatch


@dataclass
class WorkerContext:
    db: Database
    settings: Settings
    placer: CallPlacer
    limiter: SlotReserver


_context: WorkerContext | None = None


def _default_context() -> WorkerContext:
    # A plain `rq worker` started without `voicebot dialer worker`: build from the environment.
    global _context
    from voicebot.config import get_settings
    from voicebot.crm.db import Database
    from voicebot.dialer.placers import load_placer

    settings = get_settings()
    db = Database(settings.database_url, pool_size=settings.database.pool_size)
    _context = WorkerContext(db, settings, load_placer(settings, db), cps_limiter(settings))
    return _context


def cps_limiter(settings: Settings, connection: Redis | None = None) -> RedisRateLimiter:
    return RedisRateLimiter(
        connection or redis_connection(settings),
        f"{settings.dialer.key_prefix}cps-slot",
        settings.dialer.calls_per_second,
    )


def place_call_job(call_id: int) -> str:
    """The RQ job: place one claimed call. Returns what happened (placed, failed, ...)."""
    context = _context or _default_context()
    result = place_claimed_call(
        context.db,
        context.settings,
        context.placer,
        call_id,
        now=utc_now,
        limiter=context.limiter,
        sleep=time.sleep,
    )
    log.info("call %s: %s %s", call_id, result.result.value, result.detail or "")
    return result.result.value


def run_worker(
    settings: Settings, db: Database, placer: CallPlacer, *, burst: bool = False
) -> None:
    """Process dial jobs until SIGTERM (RQ stops after the current job), or until the queue
    is empty with ``burst``. SimpleWorker runs jobs in this process: placing a call is one
    short HTTP request, and no fork keeps the database pool and the Twilio client warm."""
    global _context
    connection = redis_connection(settings)
    _context = WorkerContext(db, settings, placer, cps_limiter(settings, connection))
    worker = SimpleWorker([dialer_queue(settings, connection)], connection=connection)
    worker.work(burst=burst, logging_level="INFO")
