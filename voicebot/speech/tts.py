"""Speech synthesis for calls: Piper where a voice is installed, espeak-ng otherwise.

The synthesiser picks an engine per language (``tts.engines``: auto, piper or espeak) and says
at start-up what it uses and why. Prompts are spoken sentence by sentence: ``synthesise_stream``
yields the first sentence as soon as it is ready and synthesises the next one in the
background while the first plays. ``prefetch`` renders texts the call will probably need next
(the next question of the form) while the merchant is still talking.

Every sentence is cached on disk and in memory, keyed by engine, voice, settings and text, and
comes out telephone-ready (``tts_audio``): PCM16 mono at 8 kHz, one loudness for both engines,
faded edges, pauses between read-back groups. When Piper fails (a hung or crashed worker, which
the pool replaces), that sentence is spoken by espeak-ng instead: a robotic prompt beats silence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voicebot.speech.audio import TELEPHONE_RATE
from voicebot.speech.audio import ulaw_frames as _ulaw_frames
from voicebot.speech.g711 import ulaw_encode
from voicebot.speech.tempo import TempoError, change_tempo
from voicebot.speech.tts_audio import pad_to_frames, silence, to_telephone
from voicebot.speech.tts_cache import PromptCache, cache_key
from voicebot.speech.tts_engine import SpeechEngine, TtsError, TtsTimeout
from voicebot.speech.tts_espeak import EspeakProcess
from voicebot.speech.tts_piper import PiperEngine, PiperPool, PiperVoiceFiles, find_piper_voice
from voicebot.speech.tts_text import pieces, sentences

if TYPE_CHECKING:
    from voicebot.config import TtsSettings

__all__ = ["EngineChoice", "Synthesizer", "TtsError", "TtsTimeout"]

log = logging.getLogger(__name__)

CACHE_FORMAT = "pcm16-8k-v3"  # bump when the stored audio changes meaning (v3: spelled read-backs)
MIN_RATE, MAX_RATE = 60, 400  # words per minute a prompt can be paced to intelligibly


@dataclass(frozen=True)
class EngineChoice:
    language: str
    engine: str  # "piper" | "espeak"
    voice: str
    reason: str
    piper_voice: PiperVoiceFiles | None = None

    def describe(self) -> str:
        return f"tts {self.language}: {self.engine} {self.voice} ({self.reason})"


class Synthesizer:
    """One per process. Thread-safe; cached sentences never touch a worker."""

    def __init__(self, settings: TtsSettings) -> None:
        self.settings = settings
        self.cache = PromptCache(settings.cache_dir, settings.memory_cache_items)
        self.cache_dir = self.cache.directory
        self._espeak = EspeakProcess(settings)
        self._piper: PiperPool | None = None
        self._choices: dict[str, EngineChoice] = {}
        self._lock = threading.Lock()
        self._pending: dict[str, Future[bytes]] = {}
        self._pending_lock = threading.Lock()
        workers = settings.prefetch_workers
        self._background = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tts-ahead")
            if workers > 0
            else None
        )
        self.fallbacks = 0  # sentences spoken by espeak because Piper failed
        self.render_cpu_s = 0.0  # workers' CPU time for everything rendered (for benchmarks)

    # -- choosing -----------------------------------------------------------------------------
    def choice(self, language: str) -> EngineChoice:
        """The engine and voice for ``language``, decided once, with the reason."""
        with self._lock:
            if language not in self._choices:
                self._choices[language] = self._choose(language)
            return self._choices[language]

    def _choose(self, language: str) -> EngineChoice:
        settings = self.settings
        wanted = settings.engines.get(language, "auto")
        espeak_voice = settings.voices.get(language)
        if wanted != "espeak":
            preferred = settings.piper_voices.get(language, "auto")
            voice = find_piper_voice(language, settings.piper_voices_dir, preferred)
            if voice is not None:
                fallback = f"espeak {espeak_voice} if it fails" if espeak_voice else "no fallback"
                return EngineChoice(
                    language,
                    "piper",
                    voice.name,
                    f"Piper voice from {voice.source}; {fallback}",
                    voice,
                )
            missing = (
                f"Piper voice {preferred!r} is not installed"
                if preferred not in ("", "auto")
                else f"no Piper voice for {language} installed"
            )
            reason = f"{missing}: `voicebot models download {language} --piper`"
            if wanted == "piper":
                log.warning("tts.engines.%s is piper, but %s", language, reason)
        else:
            reason = f"tts.engines.{language} is espeak"
        if espeak_voice is None:
            raise TtsError(
                f"no TTS voice for language {language!r}: add tts.voices.{language} "
                f"(known: {', '.join(sorted(settings.voices))})"
            )
        return EngineChoice(language, "espeak", espeak_voice, reason)

    def languages(self) -> list[str]:
        s = self.settings
        return sorted({*s.engines, *s.voices, *s.piper_voices})

    def describe(self) -> list[str]:
        """One line per language: the engine, the voice and why."""
        lines = []
        for language in self.languages():
            try:
                lines.append(self.choice(language).describe())
            except TtsError as exc:
                lines.append(f"tts {language}: none ({exc})")
        return lines

    def engine(self, language: str, kind: str | None = None) -> SpeechEngine:
        choice = self.choice(language)
        if (kind or choice.engine) == "piper":
            if choice.piper_voice is None:
                raise TtsError(f"no Piper voice for {language}")
            return PiperEngine(self._piper_pool(), choice.piper_voice)
        return self._espeak.engine(language)

    def _piper_pool(self) -> PiperPool:
        with self._lock:
            if self._piper is None:
                preload = [c.piper_voice for c in self._choices.values() if c.piper_voice]
                self._piper = PiperPool(self.settings, preload)
            return self._piper

    def start(self) -> None:
        """Decide every language's engine, say so, and start the Piper workers now."""
        for line in self.describe():
            log.info("%s", line)
        if any(c.engine == "piper" for c in self._choices.values()):
            self._piper_pool().pool.start()

    # -- speaking -----------------------------------------------------------------------------
    def synthesise_stream(
        self, text: str, language: str, *, rate: int | None = None
    ) -> Iterator[bytes]:
        """``text`` in ``language`` as PCM16 8 kHz chunks, one per sentence, each a whole
        number of 20 ms frames. The next sentence is synthesised while this one plays.
        ``rate`` (words per minute) other than ``tts.rate`` paces the prompt differently, e.g.
        a question said again more slowly: the usual audio, stretched (see tempo.py)."""
        parts = sentences(text)
        if not parts:
            raise TtsError("nothing to say: the text is empty")
        if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
            raise TtsError(f"speaking rate {rate} is outside {MIN_RATE}..{MAX_RATE} words/min")
        self.choice(language)  # an unknown language fails here, before any audio
        paced = rate if rate is not None and rate != self.settings.rate else None
        return self._stream(parts, language, paced)

    def _stream(self, parts: list[str], language: str, rate: int | None) -> Iterator[bytes]:
        ahead: Future[bytes] | None = None
        for n, sentence in enumerate(parts):
            audio = ahead.result() if ahead is not None else self._sentence(sentence, language)
            ahead = None
            if n + 1 < len(parts):
                ahead = self._submit(parts[n + 1], language)
            yield audio if rate is None else self._paced(sentence, language, audio, rate)

    def synthesise(self, text: str, language: str, *, rate: int | None = None) -> bytes:
        """The whole of ``text`` as PCM16 mono little-endian at 8 kHz."""
        return b"".join(self.synthesise_stream(text, language, rate=rate))

    def _paced(self, sentence: str, language: str, usual: bytes, rate: int) -> bytes:
        key = self.cache_key(sentence, language, rate=rate)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        try:
            audio = change_tempo(usual, TELEPHONE_RATE, rate / self.settings.rate)
        except TempoError as exc:
            raise TtsError(f"cannot say it at {rate} words/min: {exc}") from exc
        audio = pad_to_frames(audio)
        self.cache.put(key, audio)
        return audio

    synthesize = synthesise  # the spelling older callers use

    def prefetch(self, texts: Iterable[str], language: str) -> list[Future[bytes]]:
        """Synthesise ``texts`` in the background (skipping cached sentences); returns the
        futures, which callers may ignore: the audio lands in the cache."""
        futures = []
        for text in texts:
            for sentence in sentences(text):
                if not self.is_cached(sentence, language):
                    futures.append(self._submit(sentence, language))
        return futures

    def synthesize_ulaw(self, text: str, language: str) -> bytes:
        return ulaw_encode(self.synthesise(text, language))

    def ulaw_frames(self, text: str, language: str) -> list[bytes]:
        """20 ms mu-law frames (160 bytes each) ready for a Twilio media message."""
        return list(_ulaw_frames(self.synthesize_ulaw(text, language)))

    def warm(self, texts_by_language: Mapping[str, Iterable[str]]) -> int:
        """Cache every sentence with the language's engine and, where that is Piper, with its
        espeak fallback too; returns how many (sentence, engine) pairs were synthesised."""
        rendered = 0
        for language, texts in texts_by_language.items():
            choice = self.choice(language)
            kinds = [choice.engine]
            if choice.engine == "piper" and language in self.settings.voices:
                kinds.append("espeak")
            for text in texts:
                for sentence in sentences(text):
                    for kind in kinds:
                        key = self.cache_key(sentence, language, kind)
                        if key not in self.cache:
                            self.cache.put(key, self._render(sentence, language, kind))
                            rendered += 1
        return rendered

    def is_cached(self, text: str, language: str, engine: str | None = None) -> bool:
        return all(self.cache_key(s, language, engine) in self.cache for s in sentences(text))

    def cache_key(
        self, sentence: str, language: str, engine: str | None = None, *, rate: int | None = None
    ) -> str:
        identity = self.engine(language, engine).cache_identity()
        parts = {
            "format": CACHE_FORMAT,
            "text": " ".join(sentence.split()),
            "language": language,
            "loudness_dbfs": self.settings.loudness_dbfs,
            "group_pause_ms": self.settings.group_pause_ms,
            **identity,
        }
        if rate is not None and rate != self.settings.rate:
            parts["paced_to"] = rate  # the usual sentence stretched (usual keys stay as they were)
        return cache_key(parts)

    # -- workers ------------------------------------------------------------------------------
    @property
    def worker_pid(self) -> int | None:
        """The espeak worker's process id (None before the first espeak synthesis)."""
        pids = self._espeak.pool.pids
        return pids[0] if pids else None

    @property
    def piper_worker_pids(self) -> list[int]:
        return self._piper.pool.pids if self._piper is not None else []

    def close(self) -> None:
        if self._background is not None:
            self._background.shutdown(wait=True, cancel_futures=True)
        self._espeak.close()
        if self._piper is not None:
            self._piper.close()

    # -- internals ----------------------------------------------------------------------------
    def _submit(self, sentence: str, language: str) -> Future[bytes]:
        if self._background is None:
            done: Future[bytes] = Future()
            try:
                done.set_result(self._sentence(sentence, language))
            except TtsError as exc:
                done.set_exception(exc)
            return done
        from voicebot.observability.logs import in_call_context

        future = self._background.submit(in_call_context(self._sentence), sentence, language)
        future.add_done_callback(_log_failure)
        return future

    def _sentence(self, sentence: str, language: str) -> bytes:
        """One sentence from the cache, or rendered once however many threads ask for it."""
        choice = self.choice(language)
        key = self.cache_key(sentence, language)
        audio = self.cache.get(key)
        if audio is not None:
            return audio
        with self._pending_lock:
            running = self._pending.get(key)
            if running is None:
                mine: Future[bytes] = Future()
                self._pending[key] = mine
        if running is not None:  # another thread is rendering it: wait for that
            return running.result(timeout=2 * self.settings.timeout_s + 5)
        try:
            audio = self._render_with_fallback(sentence, language, choice, key)
            mine.set_result(audio)
            return audio
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        finally:
            with self._pending_lock:
                self._pending.pop(key, None)

    def _render_with_fallback(
        self, sentence: str, language: str, choice: EngineChoice, key: str
    ) -> bytes:
        try:
            audio = self._render(sentence, language, choice.engine)
        except TtsError as exc:
            if choice.engine != "piper" or language not in self.settings.voices:
                raise
            self.fallbacks += 1
            log.warning("tts %s: Piper failed (%s); espeak speaks %r", language, exc, sentence[:60])
            fallback_key = self.cache_key(sentence, language, "espeak")
            cached = self.cache.get(fallback_key)
            if cached is not None:
                return cached
            audio = self._render(sentence, language, "espeak")
            self.cache.put(fallback_key, audio)
            return audio
        self.cache.put(key, audio)
        return audio

    def _render(self, sentence: str, language: str, kind: str) -> bytes:
        engine = self.engine(language, kind)
        started = time.perf_counter()
        parts: list[np.ndarray] = []
        for piece in pieces(sentence, language):
            rendered = engine.render(piece.text)
            self.render_cpu_s += rendered.cpu_s
            parts.append(to_telephone(rendered.samples, rendered.rate, self.settings.loudness_dbfs))
            if piece.pause_after:
                parts.append(silence(self.settings.group_pause_ms))
        if not parts:
            raise TtsError(f"nothing to say in {sentence!r}")
        audio = pad_to_frames(np.concatenate(parts).astype("<i2").tobytes())
        log.debug(
            "%s synthesised %d ms in %.0f ms: %r",
            kind,
            len(audio) // 16,
            (time.perf_counter() - started) * 1000,
            sentence[:60],
        )
        return audio


def _log_failure(future: Future[bytes]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("background synthesis failed: %s", exc)
