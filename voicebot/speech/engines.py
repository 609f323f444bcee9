"""Which recognition engine serves a language, loaded once per process and shared by calls.

Engine per language from ``speech.engines`` (default vosk); a missing Vosk model falls back to
``speech.fallback_engine`` (whisper). Apart from the interface in ``voicebot.speech.stt`` so
that the engines can import the interface without importing this factory back."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from voicebot.speech.catalog import VOSK_ARCHIVES
from voicebot.speech.model_files import ModelNotInstalled, find_vosk_model, find_whisper_model
from voicebot.speech.stt import RecognizerEngine

if TYPE_CHECKING:
    from voicebot.config import SpeechSettings

log = logging.getLogger(__name__)

_engines: dict[tuple[str, str, str], RecognizerEngine] = {}
_engines_lock = threading.Lock()


def engine_for_language(language: str, settings: SpeechSettings) -> str:
    return settings.engines.get(language, "vosk")


def load_recognizer_engine(language: str, settings: SpeechSettings) -> RecognizerEngine:
    """The process-wide engine for ``language``: loaded on first use, then shared.

    Engine per language from ``speech.engines`` (default vosk). A missing Vosk model falls back
    to ``speech.fallback_engine`` (whisper) with a log line; raises ModelNotInstalled naming
    what to install when nothing fits."""
    language = language.lower()
    wanted = engine_for_language(language, settings)
    with _engines_lock:
        key = (language, wanted, str(settings.models_dir))
        if key in _engines:
            return _engines[key]
        engine = _create_engine(language, wanted, settings)
        _engines[key] = engine
        return engine


def _create_engine(language: str, wanted: str, settings: SpeechSettings) -> RecognizerEngine:
    if wanted not in ("vosk", "whisper"):
        raise ValueError(f"speech.engines.{language}: unknown engine {wanted!r} (vosk, whisper)")
    if wanted == "vosk":
        model = find_vosk_model(language, settings.models_dir)
        if model is not None:
            from voicebot.speech.vosk_engine import VoskEngine

            log.info("speech %s: Vosk model %s (%s)", language, model.name, model.source)
            return VoskEngine(language, model.path, settings)
        vosk_help = (
            f"no Vosk model for {language!r} in {settings.models_dir} or installed packages: "
            f"run `voicebot models download {language}`"
        )
        if settings.fallback_engine != "whisper":
            raise ModelNotInstalled(vosk_help)
        log.warning("speech %s: %s; falling back to Whisper", language, vosk_help)
    whisper_path = find_whisper_model(language, settings.models_dir, settings.whisper_model)
    if whisper_path is None:
        raise ModelNotInstalled(
            f"no speech model for {language!r}: run `voicebot models download {language}` "
            "(Vosk), or install Whisper: pip install 'voicebot[whisper,test-models]'"
            if wanted == "vosk"
            else f"no Whisper model for {language!r} (speech.whisper_model="
            f"{settings.whisper_model!r}): pip install 'voicebot[whisper,test-models]'"
        )
    from voicebot.speech.whisper_engine import WhisperEngine

    if wanted == "whisper":
        # say why: configured so, and for some languages (Slovenian) the only choice
        why = "" if language in VOSK_ARCHIVES else "; no Vosk model is published for it"
        log.info(
            "speech %s: Whisper model %s (speech.engines.%s: whisper%s)",
            language,
            whisper_path,
            language,
            why,
        )
    else:
        log.info("speech %s: Whisper model %s", language, whisper_path)
    return WhisperEngine(language, whisper_path, settings)


def clear_engine_cache() -> None:
    """Forget loaded engines (tests that change models_dir)."""
    with _engines_lock:
        _engines.clear()
