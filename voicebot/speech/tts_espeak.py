"""espeak-ng through pyttsx3, in its own worker process: the fallback voice for every language.

pyttsx3 allows one engine per process (espeak has one global callback) and its loop can hang,
so the engine lives in ``tts_espeak_worker``; one worker serves every language, requests take
turns, and a worker that misses ``tts.timeout_s`` is killed and replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import TYPE_CHECKING, Any

from voicebot.speech.audio import read_wav
from voicebot.speech.tts_engine import Rendered, TtsError
from voicebot.speech.tts_pool import WorkerPool

if TYPE_CHECKING:
    from voicebot.config import TtsSettings

WORKER_MODULE = "voicebot.speech.tts_espeak_worker"


class EspeakProcess:
    """The shared espeak-ng worker (one process for all languages)."""

    def __init__(self, settings: TtsSettings) -> None:
        self.settings = settings
        self.pool = WorkerPool(
            WORKER_MODULE,
            1,
            timeout_s=settings.timeout_s,
            start_timeout_s=max(settings.timeout_s, 10.0),
        )

    def engine(self, language: str) -> EspeakEngine:
        try:
            voice = self.settings.voices[language]
        except KeyError:
            raise TtsError(
                f"no TTS voice for language {language!r}: add tts.voices.{language} "
                f"(known: {', '.join(sorted(self.settings.voices))})"
            ) from None
        return EspeakEngine(self, voice)

    def close(self) -> None:
        self.pool.close()


class EspeakEngine:
    name = "espeak"

    def __init__(self, process: EspeakProcess, voice: str) -> None:
        self.process = process
        self._voice = voice

    @property
    def voice(self) -> str:
        return self._voice

    def props(self) -> dict[str, Any]:
        settings = self.process.settings
        return {
            "voice": self._voice,
            "rate": settings.rate,
            "pitch": settings.pitch,
            "volume": settings.volume,
        }

    def cache_identity(self) -> dict[str, Any]:
        return {"engine": self.name, **self.props()}

    def render(self, text: str) -> Rendered:
        with tempfile.TemporaryDirectory(prefix="vb-espeak-") as tmp:
            # the driver creates the file; its absence tells us nothing was written
            wav_path = os.path.join(tmp, "out.wav")
            reply = self.process.pool.request(
                {"text": text, "path": wav_path, "props": self.props()}
            )
            try:
                samples, rate = read_wav(wav_path)
            except FileNotFoundError:
                raise TtsError(f"espeak-ng wrote no audio for {text[:60]!r}") from None
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(wav_path)
        return Rendered(samples, rate, float(reply.get("cpu_s", 0.0)))

    def close(self) -> None:
        """The process is shared; EspeakProcess.close() ends it."""
