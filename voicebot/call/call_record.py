"""Every database write of one call, in one place: the call's start and what the merchant
already told us, each turn as it happens, cut bot turns, heard disclosures, the dialog's
progress (tracker and newly filled fields, in the same unit of work as the turn) and the end.

The session decides; this module only records, and keeps the mapping from the dialog's turn
indexes to the stored turn rows that field writes refer to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from voicebot.call.ports import StoreConfig
from voicebot.call.prompts import prefill_slots
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.events import record_event
from voicebot.crm.models import CallOutcome, FieldSource, Speaker
from voicebot.crm.store_configs import mark_complete, set_field


@dataclass(frozen=True)
class CallOpening:
    merchant_id: int
    language: str | None  # the call's or the merchant's, when known
    slots: dict[str, Any]  # what the dialog may take as already known


@dataclass(frozen=True)
class MerchantUtterance:
    text: str  # as stored (a keypad entry as "DTMF 123")
    confidence: float | None
    start_ms: int
    end_ms: int
    alternatives: list[list[Any]]
    words: list[dict[str, Any]]
    intent: str | None = None


@dataclass(frozen=True)
class SpokenLine:
    index: int
    text: str
    start_ms: int
    end_ms: int


class CallRecord:
    def __init__(self, db: Database, call_id: int) -> None:
        self.db = db
        self.call_id = call_id
        self.merchant_id: int | None = None
        self._turn_ids: dict[int, int] = {}  # dialog turn index -> stored turn id
        self._written: dict[str, tuple[Any, ...]] = {}  # field -> what was last written

    def open(self, *, stream_sid: str | None = None) -> CallOpening:
        """The stream is up: mark the call in progress (with the line's stream SID) and
        gather what is known already."""
        with self.db.session() as s:
            call = crm_calls.mark_stream_started(s, self.call_id, stream_sid=stream_sid)
            merchant = call.merchant
            self.merchant_id = merchant.id
            return CallOpening(
                merchant.id, call.language or merchant.language, prefill_slots(s, merchant)
            )

    def merchant_turn(self, index: int, said: MerchantUtterance) -> int:
        with self.db.session() as s:
            return self._add_merchant_turn(s, index, said)

    def _add_merchant_turn(self, session: Any, index: int, said: MerchantUtterance) -> int:
        turn = crm_calls.add_turn(
            session,
            self.call_id,
            index=index,
            speaker=Speaker.MERCHANT,
            text=said.text,
            asr_confidence=said.confidence,
            alternatives=said.alternatives,
            words=said.words,
            intent=said.intent,
            start_ms=said.start_ms,
            end_ms=said.end_ms,
        )
        self._turn_ids[index] = turn.id
        return turn.id

    def reply(
        self,
        lines: list[SpokenLine],
        *,
        latency_ms: int | None,
        answered: tuple[int, MerchantUtterance] | None,
        tracker: dict[str, Any],
        config: StoreConfig,
    ) -> list[int]:
        """The merchant's turn (written once the reply is on its way, so the database never
        delays the first bot frame), the bot's reply and the dialog's progress, in one unit
        of work."""
        ids: list[int] = []
        with self.db.session() as s:
            if answered is not None:
                self._add_merchant_turn(s, *answered)
            for n, line in enumerate(lines):
                row = crm_calls.add_turn(
                    s,
                    self.call_id,
                    index=line.index,
                    speaker=Speaker.BOT,
                    text=line.text,
                    start_ms=line.start_ms,
                    end_ms=line.end_ms,
                    latency_ms=latency_ms if n == 0 else None,
                )
                self._turn_ids[line.index] = row.id
                ids.append(row.id)
            self.save_progress(s, tracker, config)
        return ids

    def cut(self, turns: list[tuple[int, int]]) -> None:
        """Bot turns (id, heard until ms) stopped by a barge-in."""
        with self.db.session() as s:
            for turn_id, heard_until in turns:
                crm_calls.update_turn(s, turn_id, interrupted=True, end_ms=heard_until)

    def disclosure_heard(
        self, text: str, *, offset_ms: int, heard_at_ms: int, language: str
    ) -> None:
        if self.merchant_id is None:
            return
        with self.db.session() as s:
            record_event(
                s,
                "call.disclosure",
                actor="voicebot",
                merchant_id=self.merchant_id,
                call_id=self.call_id,
                offset_ms=offset_ms,
                heard_at_ms=heard_at_ms,
                text=text,
                language=language,
            )

    def finish(
        self,
        *,
        outcome: CallOutcome,
        error: str | None,
        recording: str | None,
        progress: tuple[dict[str, Any], StoreConfig] | None,
        settings: Any,
        media: dict[str, Any],
    ) -> None:
        with self.db.session() as s:
            if recording:
                crm_calls.set_recording(s, self.call_id, recording)
            if progress is not None and self.merchant_id is not None:
                tracker, config = progress
                self.save_progress(s, tracker, config)
                if config.complete:
                    mark_complete(s, self.merchant_id, actor="voicebot")
            # The full settings let the dialer decide the merchant's next call from the outcome.
            crm_calls.finish_call(s, self.call_id, outcome=outcome, error=error, settings=settings)
            # line quality and bot timings, for operations and for benchmarks out of process
            record_event(
                s,
                "call.media",
                actor="voicebot",
                merchant_id=self.merchant_id,
                call_id=self.call_id,
                **media,
            )

    def save_progress(self, session: Any, tracker: dict[str, Any], config: StoreConfig) -> None:
        """Tracker and every newly filled field."""
        crm_calls.save_tracker(session, self.call_id, tracker)
        if self.merchant_id is None:
            return
        for name, info in config.fields.items():
            key = (info.value, bool(info.confirmed), bool(info.flagged))
            if self._written.get(name) == key:
                continue
            # an empty field is written only when it was left for staff (flagged, pointing
            # at the merchant's words); otherwise nothing was collected yet
            if info.value in (None, "") and not info.given_up:
                continue
            set_field(
                session,
                self.merchant_id,
                name,
                info.value,
                source=FieldSource.CALL,
                actor="voicebot",
                confidence=info.confidence,
                turn_id=self._turn_ids.get(info.turn_index)
                if info.turn_index is not None
                else None,
                call_id=self.call_id,
                confirmed=bool(info.confirmed),
                flagged=bool(info.flagged),
            )
            self._written[name] = key


def tracker_json(tracker: Any) -> dict[str, Any]:
    data = tracker.to_json()
    return json.loads(data) if isinstance(data, str) else data
