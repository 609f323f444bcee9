"""Merchant import on both real databases: normalisation, bad rows with line numbers,
updates instead of duplicates, and all-or-nothing on a crash."""

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from voicebot.crm import importer as importer_module
from voicebot.crm import merchants as merchants_module
from voicebot.crm.db import Database
from voicebot.crm.importer import ImportFileError, import_merchants
from voicebot.crm.merchants import InvalidMerchant, list_merchants, normalise_merchant
from voicebot.crm.models import Event, Merchant

CSV = (
    "external_id,company_name,contact_name,phone,email,store_name,"
    "consent_source,consent_at,payment_methods\n"
    "m-1,Moda Sp. z o.o.,Anna Nowak,601 234 567,anna@moda.pl,Moda Plus,"
    "signup checkbox,2026-11-20T10:02:00,blik;card\n"
    "m-2,Gadget Ltd,John Smith,+44 20 7946 0958,john@gadget.co.uk,,"
    "signup checkbox,2026-11-20T11:00:00+00:00,\n"
    """m-3,Bad Phone,,12,,,,,
m-4,Bad Mail,X,+48601234568,not-an-email,,,,
m-1,Duplicate,,601234567,,,,,
,No Id,,601234569,,,,,
m-5,"Obchod, s.r.o.",Jana,+420 601 123 456,,,,,
"""
)


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Merchant))


def test_csv_import_keeps_good_rows_and_reports_bad_ones(any_db: Database, tmp_path: Path) -> None:
    report = import_merchants(any_db, _write(tmp_path, "m.csv", CSV))
    assert (report.created, report.updated) == (3, 0)
    assert [(e.line, e.reason.split(" ")[0]) for e in report.errors] == [
        (4, "phone"),
        (5, "email"),
        (6, "external_id"),
        (7, "external_id"),
    ]
    assert "line 2" in report.errors[2].reason
    with any_db.session() as session:
        by_id = {m.external_id: m for m in list_merchants(session)}
        moda, gadget, obchod = by_id["m-1"], by_id["m-2"], by_id["m-5"]
        assert (moda.phone, moda.country, moda.language, moda.timezone) == (
            "+48601234567",
            "PL",
            "pl",
            "Europe/Warsaw",
        )
        assert (gadget.phone, gadget.country, gadget.language, gadget.timezone) == (
            "+442079460958",
            "GB",
            "en",
            "Europe/London",
        )
        assert (obchod.company_name, obchod.language, obchod.timezone) == (
            "Obchod, s.r.o.",
            "cs",
            "Europe/Prague",
        )
        assert moda.signup_data == {
            "store_name": "Moda Plus",
            "payment_methods": ["blik", "card"],
            "contact_email": "anna@moda.pl",
        }
        # Consent given in the merchant's local time is stored as the same instant in UTC.
        assert moda.consent_at.isoformat() == "2026-11-20T09:02:00+00:00"
        assert moda.consent_source == "signup checkbox"


def test_reimport_updates_instead_of_duplicating(any_db: Database, tmp_path: Path) -> None:
    import_merchants(any_db, _write(tmp_path, "m.csv", CSV))
    events = _events(any_db)
    same = import_merchants(any_db, _write(tmp_path, "same.csv", CSV))
    assert (same.created, same.updated) == (0, 3)
    assert _events(any_db) == events + 1  # only merchants.imported: nothing changed
    changed = CSV.replace("Anna Nowak", "Anna Kowalska")
    report = import_merchants(any_db, _write(tmp_path, "m2.csv", changed))
    assert (report.created, report.updated) == (0, 3)
    assert _count(any_db) == 3
    with any_db.session() as session:
        assert merchants_module.get_by_external_id(session, "m-1").contact_name == "Anna Kowalska"


def test_json_import_reports_the_line_of_each_bad_record(any_db: Database, tmp_path: Path) -> None:
    records = [
        {"external_id": "j-1", "phone": "+48 22 123 45 67", "contact_name": "Ewa"},
        {"external_id": "j-2", "phone": "+1 212 555 0100", "timezone": "Mars/Olympus"},
        "not an object",
        {"external_id": "j-3", "phone": "+1 212 736 5000", "language": "en"},
    ]
    path = _write(tmp_path, "m.json", json.dumps({"merchants": records}, indent=2))
    report = import_merchants(any_db, path)
    assert report.created == 2
    content = path.read_text().splitlines()
    lines = {e.line: e.reason for e in report.errors}
    assert set(lines) == {
        next(i for i, line in enumerate(content, 1) if "j-2" in line) - 1,
        next(i for i, line in enumerate(content, 1) if "not an object" in line),
    }
    assert any("Mars/Olympus" in reason for reason in lines.values())
    with any_db.session() as session:
        new_york = merchants_module.get_by_external_id(session, "j-3")
        assert (new_york.country, new_york.timezone) == ("US", "America/New_York")


