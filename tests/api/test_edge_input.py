"""Hostile numbers, lengths and bytes at the API's edge, on SQLite and PostgreSQL: each is a
clear 4xx naming what is wrong, never a 500 (issue 15: items 4, 5, 6, 11 and 12)."""

from __future__ import annotations

import base64
import csv
import io

import pytest
from fixtures.review.builder import build_many

from voicebot.crm.models import FieldSource
from voicebot.crm.store_configs import set_field

from .conftest import bearer, make_app, token_for, with_overrides

NINES_5000 = "9" * 5000
NINES_30 = "9" * 30
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def config_cursor(stamp: str, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{stamp}|{row_id}".encode()).decode()


@pytest.fixture
def headers(any_db) -> dict[str, str]:
    return bearer(token_for(any_db, "export", "calls:read", "merchants:write", "erase"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/calls?limit=²",
        "/api/v1/calls?cursor=²",
        f"/api/v1/calls?limit={NINES_5000}",
        f"/api/v1/calls?cursor={NINES_5000}",
        "/api/v1/store-configs?limit=²",
        *(
            f"/api/v1/store-configs?cursor={config_cursor(stamp, row_id)}"
            for stamp, row_id in [
                ("2026-01-01T00:00:00+00:00", NINES_5000),
                ("2026-01-01T00:00:00+00:00", NINES_30),  # OverflowError on SQLite
                ("2026-01-01T00:00:00+00:00", str(2**63)),
                ("2026-01-01T00:00:00+00:00", "2147483648"),  # out of range on PostgreSQL
                ("2026-01-01T00:00:00+00:00", "²"),
                ("9999-12-31T23:59:59-14:00", "1"),  # past datetime.max once in UTC
                ("0001-01-01T00:00:00+14:00", "1"),  # before datetime.min once in UTC
            ]
        ),
        "/api/v1/store-configs?cursor="
        + base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|\xb2").decode(),
        "/api/v1/store-configs?updated_since=9999-12-31T23:59:59-14:00",
        "/api/v1/store-configs?updated_since=0001-01-01T00:00:00%2B14:00",
        "/api/v1/store-configs/export?format=csv&updated_since=9999-12-31T23:59:59-14:00",
        "/api/v1/calls?external_id=a%00b",
        "/api/v1/store-configs?status=draft%00",
    ],
)
def test_bad_numbers_and_bytes_in_queries_are_400(client, headers, url):
    answer = client.get(url, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json["error"]["code"] in ("invalid_parameter", "invalid_cursor")
    if "updated_since" in url:
        assert "updated_since" in answer.json["error"]["message"]


def test_a_nul_byte_is_refused_naming_the_parameter(client, headers):
    answer = client.get("/api/v1/calls?external_id=a%00b", headers=headers)
    assert "external_id" in answer.json["error"]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/store-configs/2147483648",
        f"/api/v1/store-configs/{NINES_30}",
        f"/api/v1/calls/{NINES_30}",
        "/api/v1/calls/2147483648",
    ],
)
def test_ids_beyond_the_databases_integer_are_404(client, headers, url):
    answer = client.get(url, headers=headers)
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"


