"""Queries behind the staff review pages: the call list with its filters, one call with
everything a reviewer needs, merchants, and the dashboard figures."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from voicebot.crm.events import record_event
from voicebot.crm.models import (
    Call,
    CallOutcome,
    CallStatus,
    ConfigField,
    Event,
    FieldSource,
    Merchant,
    StoreConfig,
    Turn,
    utcnow,
)

CALL_SORTS = {
    "started": func.coalesce(Call.started_at, Call.created_at),
    "duration": Call.duration_s,
    "merchant": Merchant.company_name,
    "status": Call.status,
    "outcome": Call.outcome,
}
HUMAN_CALLBACK = "merchant.human_callback_requested"


@dataclass(frozen=True)
class CallFilter:
    status: CallStatus | None = None
    outcome: CallOutcome | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    timezone: tzinfo = UTC  # whose days date_from and date_to are (the staff's)
    needs_review: bool | None = None
    search: str | None = None
    merchant_id: int | None = None
    sort: str = "started"
    descending: bool = True


@dataclass
class Page:
    items: list[Any]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def _day_start(day: date, tz: tzinfo = UTC) -> datetime:
    """Midnight starting ``day`` where the staff are (in UTC, as the database compares)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    try:
        return midnight.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it: the calendar's end
        return (datetime.min if day.year == 1 else datetime.max).replace(tzinfo=UTC)


def _filtered_calls(flt: CallFilter) -> Select[Any]:
    started = func.coalesce(Call.started_at, Call.created_at)
    query = select(Call).join(Merchant, Call.merchant_id == Merchant.id)
    if flt.status is not None:
        query = query.where(Call.status == flt.status)
    if flt.outcome is not None:
        query = query.where(Call.outcome == flt.outcome)
    if flt.language:
        query = query.where(func.coalesce(Call.language, Merchant.language) == flt.language)
    if flt.date_from is not None:
        query = query.where(started >= _day_start(flt.date_from, flt.timezone))
    if flt.date_to is not None and flt.date_to < date.max:  # date.max: no day after it
        query = query.where(started < _day_start(flt.date_to + timedelta(days=1), flt.timezone))
    if flt.needs_review is not None:
        query = query.where(Call.needs_review.is_(flt.needs_review))
    if flt.merchant_id is not None:
        query = query.where(Call.merchant_id == flt.merchant_id)
    if flt.search:
        text = flt.search.strip().lower()
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions = [
            func.lower(Merchant.company_name).contains(text, autoescape=True),
            func.lower(Merchant.contact_name).contains(text, autoescape=True),
        ]
        if len(digits) >= 3:  # "601 234 567" finds +48601234567
            conditions.append(Merchant.phone.contains(digits, autoescape=True))
        query = query.where(or_(*conditions))
    return query


