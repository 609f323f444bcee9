"""`voicebot models ...` and `voicebot tts ...` commands."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from voicebot.cli_context import AppContext, UserError, pass_app

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


@click.group("models")
def models_group() -> None:
    """Speech models and voices: what is installed, and downloading official ones."""


@models_group.command("list")
@pass_app
def models_list(app: AppContext) -> None:
    """Installed models per language and engine, and the engine each language will use."""
    from voicebot.speech.catalog import VOSK_ARCHIVES
    from voicebot.speech.model_files import MULTILINGUAL, find_models

    speech = app.settings.speech
    installed = find_models(speech.models_dir)
    click.echo(f"models directory: {speech.models_dir}")
    if not installed:
        click.echo("  (no models installed)")
    for model in installed:
        language = "multilingual" if model.language == MULTILINGUAL else model.language
        click.echo(f"  {model.engine:8} {language:13} {model.name:36} {model.source}: {model.path}")
    click.echo("languages:")
    languages = sorted({*speech.engines, *app.settings.dialog.languages})
    for language in languages:
        wanted = speech.engines.get(language, "vosk")
        vosk = any(m.engine == "vosk" and m.language == language for m in installed)
        whisper = any(
            m.engine == "whisper" and m.language in (language, MULTILINGUAL) for m in installed
        )
        if wanted == "vosk" and vosk:
            status = "vosk"
        elif whisper and (wanted == "whisper" or speech.fallback_engine == "whisper"):
            status = "whisper" + ("" if wanted == "whisper" else " (no Vosk model: fallback)")
        else:
            hint = (
                f"`voicebot models download {language}`" if language in VOSK_ARCHIVES else "a model"
            )
            status = f"MISSING: install {hint}"
        click.echo(f"  {language}: {status}")
    _list_voices(app)


def _list_voices(app: AppContext) -> None:
    """Installed Piper voices with their licences, and the synthesiser each language uses."""
    from voicebot.speech.catalog import PIPER_VOICES
    from voicebot.speech.tts import Synthesizer
    from voicebot.speech.tts_piper import find_piper_voices

    tts = app.settings.tts
    click.echo(f"Piper voices directory: {tts.piper_voices_dir}")
    voices = find_piper_voices(tts.piper_voices_dir)
    if not voices:
        click.echo("  (no Piper voices installed)")
    for voice in voices:
        entry = PIPER_VOICES.get(voice.name)
        licence = entry.licence if entry else "not in the catalog: see the voice's MODEL_CARD"
        size = voice.model.stat().st_size / 1e6
        click.echo(
            f"  piper    {voice.language:13} {voice.name:36} {size:.0f} MB, {voice.sample_rate} Hz,"
            f" licence {licence}; {voice.source}: {voice.model}"
        )
    click.echo("speech synthesis:")
    synth = Synthesizer(tts)
    try:
        for line in synth.describe():
            click.echo(f"  {line.removeprefix('tts ')}")
    finally:
        synth.close()
    click.echo(
        "Piper voices in the catalog (`voicebot models download LANG --piper [--voice NAME]`):"
    )
    for entry in PIPER_VOICES.values():
        check = "SHA-256" if entry.sha256 else "MD5" if entry.md5 else "no checksum: needs --sha256"
        click.echo(
            f"  {entry.language}: {entry.name:28} {entry.size / 1e6:.0f} MB, {check},"
            f" licence {entry.licence}"
        )


@models_group.command("download")
@click.argument("language")
@click.option(
    "--url",
    help="Fetch from this address instead of the official one (a Vosk archive; for --piper, "
    "the folder holding NAME.onnx and NAME.onnx.json).",
)
@click.option("--piper", is_flag=True, help="A Piper voice for LANGUAGE instead of a Vosk model.")
@click.option("--voice", "voice_name", help="With --piper: this catalog voice, not the default.")
@click.option("--sha256", help="With --piper: the model's SHA-256, for a voice with none recorded.")
@pass_app
def models_download(
    app: AppContext,
    language: str,
    url: str | None,
    piper: bool,
    voice_name: str | None,
    sha256: str | None,
) -> None:
    """Download, verify (size + checksum) and install the official Vosk model for LANGUAGE,
    or with --piper its Piper voice."""
    from voicebot.speech.download import DownloadError, archive_for, download_vosk_model

    if piper or voice_name:
        _download_voice(app, voice_name or language, url, sha256)
        return
    try:
        archive = archive_for(language)
    except DownloadError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"{archive.name}: {archive.size / 1e6:.1f} MB from {url or archive.url}")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done == total:
            last[0] = now
            click.echo(f"\r  {done / 1e6:6.1f} / {total / 1e6:.1f} MB", nl=done == total, err=True)

    try:
        path = download_vosk_model(
            archive, app.settings.speech.models_dir, url=url, progress=progress
        )
    except DownloadError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"installed {archive.name} for {language} in {path}")


def _download_voice(app: AppContext, name: str, url: str | None, sha256: str | None) -> None:
    from voicebot.speech.download import DownloadError, download_piper_voice, piper_voice_for

    try:
        voice = piper_voice_for(name)
    except DownloadError as exc:
        raise UserError(str(exc)) from None
    click.echo(
        f"{voice.name}: {voice.size / 1e6:.1f} MB from {url or voice.model_url}"
        f" (licence {voice.licence})"
    )
    try:
        path = download_piper_voice(
            voice,
            app.settings.tts.piper_voices_dir,
            base_url=url,
            sha256=sha256,
            progress=_progress(),
        )
    except DownloadError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"installed {voice.name} for {voice.language} in {path}")


def _progress() -> Callable[[int, int], None]:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done == total:
            last[0] = now
            click.echo(f"\r  {done / 1e6:6.1f} / {total / 1e6:.1f} MB", nl=done == total, err=True)

    return progress


@click.group("tts")
def tts_group() -> None:
    """Speech synthesis: the prompt cache (both engines)."""


@tts_group.command("warm")
@click.option(
    "--domain",
    "domain_path",
    type=click.Path(exists=True, path_type=Path),
    help="Domain file or folder (default: dialog.project_dir).",
)
@pass_app
def tts_warm(app: AppContext, domain_path: Path | None) -> None:
    """Synthesise every fixed response of the domain into the TTS cache, with each
    language's engine and, where that is Piper, with its espeak fallback too."""
    from voicebot.speech.tts import Synthesizer, TtsError

    settings = app.settings
    prompts = domain_prompts(
        domain_path or settings.dialog.project_dir, settings.dialog.default_language
    )
    synth = Synthesizer(settings.tts)
    for line in synth.describe():
        click.echo(line)
    started = time.perf_counter()
    try:
        rendered = synth.warm(prompts)
    except TtsError as exc:
        raise UserError(str(exc)) from None
    finally:
        synth.close()
    total = sum(len(v) for v in prompts.values())
    click.echo(
        f"{total} prompts in {len(prompts)} language(s): {rendered} sentence renderings "
        f"synthesised, the rest already cached ({time.perf_counter() - started:.1f} s) "
        f"in {settings.tts.cache_dir}"
    )


def domain_prompts(path: Path, default_language: str) -> dict[str, list[str]]:
    """Fixed response texts per language. A variation's language is the value of a
    ``language`` slot condition, else the default language; texts with ``{slot}`` are
    filled at call time and cannot be cached ahead."""
    from voicebot.dialog.domain import load_domain

    try:
        domain = load_domain(Path(path))
    except Exception as exc:
        raise UserError(f"cannot read the domain at {path}: {exc}") from None
    prompts: dict[str, set[str]] = defaultdict(set)
    for variations in domain.responses.values():
        for variation in variations:
            text = variation.get("text")
            if not isinstance(text, str) or not text.strip() or _PLACEHOLDER.search(text):
                continue
            prompts[_variation_language(variation) or default_language].add(text.strip())
    return {language: sorted(texts) for language, texts in prompts.items()}


def _variation_language(variation: dict[str, Any]) -> str | None:
    for condition in variation.get("condition") or []:
        if isinstance(condition, dict) and condition.get("name") == "language":
            return str(condition.get("value"))
    language = variation.get("language")
    return str(language) if language else None
