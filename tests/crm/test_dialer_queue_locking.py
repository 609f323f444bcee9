"""Row locks on the real PostgreSQL: a locked merchant is skipped, never waited for, and
concurrent claimers never exceed the concurrent-call limit."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from dialer.helpers import WARSAW, add_merchant, local
from sqlalchemy import select

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.dialer_queue import claim_due_calls, count_active_calls
from voicebot.crm.models import Merchant

pytestmark = pytest.mark.postgres
TUESDAY_10 = local(WARSAW, 2026, 6, 16, 10, 0)


def test_a_merchant_locked_elsewhere_is_skipped_without_waiting(
    pg_db: Database, settings: Settings
) -> None:
    with pg_db.session() as s:
        busy, free = add_merchant(s).id, add_merchant(s).id
    holder = pg_db.engine.connect()
    transaction = holder.begin()
    # Another transaction (say, the API updating the merchant) holds the row lock.
    holder.execute(select(Merchant.id).where(Merchant.id == busy).with_for_update())
    try:
        with pg_db.session() as s:
            # Were the row waited for, the claim would fail after 2 s instead of hanging.
            s.connection().exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            claimed = claim_due_calls(s, now=TUESDAY_10, limit=10, settings=settings)
        assert [c.merchant_id for c in claimed] == [free]
    finally:
        transaction.rollback()
        holder.close()
    with pg_db.session() as s:
        assert [
            c.merchant_id for c in claim_due_calls(s, now=TUESDAY_10, limit=10, settings=settings)
        ] == [busy]


def test_concurrent_claimers_share_out_merchants_and_respect_the_cap(
    pg_db: Database, settings: Settings
) -> None:
    capped = settings.model_copy(
        update={"dialer": settings.dialer.model_copy(update={"max_concurrent_calls": 25})}
    )
    with pg_db.session() as s:
        for _ in range(60):
            add_merchant(s)
    claims: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def claimer() -> None:
        start.wait()
        for _ in range(10):
            with pg_db.session() as s:
                got = claim_due_calls(s, now=TUESDAY_10, limit=3, settings=capped)
            with lock:
                claims.extend(c.merchant_id for c in got)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(claims) == 25  # the cap, not 4 x 3 x 10
    assert max(Counter(claims).values()) == 1
    with pg_db.session() as s:
        assert count_active_calls(s) == 25