def test_a_crash_mid_import_leaves_the_database_as_it_was(
    any_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_merchants(any_db, _write(tmp_path, "first.csv", CSV))
    events_before = _events(any_db)
    original = importer_module.write_batch
    batches = []

    def crash_on_second_batch(session, batch, *rest):
        batches.append(batch)
        if len(batches) == 2:
            raise RuntimeError("disk full")
        return original(session, batch, *rest)

    monkeypatch.setattr("voicebot.crm.importer.write_batch", crash_on_second_batch)
    renamed = CSV.replace("Anna Nowak", "Changed").replace("m-2", "m-new")
    with pytest.raises(RuntimeError, match="disk full"):
        import_merchants(any_db, _write(tmp_path, "second.csv", renamed), batch_rows=1)
    assert _count(any_db) == 3
    assert _events(any_db) == events_before
    with any_db.session() as session:
        assert merchants_module.get_by_external_id(session, "m-1").contact_name == "Anna Nowak"


def _events(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Event))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,number\nx,1\n", "at least external_id and phone"),
        ("", "no header row"),
    ],
)
def test_unusable_files_are_refused_whole(
    db: Database, tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        import_merchants(db, _write(tmp_path, "x.csv", content))


def test_non_utf8_and_bad_json_are_refused(db: Database, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("external_id,phone\nm-1,601234567 Łódź\n".encode("cp1250"))
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_merchants(db, latin)
    with pytest.raises(ImportFileError, match="line 2"):
        import_merchants(db, _write(tmp_path, "bad.json", '[\n{"external_id": }\n]'))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"external_id": "x"}, "phone is missing"),
        ({"external_id": "x", "phone": "abc"}, "not a phone number"),
        ({"external_id": "x", "phone": "+48601234567", "country": "XX"}, "ISO 3166"),
        ({"external_id": "x", "phone": "+48601234567", "language": "de"}, "not supported"),
        ({"external_id": "x", "phone": "+48601234567", "consent_at": "yesterday"}, "ISO 8601"),
    ],
)
def test_record_validation_reasons(record: dict, reason: str) -> None:
    with pytest.raises(InvalidMerchant, match=reason):
        normalise_merchant(record)


def test_erased_merchants_are_not_brought_back(db: Database, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    import_merchants(db, _write(tmp_path, "m.csv", CSV))
    with db.session() as session:
        merchants_module.get_by_external_id(session, "m-2").erased_at = datetime.now(UTC)
    report = import_merchants(db, _write(tmp_path, "again.csv", CSV))
    assert any("was erased" in e.reason and e.line == 3 for e in report.errors)


def test_nul_bytes_and_overlong_values_are_bad_rows_not_a_failed_import(
    any_db: Database, tmp_path: Path
) -> None:
    content = (
        "external_id,company_name,contact_name,phone\n"
        "n-1,Good,Ala,601 234 567\n"
        "n-2,Null,Ala\x00Kot,601 234 568\n"
        f"n-3,{'C' * 300},Ola,601 234 569\n"
        f"{'x' * 200},Long id,Ela,601 234 570\n"
        "n-5,Also good,Ula,601 234 571\n"
    )
    report = import_merchants(any_db, _write(tmp_path, "nul.csv", content))
    assert report.created == 2
    assert [(e.line, e.reason.split(" ")[0]) for e in report.errors] == [
        (3, "contact_name"),
        (4, "company_name"),
        (5, "external_id"),
    ]
    assert "NUL" in report.errors[0].reason and "256" in report.errors[1].reason


def test_validation_runs_without_holding_the_write_lock(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live call's status callback writes while the file is still being validated: on
    SQLite it would wait for the import's write lock (and fail after 30 s) if one were held."""
    from voicebot.crm.events import record_event

    original = importer_module.normalise_merchant
    waits = []

    def normalise_then_write_elsewhere(record, **kwargs):
        started = time.monotonic()
        with db.session() as session:  # another unit of work, as a status callback's
            record_event(session, "call.status", note="during import")
        waits.append(time.monotonic() - started)
        return original(record, **kwargs)

    monkeypatch.setattr("voicebot.crm.importer.normalise_merchant", normalise_then_write_elsewhere)
    report = import_merchants(db, _write(tmp_path, "m.csv", CSV))
    assert report.created == 3 and len(waits) == 7
    assert max(waits) < 5


@pytest.mark.parametrize(
    ("phone", "country", "language", "timezone"),
    [
        ("+420 601 123 456", "CZ", "cs", "Europe/Prague"),
        ("+7 912 345-67-89", "RU", "ru", "Europe/Moscow"),  # a mobile: any of 11 zones
        ("+7 383 123-45-67", "RU", "ru", "Asia/Novosibirsk"),  # a landline: its own zone
        ("+386 41 123 456", "SI", "sl", "Europe/Ljubljana"),
        ("+375 29 123 45 67", "BY", "ru", "Europe/Moscow"),  # phonenumbers' name for UTC+3
        ("+49 151 23456789", "DE", "en", "Europe/Berlin"),  # a language the bot lacks: English
    ],
)
def test_the_number_gives_country_language_and_zone(
    phone: str, country: str, language: str, timezone: str
) -> None:
    data = normalise_merchant({"external_id": "m-x", "phone": phone})
    assert (data.country, data.language, data.timezone) == (country, language, timezone)


def test_a_language_the_bot_does_not_speak_is_refused_with_the_list() -> None:
    with pytest.raises(InvalidMerchant, match=r"language 'de' is not supported.*sl"):
        normalise_merchant({"external_id": "m-x", "phone": "+48601234567", "language": "de"})
