"""One phone conversation, independent of the phone network.

The line (a Transport) feeds the session from its reader thread: ``start``, ``audio`` (PCM16
8 kHz frames), ``mark_played``, ``dtmf``, ``hang_up``. Those calls only queue work, so a slow
speech decode never stalls the reader. One worker thread per call does the rest in order:
speech recognition, the dialog, synthesis, and writing every turn to the CRM as it happens.

Clocks: everything is placed on the *line clock*, the amount of merchant audio received so
far (Twilio sends audio continuously, silence included). Bot audio is scheduled on it from
the moment it is sent, so the recording, barge-in and silence timers agree with what the
merchant heard, whether the line runs in real time or sped up by the simulator.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.call.prompts import prefill_slots
from voicebot.call.recording import StereoRecorder
from voicebot.call.services import CallServices
from voicebot.call.transport import Transport
from voicebot.crm import calls as crm_calls
from voicebot.crm.events import record_event
from voicebot.crm.models import CallOutcome, FieldSource, Speaker
from voicebot.crm.store_configs import mark_complete, set_field
from voicebot.speech.tts_audio import fade_out_from

log = logging.getLogger(__name__)

RATE = 8000
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000 * 2
DTMF_YES, DTMF_NO = "1", "2"
# The dialog's outcome slot values that are call outcomes; anything else is a partial call.
OUTCOMES = {o.value: o for o in CallOutcome}


@dataclass
class BotUtterance:
    mark: str
    text: str
    turn_id: int
    start_ms: int
    end_ms: int
    disclosure: bool
    state: str = "queued"  # queued -> heard | cut


@dataclass
class CallStats:
    """Figures a benchmark or the simulator prints at the end."""

    latencies_ms: list[int] = field(default_factory=list)  # end of speech -> first bot audio
    processing_ms: list[int] = field(default_factory=list)  # endpoint decided -> first bot audio
    missed_frames: int = 0
    turns: int = 0
    barge_ins: int = 0
    error: str | None = None


class CallSession:
    def __init__(
        self,
        call_id: int,
        services: CallServices,
        transport: Transport,
        *,
        on_finished: Callable[[CallSession], None] | None = None,
    ) -> None:
        self.call_id = call_id
        self.services = services
        self.settings = services.settings.call
        self.db = services.db
        self.transport = transport
        self.on_finished = on_finished
        self.recorder = StereoRecorder()
        self.stats = CallStats()
        self.outcome: CallOutcome | None = None
        self.finished = threading.Event()

        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._received_samples = 0  # the line clock, advanced by the reader thread
        self._frame_arrivals: dict[int, float] = {}  # frame index -> monotonic arrival
        self._last_chunk: int | None = None

        # Worker state.
        self.merchant_id: int | None = None
        self.language = "pl"
        self._conversation: Any = None
        self._stream: Any = None
        self._turn_index = 0
        self._turn_ids: dict[int, int] = {}
        self._utterances: list[BotUtterance] = []
        self._bot_end_ms = 0
        self._last_activity_ms = 0
        self._silences = 0
        self._dtmf_digits = ""
        self._dtmf_last_ms = 0
        self._ending_since: float | None = None
        self._dialog_ended = False
        self._written_fields: dict[str, tuple[Any, ...]] = {}
        self._hung_up = False
        self._mark_seq = 0
        self._forced_outcome: CallOutcome | None = None
        self._bot_audio: dict[str, bytes] = {}  # mark -> the audio sent, for a click-free cut

    # -- the line's side (reader thread) ----------------------------------------------------
    @property
    def line_ms(self) -> int:
        return self._received_samples * 1000 // RATE

    def start(self, *, stream_sid: str | None = None) -> None:
        self._queue.put(("start", stream_sid))
        self._worker = threading.Thread(target=self._run, name=f"call-{self.call_id}", daemon=True)
        self._worker.start()

    def audio(self, pcm16: bytes, *, chunk: int | None = None) -> None:
        if len(pcm16) % 2:
            raise ValueError("PCM16 audio must have an even number of bytes")
        if chunk is not None and self._last_chunk is not None and chunk > self._last_chunk + 1:
            self.stats.missed_frames += chunk - self._last_chunk - 1
        if chunk is not None:
            self._last_chunk = chunk
        self.recorder.add_merchant(pcm16)
        start_ms = self.line_ms
        self._received_samples += len(pcm16) // 2
        self._frame_arrivals[self.line_ms // FRAME_MS] = time.monotonic()
        self._queue.put(("audio", (pcm16, start_ms)))

    def mark_played(self, name: str) -> None:
        self._queue.put(("mark", name))

    def dtmf(self, digit: str) -> None:
        self._queue.put(("dtmf", digit))

    def hang_up(self, reason: str = "stop") -> None:
        """The stream ended (Twilio's stop message or the socket closed)."""
        self._queue.put(("hangup", reason))

    def end_politely(self, text: str, outcome: CallOutcome) -> None:
        """End the call from outside (the server is shutting down): say ``text``, wait for
        it to be heard, and record ``outcome`` whatever the dialog had reached."""
        self._queue.put(("end", (text, outcome)))

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    # -- the worker ------------------------------------------------------------------------
    def _run(self) -> None:
        error: str | None = None
        try:
            while not self.finished.is_set():
                try:
                    kind, payload = self._queue.get(timeout=0.2)
                except queue.Empty:
                    kind, payload = "tick", None
                if kind == "start":
                    self._on_start()
                elif kind == "audio":
                    self._on_audio(*payload)
                elif kind == "mark":
                    self._on_mark(payload)
                elif kind == "dtmf":
                    self._on_dtmf(payload)
                elif kind == "end":
                    self._on_end_politely(*payload)
                elif kind == "hangup":
                    log.info("call %s: line closed (%s)", self.call_id, payload)
                    self._hung_up = True
                    break
                if self._ready_to_end():
                    break
                if self.line_ms > self.settings.max_call_s * 1000:
                    log.warning("call %s: longer than call.max_call_s, ending it", self.call_id)
                    break
                self._check_timers()
        except Exception as exc:  # never lose the call: finish with what we have
            log.exception("call %s: session failed", self.call_id)
            error = f"{type(exc).__name__}: {exc}"
            self.stats.error = error
        finally:
            self._finish(error)

    def _on_start(self) -> None:
        with self.db.session() as s:
            call = crm_calls.mark_stream_started(s, self.call_id, stream_sid=None)
            merchant = call.merchant
            self.merchant_id = merchant.id
            self.language = call.language or merchant.language or "pl"
            slots = self._prefill(s, merchant)
        agent = self.services.agent
        known = getattr(getattr(agent, "domain", None), "slots", None)
        if known is not None:  # the dialog refuses slots it does not declare
            slots = {k: v for k, v in slots.items() if k in known}
        self._conversation = agent.new_conversation(
            str(self.call_id), language=self.language, slots=slots
        )
        self._open_stream()
        turn = self._conversation.start()
        self._respond(turn, anchor=None, disclosure=True)

    def _on_end_politely(self, text: str, outcome: CallOutcome) -> None:
        if self._dialog_ended:
            return  # already saying goodbye: the call keeps its own outcome
        self._forced_outcome = outcome
        if self._conversation is None:  # nothing was said yet
            self._dialog_ended = True
            self._ending_since = time.monotonic()
            return
        log.info("call %s: ended from outside (%s)", self.call_id, outcome.value)
        self._respond(_Goodbye([_Said(text)]), anchor=None)

    def _prefill(self, session: Any, merchant: Any) -> dict[str, Any]:
        """Sign-up facts first, then anything earlier calls or staff already collected."""
        return prefill_slots(session, merchant)  # the same slots prepared the opening prompts

    def _open_stream(self) -> None:
        engine = self.services.recognizer(self.language)
        self._stream = engine.open_stream(sample_rate=RATE)

    def _on_audio(self, pcm16: bytes, start_ms: int) -> None:
        if self._stream is None:
            return
        for event in self._stream.accept(pcm16):
            self._on_speech(event)

    def _on_speech(self, event: Any) -> None:
        kind = event.kind
        if kind in ("speech_start", "partial"):
            self._last_activity_ms = max(self._last_activity_ms, event.end_ms)
            if kind == "speech_start" or event.text:
                self._maybe_barge_in(event.end_ms)
            return
        if kind != "final":
            return
        self._last_activity_ms = max(self._last_activity_ms, event.end_ms)
        text = (event.text or "").strip()
        if not text or self._dialog_ended:
            return
        anchor = self._frame_arrivals.get(max(event.end_ms, 0) // FRAME_MS)
        self._handle_merchant(
            text,
            confidence=event.confidence,
            alternatives=[list(a) for a in (event.alternatives or [])],
            words=[_word_dict(w) for w in (event.words or [])],
            start_ms=event.start_ms,
            end_ms=event.end_ms,
            anchor=anchor,
            decided=time.monotonic(),
        )

    def _bot_speaking_at(self, at_ms: int) -> BotUtterance | None:
        for utterance in self._utterances:
            if utterance.state == "queued" and utterance.start_ms <= at_ms < utterance.end_ms:
                return utterance
        return None

    def _maybe_barge_in(self, at_ms: int) -> None:
        if not self.settings.barge_in:
            return
        # Judge by the live line: the bot may have started a new sentence since that audio.
        now = max(at_ms, self.line_ms)
        playing = [u for u in self._utterances if u.state == "queued" and u.end_ms > now]
        if not playing:
            return
        if any(u.disclosure for u in playing):
            return  # the legal disclosures are always heard to the end
        self._clear(now)

    def _clear(self, now: int) -> None:
        self.transport.clear()
        cut = self._bot_speaking_at(now)
        if cut is not None and cut.mark in self._bot_audio:
            # end the cleared audio with a 20 ms ramp from where it was, not a step (a click)
            self._play(fade_out_from(self._bot_audio[cut.mark], now - cut.start_ms))
        self.recorder.cut_bot(now)
        self.stats.barge_ins += 1
        with self.db.session() as s:
            for utterance in self._utterances:
                if utterance.state == "queued" and utterance.end_ms > now:
                    utterance.state = "cut"
                    heard_until = max(utterance.start_ms, now)
                    crm_calls.update_turn(
                        s, utterance.turn_id, interrupted=True, end_ms=heard_until
                    )
        self._bot_end_ms = now
        log.info("call %s: barge-in at %d ms, bot audio cleared", self.call_id, now)

    def _on_mark(self, name: str) -> None:
        utterance = next((u for u in self._utterances if u.mark == name), None)
        if utterance is None:
            log.warning("call %s: mark %r that we never sent", self.call_id, name)
            return
        if utterance.state != "queued":
            return  # Twilio returns marks of cleared audio too; that audio was not heard
        utterance.state = "heard"
        if utterance.disclosure and self.merchant_id is not None:
            with self.db.session() as s:
                record_event(
                    s,
                    "call.disclosure",
                    actor="voicebot",
                    merchant_id=self.merchant_id,
                    call_id=self.call_id,
                    offset_ms=utterance.start_ms,
                    heard_at_ms=self.line_ms,
                    text=utterance.text,
                    language=self.language,
                )

    def _on_dtmf(self, digit: str) -> None:
        self._maybe_barge_in(self.line_ms)
        self._last_activity_ms = self.line_ms
        if digit == "#":
            self._flush_dtmf()
            return
        self._dtmf_digits += digit
        self._dtmf_last_ms = self.line_ms

    def _flush_dtmf(self) -> None:
        digits, self._dtmf_digits = self._dtmf_digits, ""
        if not digits or self._dialog_ended:
            return
        text = {DTMF_YES: "/affirm", DTMF_NO: "/deny"}.get(digits, digits)
        self._handle_merchant(
            text,
            confidence=1.0,
            alternatives=[],
            words=[],
            start_ms=self._dtmf_last_ms,
            end_ms=self._dtmf_last_ms,
            anchor=time.monotonic(),
            decided=time.monotonic(),
            transcript=f"DTMF {digits}",
            intent="dtmf",
        )

    def _check_timers(self) -> None:
        if self._conversation is None or self._dialog_ended:
            return
        now = self.line_ms
        if self._dtmf_digits and now - self._dtmf_last_ms >= self.settings.dtmf_timeout_s * 1000:
            self._flush_dtmf()
            return
        if self._stream is not None and self._stream.in_utterance:
            return
        quiet_since = max(self._bot_end_ms, self._last_activity_ms)
        if now >= self._bot_end_ms and now - quiet_since >= self.settings.silence_reprompt_s * 1000:
            self._silences += 1
            self._last_activity_ms = now
            log.info(
                "call %s: %d s of silence (#%d)",
                self.call_id,
                self.settings.silence_reprompt_s,
                self._silences,
            )
            self._handle_merchant(
                "/silence",
                confidence=1.0,
                alternatives=[],
                words=[],
                start_ms=quiet_since,
                end_ms=now,
                anchor=time.monotonic(),
                decided=time.monotonic(),
                transcript="",
                intent="silence",
            )

    # -- turns -----------------------------------------------------------------------------
    def _handle_merchant(
        self,
        text: str,
        *,
        confidence: float,
        alternatives: list[Any],
        words: list[Any],
        start_ms: int,
        end_ms: int,
        anchor: float | None,
        decided: float,
        transcript: str | None = None,
        intent: str | None = None,
    ) -> None:
        index = self._next_index()
        with self.db.session() as s:
            turn = crm_calls.add_turn(
                s,
                self.call_id,
                index=index,
                speaker=Speaker.MERCHANT,
                text=text if transcript is None else transcript,
                asr_confidence=confidence,
                alternatives=alternatives,
                words=words,
                intent=intent,
                start_ms=start_ms,
                end_ms=end_ms,
            )
            merchant_turn_id = turn.id
        self._turn_ids[index] = merchant_turn_id
        interrupted = any(u.state == "cut" for u in self._utterances[-3:])
        result = self._conversation.handle(
            text,
            confidence=confidence,
            alternatives=[_alternative_text(a) for a in alternatives],
            metadata={"turn_index": index, "interrupted": interrupted},
        )
        detected = _intent_of(self._conversation)
        self._respond(
            result, anchor=anchor, decided=decided, merchant_turn=(merchant_turn_id, detected)
        )

    def _next_index(self) -> int:
        index = self._turn_index
        self._turn_index += 1
        return index

    def _respond(
        self,
        turn: Any,
        *,
        anchor: float | None,
        decided: float | None = None,
        disclosure: bool = False,
        merchant_turn: tuple[int, str | None] | None = None,
    ) -> None:
        messages = [m for m in getattr(turn, "messages", []) if getattr(m, "text", "")]
        first_audio_at: float | None = None
        spoken: list[tuple[int, str, int, int, bool]] = []  # index, text, start, end, disclosure
        audio: dict[int, bytes] = {}
        for message in messages:
            text = message.text
            # sentence by sentence: the first plays while the next is synthesised
            chunks: list[bytes] = []
            stream = self.services.synthesizer.synthesise_stream(
                text, self.language, rate=self._speech_rate(message)
            )
            for chunk in stream:
                if not chunks:
                    start = max(self.line_ms, self._bot_end_ms)
                sent_at = self._play(chunk)
                first_audio_at = first_audio_at or sent_at
                chunks.append(chunk)
            pcm = b"".join(chunks)
            end = start + len(pcm) * 1000 // (2 * RATE)
            self.recorder.add_bot(pcm, start)
            self._bot_end_ms = end
            spoken.append(
                (self._next_index(), text, start, end, _is_disclosure(message, disclosure))
            )
            audio[spoken[-1][0]] = pcm

        latency = processing = None
        if anchor is not None and first_audio_at is not None:
            latency = int((first_audio_at - anchor) * 1000)
            self.stats.latencies_ms.append(latency)
        if decided is not None and first_audio_at is not None:
            processing = int((first_audio_at - decided) * 1000)
            self.stats.processing_ms.append(processing)

        with self.db.session() as s:
            if merchant_turn is not None and merchant_turn[1]:
                crm_calls.update_turn(s, merchant_turn[0], intent=merchant_turn[1])
            for n, (index, text, start, end, discloses) in enumerate(spoken):
                row = crm_calls.add_turn(
                    s,
                    self.call_id,
                    index=index,
                    speaker=Speaker.BOT,
                    text=text,
                    start_ms=start,
                    end_ms=end,
                    latency_ms=latency if n == 0 else None,
                )
                self._turn_ids[index] = row.id
                mark = self._new_mark(index)
                self._bot_audio[mark] = audio[index]
                self._utterances.append(
                    BotUtterance(mark, text, row.id, start, end, disclosure=discloses)
                )
                self.transport.send_mark(mark)
            self._save_progress(s)
        self.stats.turns += 1

        expecting = getattr(turn, "expecting", None) or {}
        language = expecting.get("language") if isinstance(expecting, dict) else None
        if language and language != self.language:
            log.info("call %s: switching language %s -> %s", self.call_id, self.language, language)
            self.language = language
            self._open_stream()
        if getattr(turn, "ended", False):
            self._dialog_ended = True
            self._ending_since = time.monotonic()
        else:  # while the merchant answers, the likely next question is synthesised
            self.services.prefetch_next(self._conversation, self.language)

    def _speech_rate(self, message: Any) -> int | None:
        """The words per minute the dialog asked for (a question said again more slowly);
        None is the synthesiser's usual rate."""
        metadata = getattr(message, "metadata", None) or {}
        if metadata.get("speech_rate") == "slow":
            return int(self.services.settings.tts.slow_rate)
        return None

    def _play(self, pcm: bytes) -> float:
        """Send audio in 20 ms frames (the line buffers and plays it in real time)."""
        first = time.monotonic()
        for start in range(0, len(pcm), FRAME_BYTES):
            frame = pcm[start : start + FRAME_BYTES]
            if len(frame) < FRAME_BYTES:
                frame += b"\x00" * (FRAME_BYTES - len(frame))
            self.transport.send_audio(frame)
        return first

    def _new_mark(self, index: int) -> str:
        self._mark_seq += 1
        return f"turn-{index}"

    def _save_progress(self, session: Any) -> None:
        """Tracker and every newly filled slot, in the same unit of work as the turn."""
        crm_calls.save_tracker(session, self.call_id, _tracker_json(self._conversation))
        if self.merchant_id is None:  # nothing to attach fields to before the call is known
            return
        for name, info in _collected_fields(self._store_config()).items():
            key = (info["value"], info["confirmed"], info["flagged"])
            if self._written_fields.get(name) == key:
                continue
            # an empty field is written only when it was left for staff (flagged, pointing
            # at the merchant's words); otherwise nothing was collected yet
            if info["value"] in (None, "") and not info["given_up"]:
                continue
            set_field(
                session,
                self.merchant_id,
                name,
                info["value"],
                source=FieldSource.CALL,
                actor="voicebot",
                confidence=info["confidence"],
                turn_id=self._turn_ids.get(info["turn_index"])
                if info["turn_index"] is not None
                else None,
                call_id=self.call_id,
                confirmed=info["confirmed"],
                flagged=info["flagged"],
            )
            self._written_fields[name] = key

    def _store_config(self) -> Any:
        if self._conversation is None:
            return None
        return self.services.store_config(_tracker_json(self._conversation))

    # -- ending ----------------------------------------------------------------------------
    def _ready_to_end(self) -> bool:
        if not self._dialog_ended or self._ending_since is None:
            return False
        if all(u.state != "queued" for u in self._utterances):
            return True  # the goodbye was heard
        # The line stopped reporting marks: give up a little after the audio should have ended.
        remaining_s = max(0, self._bot_end_ms - self.line_ms) / 1000
        return time.monotonic() - self._ending_since > remaining_s + self.settings.end_grace_s

    def _finish(self, error: str | None) -> None:
        try:
            self._finish_in_db(error)
        except Exception:
            log.exception("call %s: could not finish the call in the database", self.call_id)
        finally:
            if not self._hung_up:
                try:
                    self.transport.close()
                except Exception:
                    log.exception("call %s: closing the line failed", self.call_id)
            self.finished.set()
            if self.on_finished is not None:
                self.on_finished(self)

    def _finish_in_db(self, error: str | None) -> None:
        if self._stream is not None and not self._dialog_ended:
            # The merchant hung up mid-sentence: keep what they said, unanswered.
            try:
                for event in self._stream.flush():
                    if event.kind == "final" and (event.text or "").strip():
                        with self.db.session() as s:
                            crm_calls.add_turn(
                                s,
                                self.call_id,
                                index=self._next_index(),
                                speaker=Speaker.MERCHANT,
                                text=event.text.strip(),
                                asr_confidence=event.confidence,
                                start_ms=event.start_ms,
                                end_ms=event.end_ms,
                            )
            except Exception:
                log.exception("call %s: flushing the recogniser failed", self.call_id)
        path = Path(self.settings.recordings_dir) / f"call-{self.call_id}.wav"
        recorded = None
        try:
            recorded = str(self.recorder.save(path))
        except Exception:
            log.exception("call %s: saving the recording failed", self.call_id)
        config = self._store_config()
        outcome = self._decide_outcome(error, config)
        self.outcome = outcome
        with self.db.session() as s:
            if recorded:
                crm_calls.set_recording(s, self.call_id, recorded)
            if self._conversation is not None and self.merchant_id is not None:
                self._save_progress(s)
                if _config_value(config, "complete"):
                    mark_complete(s, self.merchant_id, actor="voicebot")
            # The full settings let the dialer decide the merchant's next call from the outcome.
            crm_calls.finish_call(
                s, self.call_id, outcome=outcome, error=error, settings=self.services.settings
            )
            # line quality and bot timings, for operations and for benchmarks out of process
            record_event(
                s,
                "call.media",
                actor="voicebot",
                merchant_id=self.merchant_id,
                call_id=self.call_id,
                missed_frames=self.stats.missed_frames,
                processing_ms=self.stats.processing_ms,
                barge_ins=self.stats.barge_ins,
            )
        log.info("call %s: finished, outcome %s", self.call_id, outcome.value)

    def _decide_outcome(self, error: str | None, config: Any) -> CallOutcome:
        if error:
            return CallOutcome.ERROR
        if self._forced_outcome is not None:
            return self._forced_outcome
        named = _config_value(config, "outcome") or _slot(self._conversation, "call_outcome")
        if isinstance(named, str) and named in OUTCOMES:
            return OUTCOMES[named]
        if self._dialog_ended:
            complete = _config_value(config, "complete")
            return CallOutcome.COMPLETED if complete else CallOutcome.PARTIAL
        return CallOutcome.HUNG_UP


# -- adapters to the dialog package (kept in one place) --------------------------------------


@dataclass
class _Said:
    text: str


@dataclass
class _Goodbye:
    """A last bot turn that does not come from the dialog (ending the call from outside)."""

    messages: list[_Said]
    ended: bool = True


# Responses that carry the legal disclosures (virtual assistant, recorded, why, opt-out).
DISCLOSURE_RESPONSES = ("utter_opening",)


def _is_disclosure(message: Any, opening: bool) -> bool:
    """The opening's disclosure sentence(s): by response name when the dialog names its
    responses, else every message of the opening turn."""
    if not opening:
        return False
    response = getattr(message, "response", None)
    if response is None:
        return True
    return str(response).startswith(DISCLOSURE_RESPONSES)


def _alternative_text(alternative: Any) -> str:
    """The recogniser gives (text, confidence) pairs; the dialog takes the texts."""
    if isinstance(alternative, list | tuple):
        return str(alternative[0]) if alternative else ""
    return str(alternative)


def _word_dict(word: Any) -> dict[str, Any]:
    if isinstance(word, dict):
        return word
    return {
        "word": getattr(word, "word", ""),
        "start_ms": getattr(word, "start_ms", None),
        "end_ms": getattr(word, "end_ms", None),
        "confidence": getattr(word, "confidence", None),
    }


def _tracker_json(conversation: Any) -> dict[str, Any]:
    data = conversation.tracker.to_json()
    return json.loads(data) if isinstance(data, str) else data


def _slot(conversation: Any, name: str) -> Any:
    if conversation is None:
        return None
    slots = conversation.tracker.slots
    value = slots.get(name) if isinstance(slots, dict) else None
    return getattr(value, "value", value)


def _intent_of(conversation: Any) -> str | None:
    latest = getattr(conversation.tracker, "latest_message", None)
    if isinstance(latest, dict):
        intent = latest.get("intent")
        if isinstance(intent, dict):
            return intent.get("name")
        return intent
    return None


def _collected_fields(config: Any) -> dict[str, dict[str, Any]]:
    """The dialog's view of the store configuration, as plain dicts per field."""
    fields = config.get("fields") if isinstance(config, dict) else getattr(config, "fields", {})
    out: dict[str, dict[str, Any]] = {}
    for name, info in (fields or {}).items():
        get = info.get if isinstance(info, dict) else lambda k, i=info: getattr(i, k, None)
        out[name] = {
            "value": get("value"),
            "confidence": get("confidence"),
            "turn_index": get("turn_index"),
            "confirmed": bool(get("confirmed")),
            "flagged": bool(get("flagged")),
            "given_up": bool(get("given_up")),
        }
    return out


def _config_value(config: Any, key: str) -> Any:
    """A store configuration's attribute, whether the dialog returned an object or a dict."""
    if isinstance(config, dict):
        return config.get(key)
    return getattr(config, key, None)