def test_a_cursor_past_every_id_is_an_empty_page(client, headers, any_db):
    build_many(any_db, 2)
    for cursor in ("2147483648", "673949011510755187829"):
        answer = client.get(f"/api/v1/calls?cursor={cursor}", headers=headers)
        assert answer.status_code == 200
        assert answer.json == {"data": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("external_id", "body", "field"),
    [
        ("x" * 5000, {"phone": "601 234 567"}, "external_id"),
        ("p-1", {"phone": "601 234 567", "company_name": "C" * 100_000}, "company_name"),
        ("p-1", {"phone": "601 234 567", "contact_name": "Ala\x00Kot"}, "contact_name"),
        ("p-1", {"phone": "601 234 567", "store_name": "Sklep\x00"}, "store_name"),
        ("p\x00q", {"phone": "601 234 567"}, "external_id"),
    ],
)
def test_merchant_fields_too_long_or_with_nul_are_400_naming_the_field(
    client, headers, any_db, external_id, body, field
):
    answer = client.put(f"/api/v1/merchants/{external_id}", json=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert field in answer.json["error"]["message"]
    with any_db.session() as s:
        from voicebot.crm.merchants import list_merchants

        assert list_merchants(s) == []  # nothing stored


def test_request_bodies_beyond_the_limit_are_413(settings, db):
    small = with_overrides(
        settings, api={"rate_limit_per_minute": 10_000}, server={"max_request_bytes": 4096}
    )
    client = make_app(small, db).test_client()
    headers = bearer(token_for(db, "merchants:write"))
    body = {"phone": "601 234 567", "consent_text": "y" * 8000}
    answer = client.put("/api/v1/merchants/p-big", json=body, headers=headers)
    assert answer.status_code == 413 and answer.json["error"]["code"] == "request_entity_too_large"
    fits = client.put("/api/v1/merchants/p-big", json={"phone": "601 234 567"}, headers=headers)
    assert fits.status_code == 201


def test_csv_export_neutralises_every_formula_start(client, headers, any_db):
    made = build_many(any_db, 1)
    hostile = ["+1+2", "\tcmd", "\rcmd", "ab;=1+2", "@SUM(1)", "-2+3", "x,=HYPERLINK()"]
    # spaces (or other blanks) before the formula character: many spreadsheets trim them
    hostile += [" =1+2", "   +1", "\u00a0=1", " \t=1", "\n=1", "x; -2", "a, @SUM(1)", "b;\r=1"]
    with any_db.session() as s:
        set_field(
            s, made[0].merchant_id, "payment_methods", hostile, source=FieldSource.STAFF, actor="t"
        )
        set_field(s, made[0].merchant_id, "tax_id", "+48 123", source=FieldSource.STAFF, actor="t")
        set_field(s, made[0].merchant_id, "domain", "a;=cmd", source=FieldSource.STAFF, actor="t")
        set_field(s, made[0].merchant_id, "industry", " =1+2", source=FieldSource.STAFF, actor="t")
    text = client.get("/api/v1/store-configs/export?format=csv", headers=headers).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["tax_id"] == "'+48 123"
    assert rows[0]["domain"] == "a;'=cmd"
    assert rows[0]["industry"] == "' =1+2"  # the apostrophe goes before the blanks
    # Opened with either list separator, no cell (nor piece of one) may start a formula,
    # even once a spreadsheet has trimmed the blanks in front of it.
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            for piece in cell.replace(",", ";").split(";"):
                assert not piece.startswith(FORMULA_STARTS), (cell, piece)
                assert not piece.lstrip().startswith(FORMULA_STARTS), (cell, piece)


def test_openapi_servers_come_from_the_public_base_url(settings, db):
    public = with_overrides(settings, server={"public_base_url": "https://bot.example.com"})
    client = make_app(public, db).test_client()
    document = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).json
    assert document["servers"] == [{"url": "https://bot.example.com/api/v1"}]


def test_every_api_answer_is_no_store(client, headers, any_db):
    """Personal data in JSON (and in the exports) must not sit in a browser's or a proxy's
    cache: every /api/v1 answer, errors included, says no-store."""
    build_many(any_db, 1)
    answers = [
        ("/api/v1/calls", headers, 200),
        ("/api/v1/store-configs", headers, 200),
        ("/api/v1/store-configs/export?format=csv", headers, 200),
        ("/api/v1/store-configs/export?format=ndjson", headers, 200),
        ("/api/v1/openapi.json", {}, 200),
        ("/api/v1/calls", {}, 401),
        ("/api/v1/calls?limit=²", headers, 400),
        ("/api/v1/calls/2000000000", headers, 404),
        ("/api/v1/no-such-thing", headers, 404),  # no route: werkzeug's own 404
        ("/api/v1/merchants/x", headers, 405),
    ]
    for url, sent, status in answers:
        answer = client.get(url, headers=sent)
        answer.get_data()  # an export streams: read it to the end, ending its transaction
        answer.close()
        assert answer.status_code == status, (url, answer.status_code, answer.text[:200])
        assert answer.headers.get("Cache-Control") == "no-store", url
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", url
