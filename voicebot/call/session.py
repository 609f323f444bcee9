"""One phone conversation, independent of the phone network: the parts wired together.

The line (a Transport) feeds the session from its reader thread: ``start``, ``audio`` (PCM16
8 kHz frames), ``mark_played``, ``dtmf``, ``hang_up``. Those calls only queue small messages
(call/messages.py), so a slow speech decode never stalls the reader. One worker thread per
call does the rest in order:

- speech recognition (a RecognitionStream, told after every bot turn what answer to expect:
  call/listening.py),
- turn taking (call/turn_taking.py, no I/O: who has the floor, barge-in, silence, keys),
- the dialog (a Conversation) and speech synthesis (a Synthesizer),
- every database write (call/call_record.py).

Clocks: everything is placed on the *line clock*, the amount of merchant audio received so
far (Twilio sends audio continuously, silence included). Bot audio is scheduled on it from
the moment it is sent, so the recording, barge-in and silence timers agree with what the
merchant heard, whether the line runs in real time or sped up by the simulator.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from voicebot.call.call_record import (
    CallRecord,
    MerchantUtterance,
    SpokenLine,
    tracker_json,
)
from voicebot.call.listening import (
    EndpointTimes,
    Expectation,
    listening_words,
)
from voicebot.call.messages import (
    Audio,
    EndPolitely,
    HungUp,
    Key,
    LineMessage,
    MarkPlayed,
    Started,
)
from voicebot.call.ports import (
    BotMessage,
    Conversation,
    DialogTurn,
    RecognitionStream,
    SpeechEventLike,
    StoreConfig,
)
from voicebot.call.recording import StereoRecorder
from voicebot.call.services import CallServices
from voicebot.call.speculation import SpeculationStats, Speculator, same_answer
from voicebot.call.transport import Transport
from voicebot.call.turn_taking import (
    BargeIn,
    Decision,
    Heard,
    KeysEntered,
    MerchantSpoke,
    Silence,
    TurnRules,
    TurnTaking,
    UnknownMark,
)
from voicebot.crm.models import CallOutcome
from voicebot.dialog.normalise.languages import UnknownLanguageError
from voicebot.speech.tts_audio import fade_out_from

log = logging.getLogger(__name__)

RATE = 8000
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000 * 2
DTMF_YES, DTMF_NO = "1", "2"
# The dialog's outcome slot values that are call outcomes; anything else is a partial call.
OUTCOMES = {o.value: o for o in CallOutcome}
# Responses that carry the legal disclosures (virtual assistant, recorded, why, opt-out).
DISCLOSURE_RESPONSES = ("utter_opening",)
# How far back the arrival time of a merchant frame is kept (voice-to-voice latency is
# measured from the last speech frame of an answer, which ended at most this long ago).
ARRIVALS_WINDOW_MS = 120_000


class FrameArrivals:
    """When each recent 20 ms frame of merchant audio arrived: a fixed ring, written by the
    line's reader thread and read by the worker (each slot is replaced whole)."""

    def __init__(self, window_ms: int = ARRIVALS_WINDOW_MS) -> None:
        self._slots: list[tuple[int, float] | None] = [None] * max(1, window_ms // FRAME_MS)

    def add(self, frame: int, arrived: float) -> None:
        self._slots[frame % len(self._slots)] = (frame, arrived)

    def get(self, frame: int) -> float | None:
        slot = self._slots[frame % len(self._slots)]
        return slot[1] if slot is not None and slot[0] == frame else None

    def __len__(self) -> int:
        return sum(slot is not None for slot in self._slots)


@dataclass(frozen=True)
class TurnTiming:
    """One bot reply to a merchant's answer, for benchmarks and operations."""

    kind: str  # the answer the bot waited for (listening.AnswerKind), or "keys", "silence"
    endpoint_silence_ms: int | None  # trailing silence that ended the utterance (None: keys)
    processing_ms: int  # endpoint decided -> first bot audio sent
    latency_ms: int | None  # merchant's last speech frame received -> first bot audio sent
    speculation: str = "none"  # the prepared reply: "used", "discarded" or "none"


@dataclass
class CallStats:
    """Figures a benchmark or the simulator prints at the end."""

    latencies_ms: list[int] = field(default_factory=list)  # end of speech -> first bot audio
    processing_ms: list[int] = field(default_factory=list)  # endpoint decided -> first bot audio
    timings: list[TurnTiming] = field(default_factory=list)
    missed_frames: int = 0
    turns: int = 0
    barge_ins: int = 0
    error: str | None = None


@dataclass(frozen=True)
class _Answer:
    """A merchant turn on its way to the dialog."""

    text: str  # what the dialog is given
    kind: str  # the kind of answer the bot waited for (AnswerKind), or "keys", "silence"
    stored: MerchantUtterance
    anchor: float | None  # monotonic arrival of the last speech frame
    decided: float  # monotonic time the endpoint was decided
    endpoint_silence_ms: int | None


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
        self.transport = transport
        self.on_finished = on_finished
        self.recorder = StereoRecorder()
        self.stats = CallStats()
        self.outcome: CallOutcome | None = None
        self.finished = threading.Event()
        self.record = CallRecord(services.db, call_id)

        self._queue: queue.Queue[LineMessage] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._received_samples = 0  # the line clock, advanced by the reader thread
        self._frame_arrivals = FrameArrivals()  # frame index -> monotonic arrival, recent only
        self._last_chunk: int | None = None

        # Worker state.
        self.handled_ms = 0  # the line clock as far as the worker has taken its audio in
        self.language = services.settings.dialog.default_language
        self.turns = TurnTaking(
            TurnRules(
                barge_in=self.settings.barge_in,
                barge_in_min_speech_ms=self.settings.barge_in_min_speech_ms,
                silence_reprompt_ms=int(self.settings.silence_reprompt_s * 1000),
                dtmf_timeout_ms=int(self.settings.dtmf_timeout_s * 1000),
            )
        )
        speech = services.settings.speech
        self._endpoint_times = EndpointTimes(
            speech.endpoint_short_ms, speech.endpoint_silence_ms, speech.endpoint_long_ms
        )
        self.expectation = Expectation.after(None, self.language, self._endpoint_times)
        self._conversation: Conversation | None = None
        self._stream: RecognitionStream | None = None
        self._speculator: Speculator | None = None
        # what became of the prepared replies, per kind of answer the bot waited for
        self.speculation_by_kind: dict[str, SpeculationStats] = {}
        self._turn_index = 0
        self._bot_turn_ids: dict[str, int] = {}  # mark -> stored turn id
        self._bot_texts: dict[str, str] = {}  # mark -> text (disclosure events)
        # when to stop waiting for the goodbye's mark (time.monotonic()), once the dialog ended
        self._give_up_at: float | None = None
        self._hung_up = False
        self._forced_outcome: CallOutcome | None = None
        self._bot_audio: dict[str, bytes] = {}  # mark -> the audio sent, for a click-free cut

    # -- the line's side (reader thread) ----------------------------------------------------
    @property
    def line_ms(self) -> int:
        return self._received_samples * 1000 // RATE

    def start(self, *, stream_sid: str | None = None) -> None:
        self._queue.put(Started(stream_sid))
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
        self._frame_arrivals.add(self.line_ms // FRAME_MS, time.monotonic())
        self._queue.put(Audio(pcm16, start_ms))

    def mark_played(self, name: str) -> None:
        self._queue.put(MarkPlayed(name))

    def dtmf(self, digit: str) -> None:
        self._queue.put(Key(digit))

    def hang_up(self, reason: str = "stop") -> None:
        """The stream ended (Twilio's stop message or the socket closed)."""
        self._queue.put(HungUp(reason))

    def end_politely(self, text: str, outcome: CallOutcome) -> None:
        """End the call from outside (the server is shutting down): say ``text``, wait for
        it to be heard, and record ``outcome`` whatever the dialog had reached."""
        self._queue.put(EndPolitely(text, outcome))

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    # -- the worker ------------------------------------------------------------------------
    def _run(self) -> None:
        error: str | None = None
        try:
            while not self.finished.is_set():
                try:
                    message: LineMessage | None = self._queue.get(timeout=0.2)
                except queue.Empty:
                    message = None
                if isinstance(message, HungUp):
                    log.info("call %s: line closed (%s)", self.call_id, message.reason)
                    self._hung_up = True
                    break
                if message is not None:
                    self._handle(message)
                if self._ready_to_end():
                    break
                if self.line_ms > self.settings.max_call_s * 1000:
                    log.warning("call %s: longer than call.max_call_s, ending it", self.call_id)
                    break
                if self._conversation is not None:
                    # Timers run on the audio examined so far, not on the line: after a slow
                    # decode the merchant's next words may still be waiting in the queue.
                    in_utterance = self._stream is not None and self._stream.in_utterance
                    self._carry_out(self.turns.tick(self.handled_ms, in_utterance=in_utterance))
        except Exception as exc:  # never lose the call: finish with what we have
            log.exception("call %s: session failed", self.call_id)
            error = f"{type(exc).__name__}: {exc}"
            self.stats.error = error
        finally:
            self._finish(error)

    def _handle(self, message: LineMessage) -> None:
        if isinstance(message, Started):
            self._on_start(message.stream_sid)
        elif isinstance(message, Audio):
            self._on_audio(message.pcm16)
            self.handled_ms = message.start_ms + len(message.pcm16) * 1000 // (2 * RATE)
        elif isinstance(message, MarkPlayed):
            self._carry_out(self.turns.mark(message.name, self.line_ms))
        elif isinstance(message, Key):
            self._carry_out(self.turns.key(message.digit, self.line_ms))
        elif isinstance(message, EndPolitely):
            self._on_end_politely(message)

    def _on_end_politely(self, message: EndPolitely) -> None:
        if self.turns.ended:
            return  # already saying goodbye: the call keeps its own outcome
        self._forced_outcome = message.outcome
        if self._conversation is None:  # nothing was said yet
            self._start_ending()
            return
        log.info("call %s: ended from outside (%s)", self.call_id, message.outcome.value)
        self._respond(_Goodbye([_Said(message.text)]), None)

    def _on_start(self, stream_sid: str | None) -> None:
        opening = self.record.open(stream_sid=stream_sid)
        self.language = opening.language or self.language
        agent = self.services.agent
        known = agent.domain.slots  # the dialog refuses slots it does not declare
        slots = {k: v for k, v in opening.slots.items() if k in known}
        self._conversation = agent.new_conversation(
            str(self.call_id), language=self.language, slots=slots
        )
        if self.settings.speculative_replies:
            self._speculator = Speculator(
                agent,
                self.services.synthesizer,
                self.services.speculation_pool,
                rate_of=self._speech_rate,
            )
        self._open_stream()
        self._respond(self._conversation.start(), None, disclosure=True)

    def _open_stream(self) -> None:
        self._stream = self.services.recognizer(self.language).open_stream(sample_rate=RATE)
        try:
            backchannels = listening_words(self.language).backchannels
        except UnknownLanguageError:
            backchannels = frozenset()
        self.turns.rules = replace(self.turns.rules, backchannels=backchannels)

    def _listen_for(self, expecting: dict[str, Any]) -> None:
        """Tell the recogniser what the bot just asked for: vocabulary and endpoint rule."""
        self.expectation = Expectation.after(expecting, self.language, self._endpoint_times)
        if self._stream is None:
            return
        vocabulary = self.expectation.vocabulary
        self._stream.expect(
            list(vocabulary) if vocabulary else None,
            endpoint_rule=self.expectation.endpoint_silence_ms,
        )
        log.debug(
            "call %s: expecting %s (%s)",
            self.call_id,
            self.expectation.kind.value,
            self.expectation.slot,
        )

    def _on_audio(self, pcm16: bytes) -> None:
        if self._stream is None:
            return
        for event in self._stream.accept(pcm16):
            self._on_speech(event)
        if self._stream.in_utterance:
            self._carry_out(
                self.turns.speech_progress(self._stream.voiced_ms, self.line_ms, self.line_ms)
            )

    def _on_speech(self, event: SpeechEventLike) -> None:
        now = self.line_ms
        if event.kind == "speech_start":
            self._carry_out(self.turns.speech_started(event.end_ms, now))
        elif event.kind == "partial":
            self._carry_out(self.turns.partial(event.text or "", event.end_ms, now))
            self._maybe_speculate(event.text or "")
        elif event.kind == "final":
            text = (event.text or "").strip()
            decisions = self.turns.final(text, event.start_ms, event.end_ms, now)
            self._carry_out(decisions, final=event)

    def _maybe_speculate(self, heard: str) -> None:
        """A partial result that already is a complete answer: prepare the reply."""
        speculator, conversation = self._speculator, self._conversation
        if speculator is None or conversation is None or self.turns.ended:
            return
        complete = self.expectation.endpoint_silence_ms(heard) <= self.expectation.times.short_ms
        if not complete:
            with self._tally():
                speculator.drop()  # the answer goes on: what was prepared no longer fits
            return
        if speculator.pending_text is not None and same_answer(speculator.pending_text, heard):
            return  # already preparing this one (and a tracker copy is not free)
        with self._tally():
            speculator.consider(
                heard.strip(),
                tracker=tracker_json(conversation.tracker),
                language=self.language,
                metadata={
                    "turn_index": self._turn_index,
                    "interrupted": self.turns.interrupted_recently(),
                },
            )

    @contextmanager
    def _tally(self) -> Iterator[None]:
        """Count what a speculator call started, used or threw away under the kind of answer
        the bot waits for (the call.media event carries them to benchmarks)."""
        assert self._speculator is not None
        before = replace(self._speculator.stats)
        try:
            yield
        finally:
            after = self._speculator.stats
            mine = self.speculation_by_kind.setdefault(
                self.expectation.kind.value, SpeculationStats()
            )
            mine.started += after.started - before.started
            mine.used += after.used - before.used
            mine.discarded += after.discarded - before.discarded

    # -- decisions -------------------------------------------------------------------------
    def _carry_out(self, decisions: list[Decision], final: SpeechEventLike | None = None) -> None:
        for decision in decisions:
            if isinstance(decision, BargeIn):
                self._stop_bot(decision)
            elif isinstance(decision, Heard):
                speech = decision.speech
                if speech.disclosure:
                    self.record.disclosure_heard(
                        self._bot_texts.get(speech.mark, ""),
                        offset_ms=speech.start_ms,
                        heard_at_ms=decision.at_ms,
                        language=self.language,
                    )
            elif isinstance(decision, UnknownMark):
                log.warning("call %s: mark %r that we never sent", self.call_id, decision.name)
            elif isinstance(decision, MerchantSpoke) and final is not None:
                self._answer(self._spoken_answer(final))
            elif isinstance(decision, KeysEntered):
                self._answer(self._keyed_answer(decision))
            elif isinstance(decision, Silence):
                log.info("call %s: silence (#%d)", self.call_id, decision.count)
                self._answer(self._silence_answer(decision))

    def _stop_bot(self, barge_in: BargeIn) -> None:
        self.transport.clear()
        at = barge_in.at_ms
        cut = next((c for c in barge_in.cut if c.start_ms <= at < c.end_ms), None)
        if cut is not None and cut.mark in self._bot_audio:
            # end the cleared audio with a 20 ms ramp from where it was, not a step (a click)
            self._play(fade_out_from(self._bot_audio[cut.mark], at - cut.start_ms))
        self.recorder.cut_bot(barge_in.at_ms)
        self.stats.barge_ins += 1
        self.record.cut(
            [
                (self._bot_turn_ids[s.mark], max(s.start_ms, barge_in.at_ms))
                for s in barge_in.cut
                if s.mark in self._bot_turn_ids
            ]
        )
        log.info("call %s: barge-in at %d ms, bot audio cleared", self.call_id, barge_in.at_ms)

    def _spoken_answer(self, event: SpeechEventLike) -> _Answer:
        text = (event.text or "").strip()
        alternatives = [list(a) for a in (event.alternatives or [])]
        return _Answer(
            text,
            self.expectation.kind.value,
            MerchantUtterance(
                text,
                event.confidence,
                event.start_ms,
                event.end_ms,
                alternatives,
                [_word_dict(w) for w in (event.words or [])],
            ),
            anchor=self._frame_arrivals.get(max(event.end_ms, 0) // FRAME_MS),
            decided=time.monotonic(),
            endpoint_silence_ms=event.endpoint_silence_ms,
        )

    def _keyed_answer(self, keys: KeysEntered) -> _Answer:
        text = {DTMF_YES: "/affirm", DTMF_NO: "/deny"}.get(keys.digits, keys.digits)
        now = time.monotonic()
        stored = MerchantUtterance(
            f"DTMF {keys.digits}", 1.0, keys.at_ms, keys.at_ms, [], [], intent="dtmf"
        )
        return _Answer(text, "keys", stored, anchor=now, decided=now, endpoint_silence_ms=None)

    def _silence_answer(self, silence: Silence) -> _Answer:
        now = time.monotonic()
        stored = MerchantUtterance("", 1.0, silence.since_ms, silence.at_ms, [], [], "silence")
        return _Answer(
            "/silence", "silence", stored, anchor=now, decided=now, endpoint_silence_ms=None
        )

    # -- turns -----------------------------------------------------------------------------
    def _answer(self, answer: _Answer) -> None:
        assert self._conversation is not None
        index = self._next_index()
        result = self._conversation.handle(
            answer.text,
            confidence=answer.stored.confidence,
            alternatives=[str(a[0]) for a in answer.stored.alternatives if a],
            metadata={"turn_index": index, "interrupted": self.turns.interrupted_recently()},
        )
        intent = _intent_name(self._conversation.tracker.latest_message)
        speculation = "none"
        if self._speculator is not None:
            reply = [m.text for m in result.messages if m.text]
            with self._tally():
                if answer.endpoint_silence_ms is not None:  # spoken: the final result decides
                    speculation = self._speculator.outcome(answer.text, reply)
                else:  # keys or silence: nothing spoken matches
                    self._speculator.drop()
        stored = replace(answer.stored, intent=intent or answer.stored.intent)
        self._respond(result, answer, answered=(index, stored), speculation=speculation)

    def _next_index(self) -> int:
        index = self._turn_index
        self._turn_index += 1
        return index

    def _respond(
        self,
        turn: DialogTurn,
        answer: _Answer | None,
        *,
        disclosure: bool = False,
        answered: tuple[int, MerchantUtterance] | None = None,
        speculation: str = "none",
    ) -> None:
        assert self._conversation is not None
        first_audio_at: float | None = None
        lines: list[tuple[SpokenLine, bool]] = []
        audio: dict[int, bytes] = {}
        for message in [m for m in turn.messages if m.text]:
            # sentence by sentence: the first plays while the next is synthesised
            chunks: list[bytes] = []
            start = self.turns.next_bot_start(self.line_ms)
            for chunk in self.services.synthesizer.synthesise_stream(
                message.text, self.language, rate=self._speech_rate(message)
            ):
                if not chunks:
                    start = self.turns.next_bot_start(self.line_ms)
                sent_at = self._play(chunk)
                first_audio_at = first_audio_at or sent_at
                chunks.append(chunk)
            pcm = b"".join(chunks)
            end = start + len(pcm) * 1000 // (2 * RATE)
            self.recorder.add_bot(pcm, start)
            line = SpokenLine(self._next_index(), message.text, start, end)
            audio[line.index] = pcm
            lines.append((line, _is_disclosure(message, disclosure)))
            self.turns.bot_speaks(f"turn-{line.index}", start, end, disclosure=lines[-1][1])

        latency = self._time_reply(answer, first_audio_at, speculation)
        tracker = tracker_json(self._conversation.tracker)
        ids = self.record.reply(
            [line for line, _ in lines],
            latency_ms=latency,
            answered=answered,
            tracker=tracker,
            config=self.services.store_config(tracker),
        )
        for (line, _), turn_id in zip(lines, ids, strict=True):
            mark = f"turn-{line.index}"
            self._bot_turn_ids[mark] = turn_id
            self._bot_texts[mark] = line.text
            self._bot_audio[mark] = audio[line.index]
            self.transport.send_mark(mark)
        self.stats.turns += 1

        expecting = dict(turn.expecting or {})
        language = expecting.get("language")
        if language and language != self.language:
            log.info("call %s: switching language %s -> %s", self.call_id, self.language, language)
            self.language = language
            self._open_stream()
        self._listen_for(expecting)
        if turn.ended:
            self._start_ending()
        else:  # while the merchant answers, the likely next question is synthesised
            self.services.prefetch_next(self._conversation, self.language)

    def _speech_rate(self, message: BotMessage) -> int | None:
        """The words per minute the dialog asked for (a question said again more slowly);
        None is the synthesiser's usual rate."""
        if (message.metadata or {}).get("speech_rate") == "slow":
            return int(self.services.settings.tts.slow_rate)
        return None

    def _time_reply(
        self, answer: _Answer | None, first_audio_at: float | None, speculation: str
    ) -> int | None:
        if answer is None or first_audio_at is None:
            return None
        latency = int((first_audio_at - answer.anchor) * 1000) if answer.anchor else None
        processing = int((first_audio_at - answer.decided) * 1000)
        if latency is not None:
            self.stats.latencies_ms.append(latency)
        self.stats.processing_ms.append(processing)
        self.stats.timings.append(
            TurnTiming(answer.kind, answer.endpoint_silence_ms, processing, latency, speculation)
        )
        return latency

    def _play(self, pcm: bytes) -> float:
        """Send audio in 20 ms frames (the line buffers and plays it in real time)."""
        first = time.monotonic()
        for start in range(0, len(pcm), FRAME_BYTES):
            frame = pcm[start : start + FRAME_BYTES]
            if len(frame) < FRAME_BYTES:
                frame += b"\x00" * (FRAME_BYTES - len(frame))
            self.transport.send_audio(frame)
        return first

    # -- ending ----------------------------------------------------------------------------
    def _start_ending(self) -> None:
        """The dialog said its last words: end once they are heard, or, should the line stop
        reporting marks, a little after they should have played. The deadline is fixed now,
        from what is queued now: measured against the queue left at each check, the wait
        would shrink as the line plays it and give up halfway through a long goodbye."""
        self.turns.dialog_ended()
        queued_s = max(0, self.turns.bot_end_ms - self.line_ms) / 1000
        self._give_up_at = time.monotonic() + queued_s + self.settings.end_grace_s

    def _ready_to_end(self) -> bool:
        if not self.turns.ended or self._give_up_at is None:
            return False
        if self.turns.all_heard():
            return True  # the goodbye was heard
        return time.monotonic() > self._give_up_at

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
        if self._stream is not None and not self.turns.ended:
            self._keep_unanswered_words()
        path = Path(self.settings.recordings_dir) / f"call-{self.call_id}.wav"
        recorded = None
        try:
            recorded = str(self.recorder.save(path))
        except Exception:
            log.exception("call %s: saving the recording failed", self.call_id)
        progress: tuple[dict[str, Any], StoreConfig] | None = None
        if self._conversation is not None:
            tracker = tracker_json(self._conversation.tracker)
            progress = (tracker, self.services.store_config(tracker))
        self.outcome = self._decide_outcome(error, progress)
        self.record.finish(
            outcome=self.outcome,
            error=error,
            recording=recorded,
            progress=progress,
            settings=self.services.settings,
            media={
                "missed_frames": self.stats.missed_frames,
                "processing_ms": self.stats.processing_ms,
                "barge_ins": self.stats.barge_ins,
                "timings": [asdict(t) for t in self.stats.timings],
                "speculation": self._speculation_figures(),
            },
        )
        log.info("call %s: finished, outcome %s", self.call_id, self.outcome.value)

    def _speculation_figures(self) -> dict[str, Any]:
        """Prepared replies started, used and thrown away (at an endpoint, or dropped while
        the merchant went on), in all and per kind of answer."""
        total = self._speculator.stats if self._speculator is not None else SpeculationStats()
        return {
            **asdict(total),
            "by_kind": {kind: asdict(stats) for kind, stats in self.speculation_by_kind.items()},
        }

    def _keep_unanswered_words(self) -> None:
        """The merchant hung up mid-sentence: keep what they said, unanswered."""
        assert self._stream is not None
        try:
            for event in self._stream.flush():
                text = (event.text or "").strip()
                if event.kind == "final" and text:
                    self.record.merchant_turn(
                        self._next_index(),
                        MerchantUtterance(
                            text, event.confidence, event.start_ms, event.end_ms, [], []
                        ),
                    )
        except Exception:
            log.exception("call %s: flushing the recogniser failed", self.call_id)

    def _decide_outcome(
        self, error: str | None, progress: tuple[dict[str, Any], StoreConfig] | None
    ) -> CallOutcome:
        if error:
            return CallOutcome.ERROR
        if self._forced_outcome is not None:
            return self._forced_outcome
        named = None
        if progress is not None and self._conversation is not None:
            named = progress[1].outcome or self._conversation.tracker.slots.get("call_outcome")
        if isinstance(named, str) and named in OUTCOMES:
            return OUTCOMES[named]
        if self.turns.ended:
            complete = progress is not None and progress[1].complete
            return CallOutcome.COMPLETED if complete else CallOutcome.PARTIAL
        return CallOutcome.HUNG_UP


@dataclass(frozen=True)
class _Said:
    text: str
    response: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Goodbye:
    """A last bot turn that does not come from the dialog (ending the call from outside)."""

    messages: list[_Said]
    ended: bool = True
    expecting: dict[str, Any] | None = None


def _is_disclosure(message: BotMessage, opening: bool) -> bool:
    """The opening's disclosure sentence(s): by response name when the dialog names its
    responses, else every message of the opening turn."""
    if not opening:
        return False
    if message.response is None:
        return True
    return str(message.response).startswith(DISCLOSURE_RESPONSES)


def _intent_name(latest_message: dict[str, Any]) -> str | None:
    intent = latest_message.get("intent")
    return intent.get("name") if isinstance(intent, dict) else intent


def _word_dict(word: Any) -> dict[str, Any]:
    return {
        "word": word.word,
        "start_ms": word.start_ms,
        "end_ms": word.end_ms,
        "confidence": word.confidence,
    }
