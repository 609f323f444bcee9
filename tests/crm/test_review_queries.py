"""The review queries, staff accounts and lockout against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fixtures.review.builder import build_call, build_many

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


def test_call_detail_links_fields_to_turns(any_db):
    made = build_call(any_db, None)
    with any_db.session() as s:
        detail = get_call_detail(s, made.call_id)
    assert detail is not None
    assert [t.index for t in detail.turns] == list(range(7))
    assert detail.field_turns == {"store_name": 1, "industry": 3, "tax_id": 5}
    assert {f.name for f in detail.config.fields if f.flagged} == {"tax_id"}


def test_staff_lockout_after_repeated_failures(any_db):
    with any_db.session() as s:
        add_staff(s, "Rita@Example.com", "correct horse battery", role=StaffRole.ADMIN)
        with pytest.raises(StaffError):
            add_staff(s, "rita@example.com", "another long password")
        with pytest.raises(StaffError):
            add_staff(s, "short@example.com", "short")
    lock = {"max_failures": 3, "lockout": timedelta(minutes=15)}
    for _ in range(3):
        with any_db.session() as s:
            attempt = check_login(s, "rita@example.com", "wrong password!", now=NOW, **lock)
            assert not attempt.ok
    # Locked now: even the right password is refused until the lockout ends.
    with any_db.session() as s:
        attempt = check_login(s, "rita@example.com", "correct horse battery", now=NOW, **lock)
        assert attempt.user is None and "locked" in attempt.error
    with any_db.session() as s:
        later = NOW + timedelta(minutes=16)
        attempt = check_login(s, "RITA@example.com", "correct horse battery", now=later, **lock)
        assert attempt.ok and attempt.user.role is StaffRole.ADMIN
        assert attempt.user.failed_logins == 0
        set_active(s, "rita@example.com", False)
    with any_db.session() as s:
        attempt = check_login(s, "rita@example.com", "correct horse battery", now=later, **lock)
        assert attempt.error == "this account is disabled"
    with any_db.session() as s:
        assert check_login(s, "nobody@example.com", "x", **lock).error == "wrong e-mail or password"
