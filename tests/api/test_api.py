"""The export API against SQLite and PostgreSQL: auth and scopes, cursor pages, streamed
exports, merchant upserts, calls and transcripts, erasure, the error shape, rate limits."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from fixtures.review.builder import build_call, build_many
from fixtures.settings import with_overrides

from voicebot.crm.models import FieldSource
from voicebot.crm.store_configs import approve, set_field
from voicebot.crm.tokens import revoke_token

from .conftest import api_settings, bearer, make_app, token_for  # noqa: F401


def test_auth_scopes_and_error_shape(client, any_db):
    assert client.get("/api/v1/store-configs").json == {
        "error": {
            "code": "unauthorized",
            "message": "send the API token as 'Authorization: Bearer <token>'",
        }
    }
    calls_only = token_for(any_db, "calls:read")
    refused = client.get("/api/v1/store-configs", headers=bearer(calls_only))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "insufficient_scope"
    export = token_for(any_db, "export")
    assert client.get("/api/v1/store-configs", headers=bearer(export)).status_code == 200
    with any_db.session() as s:
        from voicebot.crm.tokens import list_tokens

        revoke_token(s, list_tokens(s)[-1].id)
    gone = client.get("/api/v1/store-configs", headers=bearer(export))
    assert gone.status_code == 401 and "revoked" in gone.json["error"]["message"]
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    bad = client.get("/api/v1/store-configs?limit=0", headers=bearer(token_for(any_db, "export")))
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_parameter"


def test_cursor_pages_filters_and_streamed_exports(client, any_db):
    made = build_many(any_db, 7)
    with any_db.session() as s:
        approve(s, made[0].merchant_id, actor="rita@example.com")
        set_field(s, made[1].merchant_id, "tax_id", "=1+2", source=FieldSource.STAFF, actor="rita")
    headers = bearer(token_for(any_db, "export"))

    seen, cursor = [], None
    while True:
        url = "/api/v1/store-configs?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).json
        seen += [c["external_id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(f"bulk-{i:03d}" for i in range(7)) and len(seen) == 7
    # The configuration edited last comes last: pages follow the last change.
    assert seen[-1] == "bulk-001"

    approved = client.get("/api/v1/store-configs?status=approved", headers=headers).json["data"]
    assert [c["external_id"] for c in approved] == ["bulk-000"]
    assert approved[0]["fields"]["store_name"]["value"] == "Kwiaty Basi"
    one = client.get(f"/api/v1/store-configs/{approved[0]['id']}", headers=headers).json
    assert one == approved[0]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert (
        client.get(f"/api/v1/store-configs?updated_since={future}", headers=headers).json["data"]
        == []
    )
    assert client.get("/api/v1/store-configs?cursor=garbage", headers=headers).status_code == 400
    # an empty cursor was never handed out: refused, not read as "from the start"
    assert client.get("/api/v1/store-configs?cursor=", headers=headers).status_code == 400

    ndjson = client.get("/api/v1/store-configs/export?format=ndjson", headers=headers)
    assert ndjson.is_streamed and ndjson.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in ndjson.get_data(as_text=True).splitlines()]
    assert len(lines) == 7 and {line["external_id"] for line in lines} == set(seen)

    exported = client.get("/api/v1/store-configs/export?format=csv", headers=headers)
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 7 and {"store_name", "tax_id"} <= rows[0].keys()
    by_id = {r["external_id"]: r for r in rows}
    assert by_id["bulk-001"]["tax_id"] == "'=1+2"  # no formula injection into spreadsheets
    assert by_id["bulk-000"]["status"] == "approved"


def test_merchant_upsert_validates_and_updates(client, any_db):
    headers = bearer(token_for(any_db, "merchants:write"))
    body = {
        "phone": "601 234 567",
        "company_name": "Nowy Sklep",
        "consent_source": "signup",
        "consent_at": "2026-11-20T10:02:00+01:00",
        "store_name": "Nowy",
    }
    created = client.put("/api/v1/merchants/p-77", json=body, headers=headers)
    assert created.status_code == 201
    assert created.json["phone"] == "+48601234567" and created.json["language"] == "pl"
    assert created.json["signup_data"] == {"store_name": "Nowy"}
    updated = client.put(
        "/api/v1/merchants/p-77", json={**body, "company_name": "Nowy Sklep 2"}, headers=headers
    )
    assert updated.status_code == 200 and updated.json["id"] == created.json["id"]
    invalid = client.put("/api/v1/merchants/p-78", json={"phone": "12"}, headers=headers)
    assert invalid.status_code == 422 and "phone" in invalid.json["error"]["message"]
    not_json = client.put("/api/v1/merchants/p-78", data="phone=1", headers=headers)
    assert not_json.status_code == 400 and not_json.json["error"]["code"] == "invalid_body"


def test_calls_and_transcripts_then_erasure(client, any_db, settings):
    made = build_call(any_db, settings.call.recordings_dir)
    reader = bearer(token_for(any_db, "calls:read"))
    listed = client.get("/api/v1/calls?external_id=m-1001", headers=reader).json
    assert [c["id"] for c in listed["data"]] == [made.call_id] and listed["next_cursor"] is None
    assert client.get("/api/v1/calls?cursor=", headers=reader).status_code == 400
    call = client.get(f"/api/v1/calls/{made.call_id}", headers=reader).json
    assert call["has_recording"] and len(call["turns"]) == 7
    assert call["turns"][1]["text"] == "Mój sklep nazywa się Kwiaty Basi."

    eraser = bearer(token_for(any_db, "erase"))
    erased = client.post("/api/v1/merchants/m-1001/erase", headers=eraser)
    assert erased.status_code == 200 and erased.json["recordings_deleted"] == 1
    assert not made.recording.exists()
    again = client.post("/api/v1/merchants/m-1001/erase", headers=eraser)
    assert again.status_code == 404  # the external id itself was erased
    after = client.get(f"/api/v1/calls/{made.call_id}", headers=reader).json
    assert after["turns"] == [] and not after["has_recording"]


def test_rate_limit_per_token(settings, db):
    app = make_app(with_overrides(settings, api={"rate_limit_per_minute": 3}), db)
    client = app.test_client()
    first, second = bearer(token_for(db, "export")), bearer(token_for(db, "export"))
    answers = [client.get("/api/v1/store-configs", headers=first) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    assert answers[3].json["error"]["code"] == "rate_limited"
    assert int(answers[3].headers["Retry-After"]) >= 1
    # Buckets are per token: another token is not slowed down.
    assert client.get("/api/v1/store-configs", headers=second).status_code == 200
