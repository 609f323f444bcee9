"""The review pages through Flask's test client against a real SQLite database and a real
espeak-ng recording: login, CSRF, roles, lists, the call page, audio ranges, changes."""

from __future__ import annotations

from sqlalchemy import select

from voicebot.crm.models import ConfigStatus, Event, StoreConfig

from .conftest import ADMIN, REVIEWER, csrf_token, login


def test_pages_need_login_and_login_sets_a_safe_cookie(app):
    client = app.test_client()
    assert client.get("/review/calls").status_code == 302
    answer = login(client, *REVIEWER)
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/review/").status_code == 200


def test_forms_without_csrf_token_are_refused(app):
    client = app.test_client()
    answer = client.post("/review/login", data={"email": REVIEWER[0], "password": REVIEWER[1]})
    assert answer.status_code == 400 and "CSRF" in answer.text
    assert client.get("/review/").status_code == 302  # still logged out


def test_repeated_failed_logins_are_throttled_not_locked(app):
    client = app.test_client()
    for _ in range(3):  # login_free_failures_per_account is 3 in these tests
        assert login(client, REVIEWER[0], "not the password").status_code == 401
    answer = login(client, *REVIEWER)
    assert answer.status_code == 429 and "try again in 30 seconds" in answer.text
    assert answer.headers["Retry-After"] == "30"


def test_call_page_shows_transcript_confidence_and_linked_fields(app, recorded_call):
    client = app.test_client()
    login(client, *REVIEWER)
    page = client.get(f"/review/calls/{recorded_call.call_id}").text
    assert "Kwiaty Basi" in page and "Sprzedaję" in page
    assert 'class="word low" title="confidence 0.38">doniczkowe</span>' in page
    assert "ASR 52%" in page  # the NIP turn's confidence
    assert 'data-turn="5"' in page  # tax_id links to the turn it came from
    assert f"/review/calls/{recorded_call.call_id}/recording" in page


def test_recording_is_served_with_range_support(app, recorded_call):
    client = app.test_client()
    login(client, *REVIEWER)
    url = f"/review/calls/{recorded_call.call_id}/recording"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.data[:4] == b"RIFF"
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and len(part.data) == 1000
    assert part.data == whole.data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(whole.data)}"


def test_edit_and_approve_are_audited_with_before_and_after(app, db, recorded_call):
    client = app.test_client()
    login(client, *REVIEWER)
    call_url = f"/review/calls/{recorded_call.call_id}"
    token = csrf_token(client.get(call_url).text)
    edited = client.post(
        f"/review/merchants/{recorded_call.merchant_id}/fields/tax_id",
        data={"value": "526-000-12-46", "csrf_token": token, "next": call_url},
    )
    assert edited.status_code == 302 and edited.headers["Location"] == call_url
    approved = client.post(
        f"/review/merchants/{recorded_call.merchant_id}/approve",
        data={"csrf_token": token, "next": call_url},
    )
    assert approved.status_code == 302
    with db.session() as s:
        config = s.scalar(select(StoreConfig))
        assert config.status is ConfigStatus.APPROVED and config.reviewer == REVIEWER[0]
        assert config.as_dict()["tax_id"] == "526-000-12-46"
        events = {e.kind: e for e in s.scalars(select(Event).where(Event.actor == REVIEWER[0]))}
    edit = events["config.field_set"]
    assert (edit.data["before"], edit.data["after"]) == ("5260001246", "526-000-12-46")
    assert (events["config.approved"].data["before"], events["config.approved"].data["after"]) == (
        "draft",
        "approved",
    )
    page = client.get(call_url).text
    assert "526-000-12-46" in page and "approved" in page


def test_reviewer_cannot_erase_but_admin_can(app, db, recorded_call):
    reviewer = app.test_client()
    login(reviewer, *REVIEWER)
    url = f"/review/merchants/{recorded_call.merchant_id}"
    token = csrf_token(reviewer.get(url).text)
    assert (
        reviewer.post(url + "/erase", data={"csrf_token": token, "confirm": "ERASE"}).status_code
        == 403
    )
    admin = app.test_client()
    login(admin, *ADMIN)
    token = csrf_token(admin.get(url).text)
    assert (
        admin.post(url + "/erase", data={"csrf_token": token, "confirm": "ERASE"}).status_code
        == 302
    )
    assert not recorded_call.recording.exists()
    page = admin.get(url).text
    assert "Kwiaty Basi" not in page and "erased" in page


def test_calls_list_filters_and_bad_input(app, db):
    from fixtures.review.builder import build_many

    build_many(db, 30)
    client = app.test_client()
    login(client, *REVIEWER)
    first = client.get("/review/calls").text
    assert "Page 1 of 2" in first
    found = client.get("/review/calls?q=numer+004").text
    assert "Sklep numer 004" in found and "Sklep numer 005" not in found
    bad = client.get("/review/calls?outcome=nonsense&date_from=yesterday")
    assert bad.status_code == 200
    assert "Unknown outcome" in bad.text and "is not a date" in bad.text
    merchants = client.get("/review/merchants?q=numer+004").text
    assert "Sklep numer 004" in merchants


def test_call_page_shows_what_the_merchant_was_told_and_when(app, db, recorded_call):
    from voicebot.crm.events import record_event

    with db.session() as s:
        record_event(
            s,
            "call.disclosure",
            actor="voicebot",
            merchant_id=recorded_call.merchant_id,
            call_id=recorded_call.call_id,
            offset_ms=1500,
            heard_at_ms=9200,
            text="Jestem wirtualnym asystentem. Rozmowa jest nagrywana.",
        )
    client = app.test_client()
    login(client, *REVIEWER)
    page = client.get(f"/review/calls/{recorded_call.call_id}").text
    section = page[page.index('id="disclosures"') :]
    assert 'data-start="1.5"' in section
    assert "Jestem wirtualnym asystentem. Rozmowa jest nagrywana." in section
    assert "No disclosure was heard" not in section
