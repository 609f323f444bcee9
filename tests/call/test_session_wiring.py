"""The session's wiring, fast: the real dialog (the repository's bot), the real synthesiser,
a real database, and a scripted recognition stream in place of speech recognition, so that
what the merchant "said" is exact and every decision of the session can be asserted:

- after every bot turn the recogniser is told what to expect (vocabulary, kind of answer),
- the endpoint rule the session hands it ends "yes", a category word and a valid tax id
  after the short silence, and waits the long one after 7 of 10 digits,
- a reply speculated on a partial result is used when the final words agree and thrown
  away when they do not, and the call.media event counts both,
- the stream SID of the line is stored with the call's start.

The scripted stream conforms to ports.RecognitionStream. It cuts utterances the way the real
streams do, by the session's endpoint rule: voiced frames open and extend an utterance (each
one brings the next scripted partial result), and the utterance ends once the trailing
silence reaches what the rule says for the words heard so far."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from voicebot.call.listening import AnswerKind, EndpointTimes
from voicebot.call.ports import RecognitionStream
from voicebot.call.services import CallServices
from voicebot.call.session import FRAME_BYTES, FRAME_MS, CallSession, FrameArrivals
from voicebot.config import Settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.events import events_for
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.models import Call as CallRow
from voicebot.crm.models import CallOutcome
from voicebot.dialog import Agent
from voicebot.speech.stt import SpeechEvent

SILENCE = b"\x00" * FRAME_BYTES
VOICE = b"\x10\x02" * (FRAME_BYTES // 2)  # any non-zero frame is speech to the script
STREAM_SID = "MZ0123456789abcdef0123456789abcdef"


class KeptLine:
    """A Transport that keeps what the bot sends."""

    def __init__(self) -> None:
        self.frames = 0
        self.marks: list[str] = []
        self.closed = False

    def send_audio(self, pcm16_8k: bytes) -> None:
        self.frames += 1

    def send_mark(self, name: str) -> None:
        self.marks.append(name)

    def clear(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@dataclass
class Expected:
    vocabulary: list[str] | None
    endpoint_rule: Callable[[str], int] | None


@dataclass
class ScriptedStream:
    """What the merchant says, scripted; utterances end by the session's endpoint rule."""

    default_silence_ms: int = 700
    expects: list[Expected] = field(default_factory=list)
    finals: list[SpeechEvent] = field(default_factory=list)
    _script: deque[tuple[list[str], str]] = field(default_factory=deque)
    _partials: list[str] = field(default_factory=list)
    _final = ""
    _heard = ""
    _now_ms = 0
    _start_ms = 0
    _voiced_ms = 0
    _trailing_ms = 0
    _open = False

    def will_say(self, *partials: str, final: str | None = None) -> None:
        """The next utterance: one partial result per voiced frame, then the final text."""
        self._script.append((list(partials), final if final is not None else partials[-1]))

    @property
    def in_utterance(self) -> bool:
        return self._open

    @property
    def voiced_ms(self) -> int:
        return self._voiced_ms

    def expect(
        self,
        vocabulary: list[str] | None,
        *,
        endpoint_silence_ms: int | None = None,
        endpoint_rule: Callable[[str], int] | None = None,
    ) -> None:
        self.expects.append(Expected(vocabulary, endpoint_rule))

    def silence_needed(self, heard: str) -> int:
        rule = self.expects[-1].endpoint_rule if self.expects else None
        return rule(heard) if rule is not None else self.default_silence_ms

    def accept(self, pcm16: bytes) -> Sequence[SpeechEvent]:
        events: list[SpeechEvent] = []
        self._now_ms += len(pcm16) * 1000 // 16000
        if any(pcm16):
            if not self._open:
                self._open, self._start_ms, self._voiced_ms, self._heard = True, self._now_ms, 0, ""
                partials, self._final = self._script.popleft()
                self._partials = list(partials)
                events.append(
                    SpeechEvent("speech_start", start_ms=self._start_ms, end_ms=self._now_ms)
                )
            self._voiced_ms += FRAME_MS
            self._trailing_ms = 0
            if self._partials:
                self._heard = self._partials.pop(0)
                events.append(
                    SpeechEvent(
                        "partial", self._heard, start_ms=self._start_ms, end_ms=self._now_ms
                    )
                )
        elif self._open:
            self._trailing_ms += FRAME_MS
            if self._trailing_ms >= self.silence_needed(self._heard):
                events.append(self._close("silence"))
        return events

    def _close(self, reason: str) -> SpeechEvent:
        self._open = False
        final = SpeechEvent(
            "final",
            self._final,
            0.95,
            [(self._final, 0.95)],
            start_ms=self._start_ms,
            end_ms=self._now_ms - self._trailing_ms,
            end_reason=reason,
            endpoint_silence_ms=self._trailing_ms,
        )
        self.finals.append(final)
        return final

    def flush(self) -> Sequence[SpeechEvent]:
        return [self._close("flush")] if self._open else []


