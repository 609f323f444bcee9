"""Merchant import from CSV or JSON: good rows are stored, bad rows reported with their line
and reason, and the whole import is one transaction so a crash leaves the database as it was.

Every row is read, validated and normalised first, with no database transaction open; only
then is everything written in one short bulk transaction (a few statements per thousand
rows). On SQLite that transaction holds the write lock, so keeping it short is what lets
live calls' status callbacks through while a large file is imported."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from voicebot.crm.bulk_rows import BulkInsert, BulkUpdate, converter
from voicebot.crm.db import Database
from voicebot.crm.events import record_event
from voicebot.crm.merchants import (
    MERCHANT_FIELDS,
    PREFILL_FIELDS,
    InvalidMerchant,
    MerchantData,
    normalise_merchant,
)
from voicebot.crm.models import Event, Merchant, MerchantStatus

KNOWN_COLUMNS = set(MERCHANT_FIELDS) | set(PREFILL_FIELDS)
# Sign-up lists (payment methods, ...) arrive in CSV cells separated by these.
LIST_FIELDS = {"sales_channels", "payment_methods", "shipping_methods"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong format, not UTF-8, no header)."""


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


def read_records(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """(line number, record) pairs and the columns that will be ignored."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_records(path, content)
    if suffix in (".csv", ".txt"):
        return _csv_records(path, content)
    raise ImportFileError(f"{path}: unknown format {suffix!r}; use .csv or .json")


def _csv_records(path: Path, content: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    if not reader.fieldnames:
        raise ImportFileError(f"{path}: the CSV file has no header row")
    header = [name.strip() for name in reader.fieldnames]
    reader.fieldnames = header
    if "external_id" not in header or "phone" not in header:
        raise ImportFileError(f"{path}: the header must name at least external_id and phone")
    records = []
    for row in reader:
        if None in row:  # more cells than the header has columns
            row["__extra__"] = row.pop(None)
        for key in LIST_FIELDS & row.keys():
            if row[key]:
                row[key] = [
                    part.strip() for part in row[key].replace("|", ";").split(";") if part.strip()
                ]
        records.append((reader.line_num, row))
    return records, sorted(set(header) - KNOWN_COLUMNS)


def _json_records(path: Path, content: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("merchants"), list):
        data = data["merchants"]
    if not isinstance(data, list):
        raise ImportFileError(f'{path}: expected a list of merchants or {{"merchants": [...]}}')
    lines = list(_json_item_lines(content))
    records, extra = [], set()
    for index, item in enumerate(data):
        line = lines[index] if index < len(lines) else index + 1
        if not isinstance(item, dict):
            records.append((line, {"__invalid__": f"record {index + 1} is not an object"}))
            continue
        extra |= item.keys() - KNOWN_COLUMNS
        records.append((line, item))
    return records, sorted(extra)


def _json_item_lines(content: str) -> Iterator[int]:
    """Line numbers where each top-level item of the merchants list starts."""
    decoder = json.JSONDecoder()
    start = content.find("[")
    position, depth_line = start + 1, content.count("\n", 0, start) + 1
    while position < len(content):
        while position < len(content) and content[position] in " \t\r\n,":
            position += 1
        if position >= len(content) or content[position] == "]":
            return
        yield depth_line + content.count("\n", start, position)
        try:
            _, position = decoder.raw_decode(content, position)
        except json.JSONDecodeError:
            return


BATCH_ROWS = 1000  # rows per bulk statement; all batches share one transaction


def import_merchants(
    db: Database, path: Path, *, default_region: str = "PL", batch_rows: int = BATCH_ROWS
) -> ImportReport:
    records, ignored = read_records(path)
    report = ImportReport(ignored_columns=ignored)
    # Everything slow happens before the transaction: reading, validating, converting.
    rows = validate_records(records, default_region, report)
    writer = MerchantWriter(db.engine.dialect)
    prepared = [writer.prepare(line, data) for line, data in rows]
    with db.session() as session:
        for start in range(0, len(prepared), batch_rows):
            write_batch(session, prepared[start : start + batch_rows], report, writer)
        record_event(
            session,
            "merchants.imported",
            actor="import",
            file=path.name,
            created=report.created,
            updated=report.updated,
            rejected=len(report.errors),
        )
    report.errors.sort(key=lambda error: error.line)
    return report


def validate_records(
    records: list[tuple[int, dict[str, Any]]], default_region: str, report: ImportReport
) -> list[tuple[int, MerchantData]]:
    """Normalised rows ready to write; bad ones go to the report with their line."""
    rows: list[tuple[int, MerchantData]] = []
    seen: dict[str, int] = {}
    for line, record in records:
        try:
            if "__invalid__" in record:
                raise InvalidMerchant(record["__invalid__"])
            if "__extra__" in record:
                raise InvalidMerchant("more cells than the header has columns")
            data = normalise_merchant(record, default_region=default_region)
            if data.external_id in seen:
                raise InvalidMerchant(
                    f"external_id {data.external_id!r} already appears"
                    f" on line {seen[data.external_id]}"
                )
        except InvalidMerchant as exc:
            report.errors.append(RowError(line, str(exc)))
            continue
        seen[data.external_id] = line
        rows.append((line, data))
    return rows


_COPIED = ("company_name", "contact_name", "phone", "email", "country", "language", "timezone")
_CONSENT = ("consent_source", "consent_at", "consent_text")
_WATCHED = ("phone", "language", "timezone", "email")  # changes named in merchant.updated


@dataclass
class PreparedRow:
    line: int
    data: MerchantData
    values: dict[str, Any]  # the merchants row as the driver takes it, were it new


class MerchantWriter:
    """Rows converted for the driver before the transaction; inside it, only executemany."""

    def __init__(self, dialect: Dialect) -> None:
        self.merchants = BulkInsert(Merchant.__table__, dialect)  # type: ignore[arg-type]
        self.events = BulkInsert(Event.__table__, dialect)  # type: ignore[arg-type]
        self.signup_data = converter(Merchant.__table__.c.signup_data, dialect)
        self.updates = {
            consent: BulkUpdate(
                Merchant.__table__,  # type: ignore[arg-type]
                [*_COPIED, *(_CONSENT if consent else ()), "signup_data", "updated_at"],
                dialect,
            )
            for consent in (False, True)
        }
        # Every merchant.created event is the same but for the merchant's id.
        self.created_event = self.events.convert(
            {"kind": "merchant.created", "actor": "import", "data": {"changed": None}}
        )

    def prepare(self, line: int, data: MerchantData) -> PreparedRow:
        row: dict[str, Any] = {name: getattr(data, name) for name in _COPIED}
        if data.consent_source is not None:
            row |= {name: getattr(data, name) for name in _CONSENT}
        row |= {
            "external_id": data.external_id,
            "status": MerchantStatus.NEW,
            "signup_data": data.signup_data,
        }
        return PreparedRow(line, data, self.merchants.convert(row))


def _unchanged(old: Any, data: MerchantData, merged: dict[str, Any]) -> bool:
    names = (*_COPIED, *(_CONSENT if data.consent_source is not None else ()))
    return merged == old.signup_data and all(
        getattr(old, name) == getattr(data, name) for name in names
    )


def write_batch(
    session: Session, batch: list[PreparedRow], report: ImportReport, writer: MerchantWriter
) -> None:
    """Create or update a batch of merchants with a few bulk statements, as upsert_merchant
    would one by one: opt-outs and statuses kept, erased merchants refused, events written."""
    existing = {
        row.external_id: row
        for row in session.execute(
            select(
                Merchant.id,
                Merchant.external_id,
                Merchant.erased_at,
                Merchant.signup_data,
                *(getattr(Merchant, name) for name in (*_COPIED, *_CONSENT)),
            ).where(Merchant.external_id.in_([p.data.external_id for p in batch]))
        )
    }
    created: list[dict[str, Any]] = []
    updated: dict[bool, list[tuple[int, dict[str, Any]]]] = {False: [], True: []}
    events: list[dict[str, Any]] = []
    for prepared in batch:
        data, old = prepared.data, existing.get(prepared.data.external_id)
        if old is None:
            created.append(prepared.values)
            continue
        if old.erased_at is not None:
            report.errors.append(
                RowError(
                    prepared.line,
                    f"merchant {data.external_id!r} was erased and cannot be re-imported",
                )
            )
            continue
        merged = {**(old.signup_data or {}), **data.signup_data}
        if _unchanged(old, data, merged):  # a file sent again: nothing to write or lock for
            report.updated += 1
            continue
        values = prepared.values | {"signup_data": writer.signup_data(merged)}
        updated[data.consent_source is not None].append((old.id, values))
        changed = sorted(name for name in _WATCHED if getattr(old, name) != getattr(data, name))
        events.append(
            writer.events.convert(
                {
                    "kind": "merchant.updated",
                    "actor": "import",
                    "merchant_id": old.id,
                    "data": {"changed": changed},
                }
            )
        )
    writer.merchants.execute(session, created)
    if created:
        new_ids = [p.data.external_id for p in batch if p.data.external_id not in existing]
        ids = session.scalars(select(Merchant.id).where(Merchant.external_id.in_(new_ids)))
        events += [writer.created_event | {"merchant_id": merchant_id} for merchant_id in ids]
    for consent, rows in updated.items():
        writer.updates[consent].execute(session, rows)
    writer.events.execute(session, events)
    report.created += len(created)
    report.updated += sum(len(rows) for rows in updated.values())
