"""`voicebot dialer plan`: what the dialer would do in the next hours, and why it would
skip whom. Read only; uses the same rules as the claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from voicebot.calling_hours_format import CallingHoursError
from voicebot.crm.dialer_queue import PlanRow, skip_reason
from voicebot.crm.models import MerchantStatus
from voicebot.scheduling.calling_hours import next_allowed_time

if TYPE_CHECKING:
    from voicebot.config import Settings


@dataclass(frozen=True)
class PlanEntry:
    merchant_id: int
    external_id: str
    action: str  # "call" (within the horizon), "later" (after it), "skip" (never, as things are)
    reason: str
    at: datetime | None = None  # in the merchant's own time zone

    def as_dict(self) -> dict[str, Any]:
        return {
            "merchant_id": self.merchant_id,
            "external_id": self.external_id,
            "action": self.action,
            "reason": self.reason,
            "at": self.at.isoformat() if self.at else None,
        }


def _why_call(row: PlanRow) -> str:
    merchant = row.merchant
    if merchant.status is MerchantStatus.CALLBACK:
        return "callback requested"
    if merchant.status is MerchantStatus.NEW and not merchant.attempts:
        return "new sign-up"
    return f"retry, attempt {merchant.attempts + 1}"


def build_plan(
    rows: list[PlanRow], *, now: datetime, hours: float, settings: Settings
) -> list[PlanEntry]:
    horizon = now + timedelta(hours=hours)
    entries: list[PlanEntry] = []
    for row in rows:
        merchant = row.merchant
        reason = skip_reason(merchant, on_dnc_list=row.on_dnc_list, on_call=row.on_call)
        if reason is not None:
            entries.append(PlanEntry(merchant.id, merchant.external_id, "skip", reason))
            continue
        due = max(merchant.next_call_at or now, now)
        try:
            at = next_allowed_time(due, merchant.timezone, merchant.country, settings)
        except CallingHoursError as exc:
            entries.append(PlanEntry(merchant.id, merchant.external_id, "skip", str(exc)))
            continue
        why = _why_call(row)
        if at > due:
            why += f" (calling hours open {at:%a %H:%M})"
        action = "call" if at <= horizon else "later"
        entries.append(PlanEntry(merchant.id, merchant.external_id, action, why, at))
    order = {"call": 0, "later": 1, "skip": 2}
    return sorted(entries, key=lambda e: (order[e.action], e.at or horizon, e.merchant_id))


def capacity_note(calls: int, settings: Settings) -> str:
    """How long the CPS limit needs to dial them, at the earliest."""
    seconds = calls / settings.dialer.calls_per_second
    return (
        f"{calls} call(s) due; at {settings.dialer.calls_per_second:g} new call(s)/s and "
        f"{settings.dialer.max_concurrent_calls} at once, dialling them takes at least "
        f"{seconds:.0f} s"
    )
