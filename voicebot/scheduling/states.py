"""The states of a merchant and of a call, stored by the CRM as plain strings."""

from __future__ import annotations

import enum


class MerchantStatus(enum.StrEnum):
    NEW = "new"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    CALLBACK = "callback"
    ONBOARDED = "onboarded"
    UNREACHABLE = "unreachable"
    NEEDS_HUMAN = "needs_human"  # asked for a person: the bot does not call again on its own
    OPTED_OUT = "opted_out"
    ERASED = "erased"


class CallStatus(enum.StrEnum):
    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"


class CallOutcome(enum.StrEnum):
    COMPLETED = "completed"
    PARTIAL = "partial"
    CALLBACK_REQUESTED = "callback_requested"
    HUMAN_REQUESTED = "human_requested"
    OPTED_OUT = "opted_out"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    HUNG_UP = "hung_up"
    SILENCE = "silence"
    NOT_UNDERSTOOD = "not_understood"
    ERROR = "error"
