"""How long a large merchant import takes, and how long a live call's small write (what a
status callback does) waits meanwhile. Prints the figures; the database is a temporary one.

    .venv/bin/python bench/import_merchants.py [--rows 100000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from voicebot.crm.db import Database
from voicebot.crm.events import record_event
from voicebot.crm.importer import import_merchants


def write_file(path: Path, rows: int, company: str = "Sklep") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["external_id", "company_name", "contact_name", "phone", "email", "store_name"]
        )
        for i in range(rows):
            writer.writerow(
                [
                    f"bench-{i}",
                    f"{company} {i} sp. z o.o.",
                    f"Osoba {i}",
                    f"+48 600 {i // 1000:03d} {i % 1000:03d}",
                    f"sklep{i}@example.pl",
                    f"Sklep {i}",
                ]
            )


def callback_writer(db: Database, stop: threading.Event, waits: list[float]) -> None:
    """One small write transaction every 50 ms, timed, like Twilio's status callbacks."""
    while not stop.is_set():
        started = time.monotonic()
        with db.session() as s:
            record_event(s, "bench.status", note="concurrent write")
        waits.append(time.monotonic() - started)
        time.sleep(0.05)


def run(url: str, rows: int, label: str) -> None:
    db = Database(url)
    db.upgrade()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "merchants.csv"
        write_file(path, rows)
        stop, waits = threading.Event(), []
        writer = threading.Thread(target=callback_writer, args=(db, stop, waits), daemon=True)
        writer.start()
        started = time.monotonic()
        report = import_merchants(db, path)
        first = time.monotonic() - started
        changed = Path(tmp) / "changed.csv"
        write_file(changed, rows, company="Sklep nowy")
        started = time.monotonic()
        again = import_merchants(db, changed)  # every row an update
        second = time.monotonic() - started
        started = time.monotonic()
        import_merchants(db, changed)  # the same file again: nothing changes
        third = time.monotonic() - started
        stop.set()
        writer.join()
    db.dispose()
    waits.sort()
    print(
        f"{label}: {rows} rows created in {first:.1f} s ({report.created} created,"
        f" {len(report.errors)} rejected); changed file {second:.1f} s"
        f" ({again.updated} updated); same file again {third:.1f} s"
    )
    print(
        f"{label}: concurrent small writes: {len(waits)}, median wait"
        f" {statistics.median(waits) * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", help="PostgreSQL admin URL: also run on a throw-away database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.rows, "sqlite")
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"voicebot_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(args.pg.rsplit("/", 1)[0] + f"/{name}", args.rows, "postgresql")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
