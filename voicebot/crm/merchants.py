"""Merchants: normalising what the platform sends (phone numbers, countries, languages,
time zones, consent) and upserting by the platform's external id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from dateutil import parser as date_parser
from phonenumbers import timezone as phone_timezones
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from voicebot.crm.events import record_event
from voicebot.crm.models import Merchant, MerchantStatus
from voicebot.integers import parse_id
from voicebot.spoken_languages import spoken_languages

FALLBACK_TIMEZONE = "Europe/Warsaw"
# A mobile number of a country with several zones could be anywhere in it (phonenumbers lists
# them all, alphabetically: a Russian mobile gets "Asia/Almaty"): call it in the zone most of the
# country lives in. The platform's own timezone field overrides this.
MAIN_TIMEZONE = {
    "RU": "Europe/Moscow",
    "KZ": "Asia/Almaty",
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
}

# Sign-up facts that pre-fill the onboarding form (slot names of the dialog).
PREFILL_FIELDS = (
    "store_name",
    "industry",
    "product_count",
    "domain",
    "tax_id",
    "contact_email",
    "launch_date",
    "sales_channels",
    "payment_methods",
    "shipping_methods",
)
MERCHANT_FIELDS = (
    "external_id",
    "company_name",
    "contact_name",
    "phone",
    "email",
    "country",
    "language",
    "timezone",
    "consent_source",
    "consent_at",
    "consent_text",
)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class InvalidMerchant(ValueError):
    """A merchant record that cannot be stored; the message says why, for a person to fix."""


class InvalidField(InvalidMerchant):
    """A value that no column can hold (too long, a NUL byte): refused at the edge, before
    the database answers with an error that names nothing."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


# The longest text each field may have: the merchants column's own length, so the check is
# true by construction; sign-up facts and the consent text live in JSON/TEXT, capped here.
TEXT_LIMITS: dict[str, int] = {
    **{
        name: getattr(column.type, "length")  # noqa: B009 (not every column type has one)
        for name, column in Merchant.__table__.columns.items()
        if name in MERCHANT_FIELDS and getattr(column.type, "length", None)
    },
    "phone": 64,  # as typed, before it becomes E.164
    "consent_text": 10_000,
}
PREFILL_TEXT_LIMIT = 1_000


def check_text_fields(record: dict[str, Any]) -> None:
    """Every string in the record (lists and objects included) free of NUL bytes, and each
    field no longer than its column allows; InvalidField names the first one that is not."""
    for key, value in record.items():
        limit = TEXT_LIMITS.get(key, PREFILL_TEXT_LIMIT)
        for text in _strings(value):
            if "\x00" in text:
                raise InvalidField(key, f"{key} contains a NUL byte")
            if len(text) > limit:
                raise InvalidField(key, f"{key} is longer than {limit} characters ({len(text)})")
        if not isinstance(key, str) or "\x00" in key or len(key) > 64:
            raise InvalidField(str(key)[:64], "a field name is not valid text")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


