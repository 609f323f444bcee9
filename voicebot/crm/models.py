"""The CRM schema: merchants, calls, turns, store configurations, events and the people
and programs that use them. Every table change comes with an Alembic revision."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The call and merchant states live below the CRM so the scheduling rules can use them.
from voicebot.scheduling.states import CallOutcome, CallStatus, MerchantStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend: stored in UTC, naive ones refused
    (SQLite would silently drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the CRM; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings so adding a value never needs a database enum migration.
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Speaker(enum.StrEnum):
    BOT = "bot"
    MERCHANT = "merchant"


class ConfigStatus(enum.StrEnum):
    DRAFT = "draft"
    COMPLETE = "complete"
    APPROVED = "approved"
    REJECTED = "rejected"


class FieldSource(enum.StrEnum):
    CALL = "call"
    STAFF = "staff"
    API = "api"
    PREFILL = "prefill"
    IMPORT = "import"


class StaffRole(enum.StrEnum):
    REVIEWER = "reviewer"
    ADMIN = "admin"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Merchant(TimestampMixin, Base):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    company_name: Mapped[str | None] = mapped_column(String(256))
    contact_name: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(320))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    language: Mapped[str] = mapped_column(String(8), default="pl")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Warsaw")
    status: Mapped[MerchantStatus] = mapped_column(
        _enum(MerchantStatus), default=MerchantStatus.NEW, index=True
    )
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None]
    # Legal basis for automated calls: where and when the merchant agreed, and to what.
    consent_source: Mapped[str | None] = mapped_column(String(128))
    consent_at: Mapped[datetime | None]
    consent_text: Mapped[str | None] = mapped_column(Text)
    # What the platform already knows from sign-up (store name, e-mail, tax id, ...).
    signup_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_call_at: Mapped[datetime | None] = mapped_column(index=True)
    callback_requested_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    erased_at: Mapped[datetime | None]

    calls: Mapped[list[Call]] = relationship(
        back_populates="merchant", order_by="Call.id", cascade="all, delete-orphan"
    )
    store_config: Mapped[StoreConfig | None] = relationship(
        back_populates="merchant", cascade="all, delete-orphan"
    )


class Call(TimestampMixin, Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    twilio_call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[CallStatus] = mapped_column(
        _enum(CallStatus), default=CallStatus.QUEUED, index=True
    )
    # The Timestamp of the last status callback applied, so retries and late ones are ignored.
    status_updated_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(32))  # Twilio AnsweredBy
    language: Mapped[str | None] = mapped_column(String(8))
    started_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[CallOutcome | None] = mapped_column(_enum(CallOutcome), index=True)
    recording_path: Mapped[str | None] = mapped_column(String(512))
    tracker: Mapped[dict[str, Any] | None]  # the dialog tracker, saved every turn
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the secret the TwiML hands to this call's media stream; the stream's `start`
    # must carry it, and only one stream may ever start (stream_started_at claims it).
    stream_token_hash: Mapped[str | None] = mapped_column(String(64))
    stream_started_at: Mapped[datetime | None]

    merchant: Mapped[Merchant] = relationship(back_populates="calls")
    turns: Mapped[list[Turn]] = relationship(
        back_populates="call", order_by="Turn.index", cascade="all, delete-orphan"
    )


class Turn(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("call_id", "index", name="uq_turns_call_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[Speaker] = mapped_column(_enum(Speaker))
    text: Mapped[str] = mapped_column(Text, default="")
    asr_confidence: Mapped[float | None] = mapped_column(Float)
    asr_alternatives: Mapped[list[Any] | None]
    words: Mapped[list[Any] | None]  # word timings and confidences from the recogniser
    intent: Mapped[str | None] = mapped_column(String(128))
    start_ms: Mapped[int | None] = mapped_column(Integer)  # offset from the call's start
    end_ms: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)  # end of speech to bot audio
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False)  # bot cut off by barge-in
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    call: Mapped[Call] = relationship(back_populates="turns")


class StoreConfig(TimestampMixin, Base):
    __tablename__ = "store_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), unique=True)
    status: Mapped[ConfigStatus] = mapped_column(
        _enum(ConfigStatus), default=ConfigStatus.DRAFT, index=True
    )
    last_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    reviewer: Mapped[str | None] = mapped_column(String(256))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)

    merchant: Mapped[Merchant] = relationship(back_populates="store_config")
    fields: Mapped[list[ConfigField]] = relationship(
        back_populates="store_config", order_by="ConfigField.name", cascade="all, delete-orphan"
    )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: f.value for f in self.fields}


class ConfigField(Base):
    __tablename__ = "config_fields"
    __table_args__ = (UniqueConstraint("store_config_id", "name", name="uq_config_fields_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_config_id: Mapped[int] = mapped_column(ForeignKey("store_configs.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id", ondelete="SET NULL"))
    source: Mapped[FieldSource] = mapped_column(_enum(FieldSource), default=FieldSource.CALL)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # skipped or unsure: review it
    updated_by: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    store_config: Mapped[StoreConfig] = relationship(back_populates="fields")
    history: Mapped[list[ConfigFieldHistory]] = relationship(
        back_populates="field", order_by="ConfigFieldHistory.id", cascade="all, delete-orphan"
    )


class ConfigFieldHistory(Base):
    """Every value a field ever had, so no update silently overwrites another."""

    __tablename__ = "config_field_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("config_fields.id"), index=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    source: Mapped[FieldSource] = mapped_column(_enum(FieldSource))
    actor: Mapped[str | None] = mapped_column(String(256))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    field: Mapped[ConfigField] = relationship(back_populates="history")


class Event(Base):
    """The append-only audit log: what happened, to whom, by whom, with before/after data."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(256), default="system")
    merchant_id: Mapped[int | None] = mapped_column(
        ForeignKey("merchants.id", ondelete="SET NULL"), index=True
    )
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DoNotCall(Base):
    """Numbers that must never be called again, whoever they belong to now."""

    __tablename__ = "do_not_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str | None] = mapped_column(String(256))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(256))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole), default=StaffRole.REVIEWER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]


class StaffSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    logout, a password change or removing the account ends the session on the server."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed logins per client address and per account name (hashed), shared by every
    server process: each failure past the allowance doubles the wait before the next try."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown in listings
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)  # SHA-256 of the token
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1024))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
