"""Speech synthesis: pyttsx3 with espeak-ng, isolated in a worker process, cached.

pyttsx3 allows one engine per process (espeak has one global callback) and its loop can hang,
so the engine lives in a child process. Requests are serialised by a lock and each waits at
most ``tts.timeout_s``; a worker that misses it is killed and replaced, so a stuck synthesis
costs one prompt, never the server.

Results are PCM16 mono at 8 kHz, cached on disk (``tts.cache_dir``, one file per key: text,
voice, rate, pitch, volume) and in a small in-memory LRU; a cached prompt costs a dict lookup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicebot.speech.audio import TELEPHONE_RATE, read_wav, resample_array
from voicebot.speech.audio import ulaw_frames as _ulaw_frames
from voicebot.speech.g711 import ulaw_encode
from voicebot.speech.tempo import TempoError, change_tempo

if TYPE_CHECKING:
    from voicebot.config import TtsSettings

log = logging.getLogger(__name__)

CACHE_FORMAT = "pcm16-8k-v1"  # bump when the stored audio changes meaning
MIN_RATE, MAX_RATE = 60, 400  # words per minute espeak-ng can say intelligibly


class TtsError(RuntimeError):
    """Synthesis failed (unknown voice, worker crash); the message says why."""


class TtsTimeout(TtsError):
    """The worker did not answer in time; it has been replaced."""


# -- the worker process -------------------------------------------------------------------------
class _Worker:
    """``python -m voicebot.speech.tts_worker`` and a line protocol with deadlines."""

    def __init__(self, start_timeout_s: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voicebot.speech.tts_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=False,
        )
        self._buffer = b""
        try:
            self.voices: list[str] = self._read_reply(
                start_timeout_s, "the TTS worker to start"
            ).get("voices", [])
        except TtsError:
            self.kill()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def request(self, text: str, path: str, props: dict[str, Any], timeout_s: float) -> None:
        assert self.process.stdin is not None
        line = json.dumps({"text": text, "path": path, "props": props}) + "\n"
        self.process.stdin.write(line.encode())
        self.process.stdin.flush()
        reply = self._read_reply(timeout_s, f"synthesis of {text[:60]!r}")
        if not reply.get("ok"):
            raise TtsError(f"synthesis failed: {reply.get('error')}")

    def _read_reply(self, timeout_s: float, what: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TtsTimeout(f"waited {timeout_s:.1f} s for {what}")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise TtsError(
                        f"the TTS worker exited (code {self.process.poll()}) during {what}"
                    )
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(Exception):
                stream.close()  # type: ignore[union-attr]


# -- the synthesizer ----------------------------------------------------------------------------
class Synthesizer:
    """One per process. Thread-safe; cached prompts never touch the worker."""

    def __init__(self, settings: TtsSettings) -> None:
        self.settings = settings
        self.cache_dir = Path(settings.cache_dir)
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._memory_lock = threading.Lock()
        self._worker_lock = threading.Lock()
        self._worker: _Worker | None = None

    # -- public API ---------------------------------------------------------------------------
    def voice_for(self, language: str) -> str:
        try:
            return self.settings.voices[language]
        except KeyError:
            raise TtsError(
                f"no TTS voice for language {language!r}: add tts.voices.{language} "
                f"(known: {', '.join(sorted(self.settings.voices))})"
            ) from None

    def synthesize(self, text: str, language: str, *, rate: int | None = None) -> bytes:
        """``text`` spoken in ``language``: PCM16 mono little-endian at 8 kHz. ``rate``
        (words per minute) other than ``tts.rate`` paces this prompt differently, e.g. a
        question said again more slowly: the usual prompt, stretched (see tempo.py)."""
        text = " ".join(text.split())
        if not text:
            raise TtsError("nothing to say: the text is empty")
        rate = self._checked_rate(rate)
        key = self.cache_key(text, language, rate=rate)
        cached = self._memory_get(key)
        if cached is not None:
            return cached
        path = self.cache_dir / key[:2] / f"{key}.pcm"
        if path.is_file():
            audio = path.read_bytes()
        elif rate is not None and rate != self.settings.rate:
            usual = self.synthesize(text, language)
            try:
                audio = change_tempo(usual, TELEPHONE_RATE, rate / self.settings.rate)
            except TempoError as exc:
                raise TtsError(f"cannot say it at {rate} words/min: {exc}") from exc
            self._store(path, audio)
        else:
            audio = self._render(text, language)
            self._store(path, audio)
        self._memory_put(key, audio)
        return audio

    def synthesize_ulaw(self, text: str, language: str) -> bytes:
        return ulaw_encode(self.synthesize(text, language))

    def ulaw_frames(self, text: str, language: str) -> list[bytes]:
        """20 ms mu-law frames (160 bytes each) ready for a Twilio media message."""
        return list(_ulaw_frames(self.synthesize_ulaw(text, language)))

    def warm(self, texts_by_language: Mapping[str, Iterable[str]]) -> int:
        """Synthesise every text that is not cached yet; returns how many were rendered."""
        rendered = 0
        for language, texts in texts_by_language.items():
            for text in texts:
                if not self.is_cached(text, language):
                    rendered += 1
                self.synthesize(text, language)
        return rendered

    def is_cached(self, text: str, language: str) -> bool:
        text = " ".join(text.split())
        key = self.cache_key(text, language)
        return key in self._memory or (self.cache_dir / key[:2] / f"{key}.pcm").is_file()

    def cache_key(self, text: str, language: str, *, rate: int | None = None) -> str:
        parts = {
            "format": CACHE_FORMAT,
            "text": text,
            "voice": self.voice_for(language),
            "rate": self.settings.rate,
            "pitch": self.settings.pitch,
            "volume": self.settings.volume,
        }
        if rate is not None and rate != self.settings.rate:
            parts["paced_to"] = rate  # the usual prompt stretched (usual keys stay as they were)
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    @property
    def worker_pid(self) -> int | None:
        worker = self._worker
        return worker.pid if worker is not None and worker.alive() else None

    def close(self) -> None:
        with self._worker_lock:
            if self._worker is not None:
                self._worker.kill()
                self._worker = None

    # -- internals ------------------------------------------------------------------------------
    @staticmethod
    def _checked_rate(rate: int | None) -> int | None:
        if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
            raise TtsError(f"speaking rate {rate} is outside {MIN_RATE}..{MAX_RATE} words/min")
        return rate

    def _render(self, text: str, language: str) -> bytes:
        props = {
            "voice": self.voice_for(language),
            "rate": self.settings.rate,
            "pitch": self.settings.pitch,
            "volume": self.settings.volume,
        }
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, wav_path = tempfile.mkstemp(suffix=".wav", dir=self.cache_dir)
        os.close(fd)
        os.unlink(wav_path)  # the driver creates it; its absence tells us nothing was written
        started = time.perf_counter()
        try:
            with self._worker_lock:
                if self._worker is None or not self._worker.alive():
                    self._worker = _Worker(start_timeout_s=max(self.settings.timeout_s, 10.0))
                try:
                    self._worker.request(text, wav_path, props, self.settings.timeout_s)
                except TtsError as exc:
                    if self._worker.alive() and not isinstance(exc, TtsTimeout):
                        raise  # the worker answered with an error: it is fine, the input is not
                    log.warning("TTS worker failed (%s); it will be replaced", exc)
                    self._worker.kill()
                    self._worker = None
                    raise
                except OSError as exc:  # broken pipe: the worker died between requests
                    self._worker.kill()
                    self._worker = None
                    raise TtsError(f"the TTS worker died: {exc}") from exc
            samples, rate = read_wav(wav_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(wav_path)
        audio = resample_array(samples, rate, TELEPHONE_RATE).astype("<i2").tobytes()
        log.debug(
            "synthesised %d ms in %.0f ms: %r",
            len(audio) // 16,
            (time.perf_counter() - started) * 1000,
            text[:60],
        )
        return audio

    def _store(self, path: Path, audio: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(audio)
        os.replace(tmp, path)  # atomic: readers never see half a prompt

    def _memory_get(self, key: str) -> bytes | None:
        with self._memory_lock:
            audio = self._memory.get(key)
            if audio is not None:
                self._memory.move_to_end(key)
            return audio

    def _memory_put(self, key: str, audio: bytes) -> None:
        if self.settings.memory_cache_items <= 0:
            return
        with self._memory_lock:
            self._memory[key] = audio
            self._memory.move_to_end(key)
            while len(self._memory) > self.settings.memory_cache_items:
                self._memory.popitem(last=False)
