"""The review queries, staff accounts and login throttling against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fixtures.review.builder import build_call, build_many

from voicebot.crm.login_throttle import (
    ThrottleRule,
    forget,
    record_failure,
    seconds_to_wait,
    throttle_key,
)
from voicebot.crm.models import CallOutcome, StaffRole
from voicebot.crm.review_queries import CallFilter, dashboard, get_call_detail, list_calls
from voicebot.crm.staff import StaffError, add_staff, check_login, set_active

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_call_filters_search_sort_and_pages(any_db):
    build_many(any_db, 12, start=NOW)
    with any_db.session() as s:
        everything = list_calls(s, CallFilter(), page_size=5)
        assert (everything.total, everything.pages, len(everything.items)) == (12, 3, 5)
        last = list_calls(s, CallFilter(), page=3, page_size=5)
        assert len(last.items) == 2
        newest_first = [c.started_at for c in everything.items]
        assert newest_first == sorted(newest_first, reverse=True)

        completed = list_calls(s, CallFilter(outcome=CallOutcome.COMPLETED))
        assert completed.total == 3
        assert {c.outcome for c in completed.items} == {CallOutcome.COMPLETED}
        english = list_calls(s, CallFilter(language="en"))
        assert english.total == 4
        review = list_calls(s, CallFilter(needs_review=True))
        assert review.total == 6 and all(c.needs_review for c in review.items)
        by_name = list_calls(s, CallFilter(search="NUMER 007"))
        assert [c.merchant.company_name for c in by_name.items] == ["Sklep numer 007"]
        by_phone = list_calls(s, CallFilter(search="601 00 0011"))
        assert [c.merchant.phone for c in by_phone.items] == ["+48601000011"]
        today = list_calls(s, CallFilter(date_from=NOW.date(), date_to=NOW.date()))
        assert today.total == 3  # started at 15:00, 09:00 and 03:00
        oldest_first = list_calls(s, CallFilter(descending=False), page_size=3)
        assert oldest_first.items[0].merchant.company_name == "Sklep numer 011"


def test_dashboard_figures(any_db):
    build_many(any_db, 8, start=NOW)
    with any_db.session() as s:
        board = dashboard(s, today=NOW.date(), days=7)
    assert board.calls_today == 3
    assert len(board.days) == 7 and sum(d.calls for d in board.days) == 8
    # outcomes cycle completed, partial, hung_up, none: 2 completed of 6 answered
    assert board.completion_rate == pytest.approx(2 / 6)
    assert board.needs_review == 4
    assert board.fields_collected == 8  # one store_name field per merchant
    assert board.average_duration_s and board.average_duration_s > 1


def test_days_are_the_staffs_days(any_db):
    """Calls every 6 hours back from 15:00 UTC: in Tokyo (UTC+9) that 15:00 is already the
    next day, so "today" and a day's filter count the calls of Tokyo's day, not UTC's."""
    build_many(any_db, 8, start=NOW)
    tokyo = ZoneInfo("Asia/Tokyo")
    day = NOW.date()  # 2026-11-23
    with any_db.session() as s:
        assert dashboard(s, today=day, days=7, tz=tokyo).calls_today == 4
        assert dashboard(s, today=day + timedelta(days=1), days=7, tz=tokyo).calls_today == 1
        that_day = list_calls(s, CallFilter(date_from=day, date_to=day, timezone=tokyo))
    started = sorted(c.started_at.astimezone(tokyo).date() for c in that_day.items)
    assert that_day.total == 4 and started == [day] * 4
    # the calendar's ends, where midnight there is outside what a datetime holds in UTC
    new_york = ZoneInfo("America/New_York")
    with any_db.session() as s:
        assert list_calls(s, CallFilter(date_from=date.min, timezone=tokyo)).total == 8
        assert list_calls(s, CallFilter(date_from=date.max, timezone=new_york)).total == 0


def test_call_detail_links_fields_to_turns(any_db):
    made = build_call(any_db, None)
    with any_db.session() as s:
        detail = get_call_detail(s, made.call_id)
    assert detail is not None
    assert [t.index for t in detail.turns] == list(range(7))
    assert detail.field_turns == {"store_name": 1, "industry": 3, "tax_id": 5}
    assert {f.name for f in detail.config.fields if f.flagged} == {"tax_id"}


def test_staff_logins_never_lock_and_fail_alike(any_db):
    with any_db.session() as s:
        add_staff(s, "Rita@Example.com", "correct horse battery", role=StaffRole.ADMIN)
        with pytest.raises(StaffError):
            add_staff(s, "rita@example.com", "another long password")
        with pytest.raises(StaffError):
            add_staff(s, "short@example.com", "short")
    for _ in range(10):
        with any_db.session() as s:
            assert not check_login(s, "rita@example.com", "wrong password!", now=NOW).ok
    # No lockout: the right password still works (throttling is the web layer's, by key).
    with any_db.session() as s:
        attempt = check_login(s, "RITA@example.com", "correct horse battery", now=NOW)
        assert attempt.ok and attempt.user.role is StaffRole.ADMIN
        set_active(s, "rita@example.com", False)
    failures = [
        ("rita@example.com", "correct horse battery"),  # disabled
        ("rita@example.com", "wrong password!"),
        ("nobody@example.com", "x"),
        ("nul\x00@example.com", "x\x00"),
    ]
    for email, password in failures:
        with any_db.session() as s:
            assert check_login(s, email, password, now=NOW).error == "wrong e-mail or password"


def test_login_throttle_is_shared_state_with_doubling_waits(any_db):
    rule = ThrottleRule(free_failures=2, first_wait_s=10, max_wait_s=25)
    key = throttle_key("account", "rita@example.com")
    waits = []
    for _ in range(5):
        with any_db.session() as s:
            record_failure(s, {key: rule}, now=NOW)
        with any_db.session() as s:
            waits.append(seconds_to_wait(s, [key], now=NOW))
    assert waits == [0, 10, 20, 25, 25]  # two free, then doubling up to the cap
    with any_db.session() as s:
        assert seconds_to_wait(s, [key], now=NOW + timedelta(seconds=26)) == 0
        forget(s, [key])
    with any_db.session() as s:
        record_failure(s, {key: rule}, now=NOW)
        assert seconds_to_wait(s, [key], now=NOW) == 0  # forgotten: free failures again