class ScriptedServices(CallServices):
    """The process's services with the scripted stream in place of the recogniser."""

    def __init__(self, settings: Settings, db: Database, agent: Agent) -> None:
        super().__init__(settings, db, agent=agent)
        self.stream = ScriptedStream()

    def recognizer(self, language: str) -> Any:
        stream = self.stream

        class Engine:
            def open_stream(self, sample_rate: int = 8000) -> RecognitionStream:
                return stream

        return Engine()


@pytest.fixture(scope="module")
def agent() -> Agent:
    from voicebot.config import load_settings

    return Agent.from_settings(load_settings(environ={}).dialog)


def on_frames(ms: int) -> int:
    """The silence that ends an utterance, counted in whole 20 ms frames."""
    return -(-ms // FRAME_MS) * FRAME_MS


def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the session did not get there in time"
        time.sleep(0.005)


class Call:
    """Drives one session on the line clock, as a line that plays everything the bot says."""

    def __init__(self, session: CallSession, stream: ScriptedStream) -> None:
        self.session, self.stream = session, stream
        self.heard: set[str] = set()

    def settle(self) -> None:
        s = self.session
        wait_for(lambda: s.handled_ms >= s.line_ms and s._queue.empty())
        time.sleep(0.02)  # the last message's work (a reply) finishes after it was taken

    def feed(self, *frames: bytes) -> None:
        for frame in frames:
            self.session.audio(frame)
        self.settle()
        for speech in list(self.session.turns.speeches):
            if speech.mark not in self.heard and speech.end_ms <= self.session.line_ms:
                self.heard.add(speech.mark)
                self.session.mark_played(speech.mark)
        self.settle()

    def until_asked(self, slot: str) -> None:
        """Line silence while the bot asks: until it waits for ``slot`` and has finished."""
        s = self.session
        deadline = s.line_ms + 120_000
        while (s.expectation.slot != slot or s.line_ms < s.turns.bot_end_ms + 200) and (
            s.line_ms < deadline
        ):
            self.feed(*[SILENCE] * max(10, (s.turns.bot_end_ms + 200 - s.line_ms) // FRAME_MS))
        assert s.expectation.slot == slot, (slot, s.expectation)

    def answer(self, *partials: str, final: str | None = None, pause_ms: int = 0) -> None:
        """Say it: one voiced frame per partial result (``pause_ms`` of silence between
        them), then silence until the utterance ends and the reply is on its way."""
        self.stream.will_say(*partials, final=final)
        finals = len(self.stream.finals)
        for n, _ in enumerate(partials):
            if n and pause_ms:
                self.feed(*[SILENCE] * (pause_ms // FRAME_MS))
                assert len(self.stream.finals) == finals, "the pause ended the answer"
            self.feed(VOICE)
        while len(self.stream.finals) == finals:
            self.feed(*[SILENCE] * 10)


@dataclass
class Running:
    session: CallSession
    services: ScriptedServices
    line: KeptLine
    call_id: int


@contextmanager
def running_session(
    settings: Settings, db: Database, agent: Agent, merchant: dict[str, str]
) -> Iterator[Running]:
    """A session for a new call to ``merchant``, started and waited for until its first
    words are on the line; hung up and its synthesiser closed afterwards."""
    with db.session() as s:
        row, _ = upsert_merchant(s, normalise_merchant(merchant))
        call_id = crm_calls.create_call(s, row.id, language="en").id
    services = ScriptedServices(settings, db, agent)
    line = KeptLine()
    session = CallSession(call_id, services, line)
    try:
        session.start(stream_sid=STREAM_SID)
        wait_for(lambda: line.marks != [])
        yield Running(session, services, line, call_id)
    finally:
        session.hang_up()
        assert session.wait(60)
        services.synthesizer.close()
    assert session.stats.error is None


def test_the_session_listens_for_each_answer_and_commits_or_drops_speculation(
    settings: Settings, db: Database, agent: Agent
) -> None:
    settings = settings.model_copy(
        update={
            "call": settings.call.model_copy(update={"silence_reprompt_s": 60.0}),
            # the real synthesiser, on its quick engine (espeak-ng): timings are not asserted
            "tts": settings.tts.model_copy(update={"engines": {"en": "espeak"}}),
        }
    )
    times = EndpointTimes(
        settings.speech.endpoint_short_ms,
        settings.speech.endpoint_silence_ms,
        settings.speech.endpoint_long_ms,
    )
    merchant = {
        "external_id": "wiring-1",
        "phone": "+12025550199",
        "language": "en",
        "contact_name": "Alex Morgan",
        "company_name": "Gadget Corner LLC",
    }
    with running_session(settings, db, agent, merchant) as running:
        session, stream, call_id = running.session, running.services.stream, running.call_id
        call = Call(session, stream)

        def expected() -> Expected:
            """What the session last told the recogniser, checked against the dialog."""
            told = stream.expects[-1]
            vocabulary = session.expectation.vocabulary
            assert told.vocabulary == (list(vocabulary) if vocabulary else None)
            assert told.endpoint_rule is not None
            return told

        # 1. "Is now a good time?": yes/no words; "yes" is complete, the reply speculated on
        #    the partial "yes" is the one the final "yes" gets.
        call.until_asked("good_time")
        told = expected()
        assert session.expectation.kind is AnswerKind.YES_NO
        assert {"yes", "no"} <= set(told.vocabulary or [])
        assert told.endpoint_rule("yes") == times.short_ms  # type: ignore[misc]
        call.answer("yes")
        first = session.stats.timings[-1]
        assert (first.kind, first.endpoint_silence_ms) == ("yes_no", on_frames(times.short_ms))
        assert first.speculation == "used"

        # 2. The sign-up read-back: a yes/no again; the partial "yes" is speculated on, but
        #    the final result says more: the prepared reply is thrown away.
        call.until_asked("prefill_confirmed")
        assert expected().endpoint_rule("yes") == times.short_ms  # type: ignore[misc]
        call.answer("yes", final="yes that's right")
        assert session.stats.timings[-1].speculation == "discarded"

        # 3. The store's name: free speech, no vocabulary, the usual endpoint.
        call.until_asked("store_name")
        assert session.expectation.kind is AnswerKind.FREE and expected().vocabulary is None
        call.answer("it's called gadget corner")
        assert session.stats.timings[-1].endpoint_silence_ms == on_frames(times.normal_ms)
        assert session.stats.timings[-1].speculation == "none"

        # 4. The industry: the lexicon's words; a category word is complete.
        call.until_asked("industry")
        told = expected()
        assert session.expectation.kind is AnswerKind.CATEGORY
        assert {"electronics", "books", "pets", "sport"} <= set(told.vocabulary or [])
        call.answer("electronics")
        assert session.stats.timings[-1].endpoint_silence_ms == on_frames(times.short_ms)

        # 5.-9. Through the form to the tax number.
        for slot, said in [
            ("product_count", "about twelve hundred products"),
            ("sales_channels", "mostly on ebay"),
            ("migrate_products", "no we don't"),
            ("has_domain", "no we don't"),
            ("payment_methods", "card and paypal"),
            ("shipping_methods", "courier"),
        ]:
            call.until_asked(slot)
            expected()
            call.answer(said)

        # 10. The tax number (the merchant's a US one, an EIN): digits; 6 of 9 wait the long
        #     silence (a pause longer than the usual endpoint does not end the answer), a
        #     valid nine-digit number the short one.
        call.until_asked("tax_id")
        told = expected()
        assert session.expectation.kind is AnswerKind.TAX_ID
        assert {"one", "seven", "zero"} <= set(told.vocabulary or [])
        six = "one two three four five six"
        nine = "one two three four five six seven eight nine"
        assert told.endpoint_rule(six) == times.long_ms  # type: ignore[misc]
        assert told.endpoint_rule(nine) == times.short_ms  # type: ignore[misc]
        call.answer(six, nine, pause_ms=times.normal_ms + 100)
        tax = session.stats.timings[-1]
        assert (tax.kind, tax.endpoint_silence_ms) == ("tax_id", on_frames(times.short_ms))
        assert stream.finals[-1].text == nine  # one answer, not two
        call.until_asked("tax_id_confirmed")

    with db.session() as s:
        events = events_for(s, call_id=call_id)
        started = [e.data for e in events if e.kind == "call.stream_started"]
        media = [e.data for e in events if e.kind == "call.media"][-1]
    assert started and started[0]["stream_sid"] == STREAM_SID
    speculation = media["speculation"]
    spoken = [t for t in session.stats.timings if t.speculation != "none"]
    assert speculation["used"] == sum(t.speculation == "used" for t in spoken) >= 1
    assert speculation["discarded"] >= sum(t.speculation == "discarded" for t in spoken) >= 1
    assert speculation["started"] >= speculation["used"] + 1
    by_kind = speculation["by_kind"]
    assert by_kind["yes_no"]["used"] >= 1 and by_kind["yes_no"]["discarded"] >= 1
    assert sum(k["started"] for k in by_kind.values()) == speculation["started"]
    # the 7 digits were no complete answer: the 10-digit partial was speculated on afresh
    assert "tax_id" in by_kind


def test_a_goodbye_queued_behind_a_long_prompt_is_waited_for_to_its_end(
    settings: Settings, db: Database, agent: Agent
) -> None:
    """Ended from outside (a draining server) during the long opening, the apology plays
    after it. The wait for its mark is fixed when the dialog ends: measured against what
    is still queued at each check, it shrank as the line played and gave up halfway
    through the apology (the drain test's merchant heard its first sentence only)."""
    grace_s = 0.5
    settings = settings.model_copy(
        update={
            "call": settings.call.model_copy(
                update={"silence_reprompt_s": 60.0, "end_grace_s": grace_s}
            ),
            "tts": settings.tts.model_copy(update={"engines": {"en": "espeak"}}),
        }
    )
    merchant = {"external_id": "drain-1", "phone": "+12025550198", "language": "en"}
    with running_session(settings, db, agent, merchant) as running:
        session, line, call_id = running.session, running.line, running.call_id
        session.end_politely("Sorry, we have to end the call now. Goodbye.", CallOutcome.PARTIAL)
        wait_for(lambda: session.turns.ended)
        apology_end_ms = session.turns.bot_end_ms
        assert apology_end_ms - session.line_ms > 4 * grace_s * 1000  # behind the opening
        # the line plays at four times real time and returns no mark: the session waits
        # at least until the apology has played on the line's clock
        while session.line_ms < apology_end_ms:
            session.audio(SILENCE)
            time.sleep(FRAME_MS / 4000)
            assert not session.finished.is_set(), (session.line_ms, apology_end_ms)
        for mark in line.marks:  # the marks come back: the call ends at once
            session.mark_played(mark)
        assert session.wait(10)
    with db.session() as s:
        assert s.get(CallRow, call_id).outcome is CallOutcome.PARTIAL  # type: ignore[union-attr]


def test_frame_arrivals_keep_a_bounded_window() -> None:
    arrivals = FrameArrivals(window_ms=100)  # five 20 ms frames
    for frame in range(12):
        arrivals.add(frame, float(frame))
    assert len(arrivals) == 5
    assert arrivals.get(11) == 11.0 and arrivals.get(7) == 7.0
    assert arrivals.get(6) is None and arrivals.get(0) is None  # fell out of the window
