"""Store configurations as streamed CSV or NDJSON text, shared by the API and `voicebot export`.
Each generator opens its own session and fetches in keyset batches, so memory stays flat."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from voicebot.crm.db import Database
from voicebot.crm.exports import ConfigQuery, field_names, iter_configs

CSV_COLUMNS = [
    "id",
    "merchant_id",
    "external_id",
    "status",
    "reviewer",
    "reviewed_at",
    "updated_at",
]
FORMATS = {"csv": "text/csv", "ndjson": "application/x-ndjson"}


def ndjson_lines(db: Database, query: ConfigQuery) -> Iterator[str]:
    with db.session() as s:
        for document in iter_configs(s, query):
            yield json.dumps(document, ensure_ascii=False, default=str) + "\n"


# OWASP CSV injection: a cell starting with one of these runs as a formula (tab and carriage
# return too), and so does the part after a "," or ";" when a spreadsheet splits the line at
# its own list separator, also behind blanks that a spreadsheet trims (" =1+2"). Each such
# start gets an apostrophe in front of the blanks, so the whole piece shows as text.
_FORMULA_START = re.compile(r"(^|[,;])(?=\s*[=+\-@\t\r])")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    return _FORMULA_START.sub(r"\1'", str(value))


def csv_lines(db: Database, query: ConfigQuery) -> Iterator[str]:
    """A header with one column per field name found, then one row per configuration."""
    with db.session() as s:
        names = field_names(s, query)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS + names)
    with db.session() as s:
        for document in iter_configs(s, query):
            fields = document["fields"]
            writer.writerow(
                [csv_cell(document[c]) for c in CSV_COLUMNS]
                + [csv_cell(fields[n]["value"]) if n in fields else "" for n in names]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_lines(db: Database, query: ConfigQuery, fmt: str) -> Iterator[str]:
    return csv_lines(db, query) if fmt == "csv" else ndjson_lines(db, query)
