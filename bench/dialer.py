"""How fast the dialer can claim due merchants on PostgreSQL, with 1 and 4 concurrent
claimers (SKIP LOCKED + the concurrency lock). Prints claims per second; places no calls.

    .venv/bin/python bench/dialer.py [--merchants 300] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, insert, text

from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.dialer_queue import claim_due_calls
from voicebot.crm.models import Merchant, MerchantStatus


def seed(db: Database, count: int) -> None:
    rows = [
        {
            "external_id": f"bench-{i}",
            "phone": f"+48600{i:06d}",
            "country": "PL",
            "language": "pl",
            "timezone": "Europe/Warsaw",
            "status": MerchantStatus.NEW,
            "consent_source": "bench",
            "consent_at": datetime(2026, 1, 1, tzinfo=UTC),
            "signup_data": {},
        }
        for i in range(count)
    ]
    with db.session() as s:
        s.execute(insert(Merchant), rows)


def run(admin_url: str, merchants: int, claimers: int, batch: int) -> float:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"voicebot_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        db.upgrade()
        seed(db, merchants)
        settings = Settings()
        settings = settings.model_copy(
            update={
                "dialer": settings.dialer.model_copy(
                    update={
                        "max_concurrent_calls": merchants + 1,
                        "calling_hours": {"default": {"mon-sun": ["00:00-24:00"]}},
                        "skip_public_holidays": False,
                    }
                )
            }
        )
        claimed = [0] * claimers

        def claimer(index: int) -> None:
            while True:
                with db.session() as s:
                    got = claim_due_calls(s, now=datetime.now(UTC), limit=batch, settings=settings)
                if not got:
                    return
                claimed[index] += len(got)

        threads = [threading.Thread(target=claimer, args=(i,)) for i in range(claimers)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        assert sum(claimed) == merchants, claimed
        return merchants / elapsed
    finally:
        db.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=300)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for claimers, batch in [(1, 1), (1, 10), (4, 1), (4, 10)]:
        rate = run(args.pg, args.merchants, claimers, batch)
        print(f"{claimers} claimer(s), {batch:>2} per claim: {rate:8.0f} claims/s")


if __name__ == "__main__":
    main()
