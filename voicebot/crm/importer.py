"""Merchant import from CSV or JSON: good rows are stored, bad rows reported with their line
and reason, and the whole import is one transaction so a crash leaves the database as it was."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.crm.db import Database
from voicebot.crm.events import record_event
from voicebot.crm.merchants import (
    MERCHANT_FIELDS,
    PREFILL_FIELDS,
    InvalidMerchant,
    normalise_merchant,
    upsert_merchant,
)

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


def import_merchants(db: Database, path: Path, *, default_region: str = "PL") -> ImportReport:
    records, ignored = read_records(path)
    report = ImportReport(ignored_columns=ignored)
    seen: dict[str, int] = {}
    with db.session() as session:
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
                with session.begin_nested():
                    _, created = upsert_merchant(session, data)
            except InvalidMerchant as exc:
                report.errors.append(RowError(line, str(exc)))
                continue
            seen[data.external_id] = line
            if created:
                report.created += 1
            else:
                report.updated += 1
        record_event(
            session,
            "merchants.imported",
            actor="import",
            file=path.name,
            created=report.created,
            updated=report.updated,
            rejected=len(report.errors),
        )
    return report