@dataclass
class MerchantData:
    external_id: str
    phone: str
    country: str
    language: str
    timezone: str
    company_name: str | None = None
    contact_name: str | None = None
    email: str | None = None
    consent_source: str | None = None
    consent_at: datetime | None = None
    consent_text: str | None = None
    signup_data: dict[str, Any] = field(default_factory=dict)


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def normalise_phone(raw: str, default_region: str | None) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidMerchant(f"phone {raw!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidMerchant(f"phone {raw!r} is not a valid number")
    return number


def _timezone_for(number: phonenumbers.PhoneNumber, country: str) -> str:
    zones = [z for z in phone_timezones.time_zones_for_number(number) if z != "Etc/Unknown"]
    if len(zones) > 1 and MAIN_TIMEZONE.get(country) in zones:
        return MAIN_TIMEZONE[country]
    return zones[0] if zones else FALLBACK_TIMEZONE


def normalise_merchant(record: dict[str, Any], *, default_region: str = "PL") -> MerchantData:
    """Validate one record from a file or the API and fill in what the number tells."""
    check_text_fields(record)
    external_id = _text(record, "external_id")
    if not external_id:
        raise InvalidMerchant("external_id is missing")
    raw_phone = _text(record, "phone")
    if not raw_phone:
        raise InvalidMerchant("phone is missing")

    country = (_text(record, "country") or "").upper() or None
    if country is not None and country not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidMerchant(f"country {country!r} is not an ISO 3166 country code")
    number = normalise_phone(raw_phone, country or default_region)
    country = country or phonenumbers.region_code_for_number(number)
    if country is None:  # a number valid in no region (normalise_phone refuses most of these)
        raise InvalidMerchant(f"phone {raw_phone!r} belongs to no country")

    # the platform's word first, else the language of the merchant's country (spoken_languages.yml)
    known = spoken_languages()
    language = (_text(record, "language") or "").lower() or known.for_country(country)
    if language not in known.by_code:
        supported = ", ".join(sorted(known.codes))
        raise InvalidMerchant(f"language {language!r} is not supported (one of {supported})")

    timezone = _text(record, "timezone") or _timezone_for(number, country)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidMerchant(f"timezone {timezone!r} is not an IANA time zone") from None

    email = _text(record, "email")
    if email is not None and not EMAIL_PATTERN.match(email):
        raise InvalidMerchant(f"email {email!r} is not an e-mail address")

    consent_at = None
    if raw_consent_at := _text(record, "consent_at"):
        try:
            consent_at = date_parser.isoparse(raw_consent_at)
        except ValueError:
            raise InvalidMerchant(
                f"consent_at {raw_consent_at!r} is not an ISO 8601 time"
            ) from None
        if consent_at.tzinfo is None:
            consent_at = consent_at.replace(tzinfo=ZoneInfo(timezone))
        consent_at = consent_at.astimezone(UTC)

    signup_data = {
        key: record[key] for key in PREFILL_FIELDS if record.get(key) not in (None, "", [])
    }
    if email and "contact_email" not in signup_data:
        signup_data["contact_email"] = email

    return MerchantData(
        external_id=external_id,
        phone=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country=country,
        language=language,
        timezone=timezone,
        company_name=_text(record, "company_name"),
        contact_name=_text(record, "contact_name"),
        email=email,
        consent_source=_text(record, "consent_source"),
        consent_at=consent_at,
        consent_text=_text(record, "consent_text"),
        signup_data=signup_data,
    )


def merchant_document(merchant: Merchant) -> dict[str, Any]:
    """What the platform and the merchant are shown of a merchant record."""
    return {
        "id": merchant.id,
        "external_id": merchant.external_id,
        "company_name": merchant.company_name,
        "contact_name": merchant.contact_name,
        "phone": merchant.phone,
        "email": merchant.email,
        "country": merchant.country,
        "language": merchant.language,
        "timezone": merchant.timezone,
        "status": merchant.status.value,
        "opted_out": merchant.opted_out,
        "consent_source": merchant.consent_source,
        "consent_at": merchant.consent_at.isoformat() if merchant.consent_at else None,
        "signup_data": merchant.signup_data,
    }


def get_by_external_id(session: Session, external_id: str) -> Merchant | None:
    return session.scalar(select(Merchant).where(Merchant.external_id == external_id))


def upsert_merchant(
    session: Session, data: MerchantData, *, actor: str = "import"
) -> tuple[Merchant, bool]:
    """Create or update by external id; returns (merchant, created). Opt-outs stay opted out."""
    merchant = get_by_external_id(session, data.external_id)
    if merchant is not None and merchant.erased_at is not None:
        raise InvalidMerchant(f"merchant {data.external_id!r} was erased and cannot be re-imported")
    created = merchant is None
    if merchant is None:
        merchant = Merchant(external_id=data.external_id, status=MerchantStatus.NEW)
        session.add(merchant)
    before = {k: getattr(merchant, k) for k in ("phone", "language", "timezone", "email")}
    for key in (
        "company_name",
        "contact_name",
        "phone",
        "email",
        "country",
        "language",
        "timezone",
    ):
        setattr(merchant, key, getattr(data, key))
    if data.consent_source is not None:
        merchant.consent_source = data.consent_source
        merchant.consent_at = data.consent_at
        merchant.consent_text = data.consent_text
    merchant.signup_data = {**(merchant.signup_data or {}), **data.signup_data}
    session.flush()
    after = {k: getattr(merchant, k) for k in before}
    record_event(
        session,
        "merchant.created" if created else "merchant.updated",
        actor=actor,
        merchant_id=merchant.id,
        changed=sorted(k for k in before if before[k] != after[k]) if not created else None,
    )
    return merchant, created


def list_merchants(
    session: Session,
    *,
    status: MerchantStatus | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Merchant]:
    query = select(Merchant).order_by(Merchant.id)
    if status is not None:
        query = query.where(Merchant.status == status)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Merchant.company_name).like(pattern),
                func.lower(Merchant.contact_name).like(pattern),
                Merchant.phone.like(f"%{search}%"),
                Merchant.external_id == search,
            )
        )
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_merchant(session: Session, reference: str | int) -> Merchant | None:
    """A merchant by database id or by the platform's external id."""
    merchant_id = parse_id(reference)
    if merchant_id is not None:
        merchant = session.get(Merchant, merchant_id)
        if merchant is not None:
            return merchant
    return get_by_external_id(session, str(reference))
