"""Download, verify and unpack an official Vosk model archive into ``speech.models_dir``.

Verification before unpacking: the exact size and the published checksum (MD5 and/or
SHA-256). Unpacking goes to a temporary folder next to the target and is renamed into place,
so a failed or interrupted download never leaves a half model that discovery would pick up.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import requests

from voicebot.speech.catalog import VOSK_ARCHIVES, VoskArchive
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
            f"no official Vosk model known for {language!r} (known: {known})"
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
        _fetch(source, zip_path, archive, progress, timeout_s)
        _verify(zip_path, archive)
        unpacked = Path(tmp) / "unpacked"
        _unpack(zip_path, unpacked)
        model_root = _find_model_root(unpacked, archive)
        if target.exists():
            shutil.rmtree(target)
        model_root.rename(target)
    return target


def _fetch(
    url: str, path: Path, archive: VoskArchive, progress: Progress | None, timeout_s: float
) -> None:
    try:
        with requests.get(url, stream=True, timeout=timeout_s) as response:
            response.raise_for_status()
            received = 0
            with path.open("wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    out.write(chunk)
                    received += len(chunk)
                    if received > archive.size:
                        raise DownloadError(
                            f"{url} sent more than the expected {archive.size:,} bytes"
                        )
                    if progress is not None:
                        progress(received, archive.size)
    except requests.ConnectionError as exc:
        raise DownloadError(
            f"cannot reach {url} (offline?): download {archive.name}.zip elsewhere and unpack "
            f"it into the models directory ({exc.__class__.__name__})"
        ) from exc
    except requests.Timeout as exc:
        raise DownloadError(f"{url} did not answer within {timeout_s:.0f} s") from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "error"
        raise DownloadError(f"{url}: HTTP {status}") from exc


def _verify(path: Path, archive: VoskArchive) -> None:
    size = path.stat().st_size
    if size != archive.size:
        raise DownloadError(
            f"{archive.name}.zip is {size:,} bytes, expected {archive.size:,}: incomplete download"
        )
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(1 << 20):
            md5.update(block)
            sha256.update(block)
    if archive.md5 and md5.hexdigest() != archive.md5.lower():
        raise DownloadError(f"{archive.name}.zip: MD5 {md5.hexdigest()} != published {archive.md5}")
    if archive.sha256 and sha256.hexdigest() != archive.sha256.lower():
        raise DownloadError(
            f"{archive.name}.zip: SHA-256 {sha256.hexdigest()} != published {archive.sha256}"
        )


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