def list_calls(session: Session, flt: CallFilter, *, page: int = 1, page_size: int = 25) -> Page:
    query = _filtered_calls(flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / page_size))))
    key = CALL_SORTS.get(flt.sort, CALL_SORTS["started"])
    order = key.desc().nulls_last() if flt.descending else key.asc().nulls_last()
    rows = session.scalars(
        query.options(selectinload(Call.merchant))
        .order_by(order, Call.id.desc() if flt.descending else Call.id.asc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return Page(list(rows), page, page_size, total)


@dataclass
class CallDetail:
    call: Call
    merchant: Merchant
    turns: list[Turn]
    config: StoreConfig | None
    field_turns: dict[str, int]  # field name -> turn index it came from
    audit: list[Event]
    human_callback: Event | None
    other_calls: list[Call] = field(default_factory=list)
    disclosures: list[Event] = field(default_factory=list)  # what the merchant was told, when


def get_call_detail(session: Session, call_id: int) -> CallDetail | None:
    call = session.scalar(
        select(Call)
        .where(Call.id == call_id)
        .options(selectinload(Call.turns), selectinload(Call.merchant))
    )
    if call is None:
        return None
    merchant = call.merchant
    config = session.scalar(
        select(StoreConfig)
        .where(StoreConfig.merchant_id == merchant.id)
        .options(selectinload(StoreConfig.fields).selectinload(ConfigField.history))
    )
    turn_index = {t.id: t.index for t in call.turns}
    field_turns = {
        f.name: turn_index[f.turn_id]
        for f in (config.fields if config else [])
        if f.turn_id in turn_index
    }
    audit = list(
        session.scalars(
            select(Event)
            .where(
                Event.merchant_id == merchant.id,
                Event.kind.like("config.%") | (Event.kind == HUMAN_CALLBACK),
            )
            .order_by(Event.id.desc())
            .limit(100)
        )
    )
    return CallDetail(
        call=call,
        merchant=merchant,
        turns=list(call.turns),
        config=config,
        field_turns=field_turns,
        audit=audit,
        human_callback=pending_human_callback(session, merchant.id),
        other_calls=[c for c in merchant.calls if c.id != call.id],
        disclosures=list(
            session.scalars(
                select(Event)
                .where(Event.call_id == call.id, Event.kind == "call.disclosure")
                .order_by(Event.id)
            )
        ),
    )


def request_human_callback(
    session: Session,
    merchant_id: int,
    *,
    actor: str,
    note: str | None = None,
    call_id: int | None = None,
) -> Event:
    """Staff ask a person (not the bot) to phone the merchant back."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise LookupError(f"no merchant {merchant_id}")
    before = merchant.callback_requested_at
    merchant.callback_requested_at = utcnow()
    return record_event(
        session,
        HUMAN_CALLBACK,
        actor=actor,
        merchant_id=merchant_id,
        call_id=call_id,
        before=before.isoformat() if before else None,
        after=merchant.callback_requested_at.isoformat(),
        note=note,
    )


def pending_human_callback(session: Session, merchant_id: int) -> Event | None:
    return session.scalar(
        select(Event)
        .where(Event.merchant_id == merchant_id, Event.kind == HUMAN_CALLBACK)
        .order_by(Event.id.desc())
        .limit(1)
    )


def mark_calls_reviewed(session: Session, merchant_id: int) -> int:
    calls = session.scalars(
        select(Call).where(Call.merchant_id == merchant_id, Call.needs_review.is_(True))
    ).all()
    for call in calls:
        call.needs_review = False
    return len(calls)


def list_merchants_page(
    session: Session,
    *,
    search: str | None = None,
    opted_out: bool | None = None,
    page: int = 1,
    page_size: int = 25,
) -> Page:
    query = select(Merchant)
    if search:
        text = search.strip().lower()
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions = [
            func.lower(Merchant.company_name).contains(text, autoescape=True),
            func.lower(Merchant.contact_name).contains(text, autoescape=True),
            Merchant.external_id == search.strip(),
        ]
        if len(digits) >= 3:
            conditions.append(Merchant.phone.contains(digits, autoescape=True))
        query = query.where(or_(*conditions))
    if opted_out is not None:
        query = query.where(Merchant.opted_out.is_(opted_out))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / page_size))))
    rows = session.scalars(
        query.options(selectinload(Merchant.store_config))
        .order_by(Merchant.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return Page(list(rows), page, page_size, total)


@dataclass
class MerchantDetail:
    merchant: Merchant
    calls: list[Call]
    config: StoreConfig | None
    events: list[Event]


def get_merchant_detail(session: Session, merchant_id: int) -> MerchantDetail | None:
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        return None
    calls = list(
        session.scalars(
            select(Call).where(Call.merchant_id == merchant_id).order_by(Call.id.desc())
        )
    )
    config = session.scalar(
        select(StoreConfig)
        .where(StoreConfig.merchant_id == merchant_id)
        .options(selectinload(StoreConfig.fields))
    )
    events = list(
        session.scalars(
            select(Event)
            .where(Event.merchant_id == merchant_id)
            .order_by(Event.id.desc())
            .limit(200)
        )
    )
    return MerchantDetail(merchant, calls, config, events)


@dataclass
class DayCount:
    day: date
    calls: int
    completed: int


@dataclass
class Dashboard:
    calls_today: int
    completed_today: int
    completion_rate: float | None  # completed / answered calls over the period
    average_duration_s: float | None
    fields_collected: int  # field values the bot collected over the period
    needs_review: int
    days: list[DayCount]
    outcomes: dict[str, int]


def dashboard(session: Session, *, today: date, days: int = 14, tz: tzinfo = UTC) -> Dashboard:
    """Figures for the last `days` days up to and including `today`, days as the staff in
    `tz` live them (at 23:30 UTC a Warsaw call is the next day's)."""
    first = today - timedelta(days=days - 1)
    since = _day_start(first, tz)
    started = func.coalesce(Call.started_at, Call.created_at)
    rows = session.execute(
        select(started, Call.outcome, Call.duration_s, Call.answered_at).where(started >= since)
    ).all()
    per_day = {first + timedelta(days=i): [0, 0] for i in range(days)}
    outcomes: Counter[str] = Counter()
    durations: list[int] = []
    answered = completed = 0
    for at, outcome, duration, answered_at in rows:
        day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz).date()
        if day in per_day:
            per_day[day][0] += 1
            per_day[day][1] += outcome is CallOutcome.COMPLETED
        if outcome is not None:
            outcomes[outcome.value] += 1
        if duration:
            durations.append(duration)
        if answered_at is not None or outcome in _ANSWERED:
            answered += 1
            completed += outcome is CallOutcome.COMPLETED
    fields = (
        session.scalar(
            select(func.count(ConfigField.id)).where(
                ConfigField.source == FieldSource.CALL, ConfigField.updated_at >= since
            )
        )
        or 0
    )
    needs_review = (
        session.scalar(select(func.count(Call.id)).where(Call.needs_review.is_(True))) or 0
    )
    return Dashboard(
        calls_today=per_day[today][0],
        completed_today=per_day[today][1],
        completion_rate=completed / answered if answered else None,
        average_duration_s=sum(durations) / len(durations) if durations else None,
        fields_collected=fields,
        needs_review=needs_review,
        days=[DayCount(day, c, done) for day, (c, done) in sorted(per_day.items())],
        outcomes=dict(outcomes.most_common()),
    )


# Outcomes that mean a person (not a machine, not silence on the line) took the call.
_ANSWERED = {
    CallOutcome.COMPLETED,
    CallOutcome.PARTIAL,
    CallOutcome.CALLBACK_REQUESTED,
    CallOutcome.HUMAN_REQUESTED,
    CallOutcome.OPTED_OUT,
    CallOutcome.HUNG_UP,
    CallOutcome.NOT_UNDERSTOOD,
}
