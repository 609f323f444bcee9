"""The simulated merchant: hears the bot's audio as it is played, transcribes each bot turn
with the speech engine, picks a reply from the scenario and speaks it with espeak-ng.

The line (MediaStreamClient) calls ``hear``/``mark_played`` and ``next_frame`` once per
20 ms tick from its pacing thread; transcription and synthesis run on the persona's own
thread so the line keeps its pace."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voicebot.simulator.scenario import Reply, Scenario

log = logging.getLogger(__name__)

FRAME_BYTES = 320  # 20 ms of 8 kHz PCM16
SILENCE = b"\x00" * FRAME_BYTES
TURN_GAP_TICKS = 15  # 300 ms without bot audio after a mark: the bot has finished its turn


@dataclass
class HeardLine:
    speaker: str  # "bot" | "merchant" | "twilio"
    text: str
    at_ms: int


@dataclass
class PersonaStats:
    latencies_ms: list[float] = field(default_factory=list)  # last speech frame -> bot audio
    # the same, each with the slot the bot had asked for (None: spoken over the bot)
    latencies_by_slot: list[tuple[str | None, float]] = field(default_factory=list)
    bot_turns: int = 0


class Persona:
    def __init__(
        self,
        scenario: Scenario,
        *,
        transcribe: Callable[[bytes], str],
        synthesize: Callable[[str], bytes],
        requested_slot: Callable[[], str | None] = lambda: None,
        seed: int = 7,
    ) -> None:
        self.scenario = scenario
        self.transcribe = transcribe
        self.synthesize = synthesize
        self.requested_slot = requested_slot
        self.transcript: list[HeardLine] = []
        self.stats = PersonaStats()
        self.wants_hang_up = threading.Event()
        self.dtmf_out: queue.Queue[str] = queue.Queue()
        self._rng = np.random.default_rng(seed)
        self._noise = (
            32768 * 10 ** (scenario.noise_db / 20) if scenario.noise_db is not None else 0.0
        )
        self._lock = threading.Lock()
        self._outgoing: list[tuple[bytes, bool]] = []  # (frame, is speech) still to send
        self._segment: list[bytes] = []  # bot audio since the last mark
        self._turn_open = False
        self._turn_texts: list[str] = []
        self._turn_started_ms: int | None = None
        self._tick = 0
        self._last_bot_tick = -1
        self._mark_since_audio = False
        self._turn_audio_ms = 0
        self._interrupted_turns: set[int] = set()
        self._work: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._speech_ended_at: float | None = None
        self._awaiting_bot = False
        self._answering_slot: str | None = None  # the slot of the reply being spoken
        self._answered_slot: str | None = None  # the slot of the reply just finished
        self._thread = threading.Thread(target=self._run, name="persona", daemon=True)
        self._thread.start()

    # -- called by the line every tick ------------------------------------------------------
    @property
    def now_ms(self) -> int:
        return self._tick * 20

    def next_frame(self) -> tuple[bytes, bool]:
        """The merchant's next 20 ms (speech or room tone) and whether it is speech."""
        self._tick += 1
        with self._lock:
            frame, speaking = self._outgoing.pop(0) if self._outgoing else (SILENCE, False)
            finished_speaking = speaking and not self._outgoing
        if finished_speaking:
            self._speech_ended_at = time.monotonic()
            self._awaiting_bot = True
            self._answered_slot = self._answering_slot
        if self._noise:
            samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
            samples += self._rng.normal(0.0, self._noise, samples.size)
            frame = np.clip(samples, -32768, 32767).astype("<i2").tobytes()
        return frame, speaking

    def bot_audio_received(self) -> None:
        """First bot audio after the merchant spoke: the voice-to-voice latency."""
        if self._awaiting_bot and self._speech_ended_at is not None:
            latency = (time.monotonic() - self._speech_ended_at) * 1000
            self.stats.latencies_ms.append(latency)
            self.stats.latencies_by_slot.append((self._answered_slot, latency))
            self._awaiting_bot = False

    def hear(self, frame: bytes | None) -> None:
        if frame is not None:
            self._segment.append(frame)
            self._last_bot_tick = self._tick
            self._mark_since_audio = False
            self._turn_audio_ms += 20
            self._maybe_interrupt()
            return
        turn_over = (
            self._turn_open
            and self._mark_since_audio
            and self._tick - self._last_bot_tick >= TURN_GAP_TICKS
        )
        if turn_over:
            self._turn_open = False
            self._turn_audio_ms = 0
            self.stats.bot_turns += 1
            self._work.put(("turn_end", (self.stats.bot_turns, self.now_ms)))

    def mark_played(self, _name: str) -> None:
        """One bot utterance is over: start transcribing it while the next one plays."""
        self._mark_since_audio = True
        if self._segment:
            audio = b"".join(self._segment)
            self._segment = []
            self._turn_open = True
            self._work.put(("segment", (audio, self.now_ms - len(audio) * 1000 // 16000)))

    def bot_cleared(self) -> None:
        """The bot stopped because the merchant spoke: what it was saying is no turn to answer."""
        self._segment = []
        self._turn_open = False
        self._work.put(("discard", None))

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop after the work in hand (a transcription must not outlive the process).

        The line may close right after the bot's last words (a goodbye, the drain apology):
        what was played but never followed by the pause that ends a turn was still heard."""
        if self._segment:
            audio = b"".join(self._segment)
            self._segment = []
            self._work.put(("segment", (audio, self.now_ms - len(audio) * 1000 // 16000)))
        self._work.put(("last_words", self.now_ms))
        self._work.put(("stop", None))
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)

    # -- the persona's own thread -------------------------------------------------------------
    def _maybe_interrupt(self) -> None:
        turn = self.stats.bot_turns + 1
        for interruption in self.scenario.interruptions:
            if (
                interruption.bot_turn == turn
                and turn not in self._interrupted_turns
                and self._turn_audio_ms >= interruption.after_ms
            ):
                self._interrupted_turns.add(turn)
                self._work.put(("interrupt", interruption.say))

    def _run(self) -> None:
        while True:
            kind, payload = self._work.get()
            if kind == "stop":
                return
            try:
                if kind == "interrupt":
                    self._say(payload, delay_ms=0)
                elif kind == "segment":
                    audio, at_ms = payload
                    if self._turn_started_ms is None:
                        self._turn_started_ms = at_ms
                    self._turn_texts.append(self.transcribe(audio).strip())
                elif kind == "discard":
                    self._turn_texts, self._turn_started_ms = [], None
                elif kind == "turn_end":
                    self._answer(*payload)
                elif kind == "last_words" and self._turn_texts:
                    self._record_heard(payload)
            except Exception:
                log.exception("persona failed; it stays silent")

    def _record_heard(self, at_ms: int) -> str:
        """The bot turn transcribed so far becomes a line of what the merchant heard."""
        heard = " ".join(t for t in self._turn_texts if t)
        started = self._turn_started_ms if self._turn_started_ms is not None else at_ms
        self.transcript.append(HeardLine("bot", heard, started))
        self._turn_texts, self._turn_started_ms = [], None
        return heard

    def _answer(self, turn: int, at_ms: int) -> None:
        heard = self._record_heard(at_ms)
        log.info("persona heard (bot turn %d): %s", turn, heard)
        if turn in self._interrupted_turns:
            return  # already spoke over this turn
        if turn > self.scenario.max_bot_turns:
            log.warning("persona: %d bot turns, hanging up", turn)
            self.wants_hang_up.set()
            return
        slot = self.requested_slot()
        self._act(self.scenario.pick(heard, slot), slot)

    def _act(self, reply: Reply, slot: str | None = None) -> None:
        if reply.hang_up:
            self.transcript.append(HeardLine("merchant", "(hangs up)", self.now_ms))
            self.wants_hang_up.set()
        elif reply.silence:
            self.transcript.append(HeardLine("merchant", "(silence)", self.now_ms))
        elif reply.dtmf:
            self.transcript.append(HeardLine("merchant", f"(keys {reply.dtmf})", self.now_ms))
            for digit in reply.dtmf:
                self.dtmf_out.put(digit)
        elif reply.say:
            self._say(reply.say, delay_ms=self.scenario.reply_delay_ms, slot=slot)

    def _say(self, text: str, *, delay_ms: int, slot: str | None = None) -> None:
        pcm = self.synthesize(text)
        frames = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
        if frames and len(frames[-1]) < FRAME_BYTES:
            frames[-1] += b"\x00" * (FRAME_BYTES - len(frames[-1]))
        self.transcript.append(HeardLine("merchant", text, self.now_ms + delay_ms))
        with self._lock:
            self._answering_slot = slot
            self._outgoing.extend([(SILENCE, False)] * (delay_ms // 20))
            self._outgoing.extend((f, True) for f in frames)
