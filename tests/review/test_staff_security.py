"""Staff sessions and logins as an attacker sees them (issue 15, items 4, 7, 8 and 9):
sessions end on the server, every failed login looks alike, throttling slows guessing per
address and per account (state shared through the database) without locking staff out,
and the pages carry protective headers."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from voicebot.app import create_app
from voicebot.crm.models import FieldSource, StaffSession, utcnow
from voicebot.crm.staff import remove_staff, set_active, set_password
from voicebot.crm.store_configs import get_config, set_field

from .conftest import ADMIN, CSRF_PATTERN, REVIEWER, csrf_token, login


def attempt(client, email: str, password: str, address: str = "192.0.2.1"):
    page = client.get("/review/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/review/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def opens_calls(app, cookie: str) -> bool:
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/review/calls").status_code == 200


def test_sessions_last_as_configured_not_31_days(app):
    assert app.permanent_session_lifetime == timedelta(hours=8)
    client = app.test_client()
    answer = login(client, *REVIEWER)
    expires = client.get_cookie("session").expires
    assert timedelta(hours=7) < expires - utcnow() <= timedelta(hours=8, minutes=1)
    assert answer.status_code == 302


def test_a_session_expires_on_the_server_whatever_the_cookie_says(app, db):
    client = app.test_client()
    login(client, *REVIEWER)
    cookie = session_cookie(client)
    assert opens_calls(app, cookie)
    with db.session() as s:
        s.execute(update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert not opens_calls(app, cookie)


def test_logout_ends_the_session_for_every_copy_of_the_cookie(app):
    client = app.test_client()
    login(client, *REVIEWER)
    saved = session_cookie(client)
    page = client.get("/review/")
    client.post("/review/logout", data={"csrf_token": csrf_token(page.text)})
    assert not opens_calls(app, saved)


def test_password_change_disabling_and_removal_end_sessions(app, db):
    cookies = []
    for _ in range(3):
        client = app.test_client()
        login(client, *REVIEWER)
        cookies.append(session_cookie(client))
    admin = app.test_client()
    login(admin, *ADMIN)
    with db.session() as s:
        set_password(s, REVIEWER[0], "a brand new long password")
    assert not any(opens_calls(app, c) for c in cookies)
    assert opens_calls(app, session_cookie(admin))  # only that account's sessions end

    fresh = app.test_client()
    login(fresh, REVIEWER[0], "a brand new long password")
    with db.session() as s:
        set_active(s, REVIEWER[0], False)
        set_active(s, REVIEWER[0], True)  # enabling again does not revive old sessions
    assert not opens_calls(app, session_cookie(fresh))

    admin_cookie = session_cookie(admin)
    with db.session() as s:
        remove_staff(s, ADMIN[0])
    assert not opens_calls(app, admin_cookie)


def test_every_failed_login_answers_alike_in_words_and_time(app, db):
    with db.session() as s:
        set_active(s, ADMIN[0], False)
    cases = {
        "unknown": ("nobody@example.com", "some password"),
        "wrong password": (REVIEWER[0], "not the password"),
        "disabled": ADMIN,  # the right password of a disabled account
    }
    bodies, times = {}, {}
    for index, (name, (email, password)) in enumerate(cases.items()):
        client = app.test_client()
        durations = []
        for round_ in range(2):  # under the free failures: nothing is throttled yet
            address = f"198.51.100.{index * 10 + round_}"
            page = client.get("/review/login", environ_base={"REMOTE_ADDR": address})
            started = time.perf_counter()
            answer = client.post(
                "/review/login",
                data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
                environ_base={"REMOTE_ADDR": address},
            )
            durations.append(time.perf_counter() - started)
            assert answer.status_code == 401
        bodies[name] = CSRF_PATTERN.sub("", answer.text.replace(email, "EMAIL"))
        times[name] = statistics.median(durations)
    assert len(set(bodies.values())) == 1
    assert "wrong e-mail or password" in bodies["unknown"]
    # Each failure verifies one argon2 hash: no path is an order of magnitude faster.
    assert max(times.values()) < 3 * min(times.values()), times


def test_guessing_from_one_address_is_slowed_whatever_the_accounts(app):
    client = app.test_client()
    statuses = [
        attempt(client, f"guess{i}@example.com", "password123", "203.0.113.9").status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]  # five free failures per address in these tests
    # Another address is not slowed down.
    assert attempt(app.test_client(), *REVIEWER, address="203.0.113.10").status_code == 302


def test_an_account_under_attack_is_slowed_but_its_owner_gets_in(app):
    owner = app.test_client()
    assert attempt(owner, *ADMIN, address="192.0.2.50").status_code == 302  # owner's browser
    owner.post("/review/logout", data={"csrf_token": csrf_token(owner.get("/review/").text)})
    attacker = app.test_client()
    for i in range(3):  # from different addresses: the account's own count
        assert attempt(attacker, ADMIN[0], f"guess {i}", f"203.0.113.{i}").status_code == 401
    blocked = attempt(attacker, *ADMIN, address="203.0.113.99")
    assert blocked.status_code == 429  # even the right password waits, from a new browser
    # Unknown accounts are throttled exactly alike: throttling reveals nothing.
    for i in range(3):
        assert attempt(attacker, "ghost@example.com", "x" * 12, f"203.0.114.{i}").status_code == 401
    assert attempt(attacker, "ghost@example.com", "x" * 12, "203.0.114.99").status_code == 429
    # The owner's browser carries its device cookie: not locked out.
    assert attempt(owner, *ADMIN, address="192.0.2.50").status_code == 302
    assert owner.get("/review/calls").status_code == 200


def test_throttling_is_shared_by_every_server_process(app, web_settings, db):
    first, second = app, create_app(web_settings, db)
    second.config["TESTING"] = True
    for i in range(3):
        client = first.test_client()
        assert attempt(client, REVIEWER[0], f"wrong {i}", f"192.0.2.{i}").status_code == 401
    assert attempt(second.test_client(), *REVIEWER, address="192.0.2.77").status_code == 429


def test_pages_with_personal_data_carry_protective_headers(app, recorded_call):
    client = app.test_client()
    login(client, *REVIEWER)
    for url in (
        "/review/login",
        "/review/calls",
        f"/review/calls/{recorded_call.call_id}",
        f"/review/calls/{recorded_call.call_id}/recording",
        f"/review/merchants/{recorded_call.merchant_id}",
    ):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, url
        assert "object-src 'none'" in csp and "script-src 'self'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store", url
    static = client.get("/review/static/review.css").headers
    assert static["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in static.get("Cache-Control", "")


@pytest.mark.parametrize("logged_in", [True, False], ids=["logged in", "logged out"])
def test_every_review_answer_carries_the_headers_errors_included(app, logged_in):
    """Not only the pages a view renders: a URL no route matches (werkzeug's own 404, which
    a blueprint's after_request never sees), an id no converter takes, a missing row, a
    wrong method, a refused NUL byte and the bare /review."""
    client = app.test_client()
    if logged_in:
        login(client, *REVIEWER)
    answers = {
        "/review/no-such-page": 404,
        f"/review/calls/{'9' * 30}": 404,
        "/review/calls/2000000000": 404 if logged_in else 302,
        "/review/logout": 405,
        "/review/calls?q=a%00b": 400,
        "/review": 308,
        "/review/static/no-such.css": 404,
    }
    for url, status in answers.items():
        answer = client.get(url)
        assert answer.status_code == status, (url, answer.status_code)
        assert "frame-ancestors 'none'" in answer.headers.get("Content-Security-Policy", ""), url
        assert answer.headers.get("X-Frame-Options") == "DENY", url
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", url
        assert answer.headers.get("Cache-Control") == "no-store", url


def test_hostile_numbers_and_bytes_on_review_pages(app):
    client = app.test_client()
    login(client, *REVIEWER)
    assert client.get("/review/calls?page=²").status_code == 200
    assert client.get(f"/review/calls?page={'9' * 5000}").status_code == 200
    assert client.get("/review/merchants?page=²").status_code == 200
    assert client.get(f"/review/calls/{'9' * 30}").status_code == 404
    assert client.get("/review/calls/2147483648").status_code == 404
    assert client.get(f"/review/merchants/{'9' * 30}").status_code == 404
    nul = client.get("/review/calls?q=a%00b")
    assert nul.status_code == 400 and "NUL" in nul.text


@pytest.mark.parametrize(
    "query",
    [
        "date_to=9999-12-31",  # the day after it is past date.max
        "date_from=0001-01-01&date_to=9999-12-31",
        "date_from=9999-12-31",
        "date_from=0001-01-01",
    ],
)
def test_dates_at_the_ends_of_the_calendar_filter_calls(app, recorded_call, query):
    client = app.test_client()
    login(client, *REVIEWER)
    answer = client.get(f"/review/calls?{query}")
    assert answer.status_code == 200, answer.text[:300]
    listed = f"/review/calls/{recorded_call.call_id}" in answer.text
    assert listed is (query != "date_from=9999-12-31")


def _edit(client, merchant_id: int, name: str, value: str):
    url = f"/review/merchants/{merchant_id}"
    token = csrf_token(client.get(url).text)
    client.post(f"{url}/fields/{name}", data={"value": value, "csrf_token": token, "next": url})
    return client.get(url).text


@pytest.mark.parametrize(
    "typed",
    ["²", "9" * 5000, "\u0661\u0662", "-5", "1_000", "12 approx", "9" * 30],
    ids=["superscript", "5000 digits", "arabic-indic", "negative", "underscore", "words", "30"],
)
def test_a_number_field_takes_only_a_bounded_whole_number(app, db, recorded_call, typed):
    """The review edit parses numbers with the one integer parser: what int() would take
    (Arabic-Indic digits, "1_000", "-5") or turn into text (²) is refused with a message
    naming the field, and the stored number stays as it was."""
    with db.session() as s:
        set_field(s, recorded_call.merchant_id, "product_count", 120, source=FieldSource.STAFF)
    client = app.test_client()
    login(client, *REVIEWER)
    page = _edit(client, recorded_call.merchant_id, "product_count", typed)
    assert "Product count must be a whole number" in page
    with db.session() as s:
        assert get_config(s, recorded_call.merchant_id).as_dict()["product_count"] == 120


def test_a_number_field_takes_digits_and_thousands_spaces(app, db, recorded_call):
    with db.session() as s:
        set_field(s, recorded_call.merchant_id, "product_count", 120, source=FieldSource.STAFF)
    client = app.test_client()
    login(client, *REVIEWER)
    _edit(client, recorded_call.merchant_id, "product_count", " 1 200 ")
    with db.session() as s:
        assert get_config(s, recorded_call.merchant_id).as_dict()["product_count"] == 1200
    _edit(client, recorded_call.merchant_id, "product_count", "")  # empty clears it
    with db.session() as s:
        assert get_config(s, recorded_call.merchant_id).as_dict()["product_count"] is None


def test_staff_commands_change_a_password_and_remove_an_account(app, web_settings):
    from click.testing import CliRunner

    from voicebot.cli import cli

    client = app.test_client()
    login(client, *REVIEWER)
    cookie = session_cookie(client)
    env = {
        "VOICEBOT_CONFIG": str(Path(__file__).resolve().parents[2] / "config.yml"),
        "VOICEBOT_DATABASE_URL": web_settings.database.url,
    }
    runner = CliRunner()
    changed = runner.invoke(
        cli,
        ["staff", "password", REVIEWER[0], "--password-stdin"],
        input="another long password\n",
        env=env,
    )
    assert changed.exit_code == 0, changed.output
    assert "sessions have ended" in changed.output
    assert not opens_calls(app, cookie)
    assert attempt(app.test_client(), REVIEWER[0], "another long password").status_code == 302
    removed = runner.invoke(cli, ["staff", "remove", REVIEWER[0]], env=env)
    assert removed.exit_code == 0
    assert attempt(app.test_client(), REVIEWER[0], "another long password").status_code == 401
