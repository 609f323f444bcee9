from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from voicebot.config import ConfigError, Settings, load_settings, secret_keys

REPO = Path(__file__).resolve().parents[1]


def _defaults() -> dict:
    return Settings().model_dump(mode="json")


def test_config_yml_lists_every_setting_with_its_default() -> None:
    listed = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    defaults = _defaults()
    secrets = secret_keys()
    for section, values in defaults.items():
        for key, default in values.items():
            if (section, key) in secrets:
                assert key not in listed.get(section, {}), f"{section}.{key} is a secret"
                continue
            assert key in listed.get(section, {}), f"config.yml lacks {section}.{key}"
            assert listed[section][key] == default, f"{section}.{key} differs from the code default"
    for section, values in listed.items():
        for key in values:
            assert key in defaults.get(section, {}), f"config.yml has unknown {section}.{key}"


def test_every_listed_setting_has_a_comment() -> None:
    for number, line in enumerate((REPO / "config.yml").read_text().splitlines(), 1):
        is_setting = line.startswith("  ") and not line.startswith("    ")
        if is_setting and ":" in line and not line.strip().startswith("#"):
            assert "#" in line, f"config.yml line {number} has no comment: {line.strip()}"


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("server:\n  port: 9000\ndialog:\n  languages: [pl]\n")
    settings = load_settings(
        config,
        environ={
            "VOICEBOT_SERVER_PORT": "9100",
            "VOICEBOT_TTS_VOICES": '{"pl": "zlw/pl"}',
            "VOICEBOT_DIALOG_FALLBACK_THRESHOLD": "0.6",
        },
    )
    assert settings.server.port == 9100
    assert settings.dialog.languages == ["pl"]
    assert settings.tts.voices == {"pl": "zlw/pl"}
    assert settings.dialog.fallback_threshold == 0.6


def test_phone_like_strings_from_environment_stay_text() -> None:
    settings = load_settings(
        environ={
            "VOICEBOT_TWILIO_FROM_NUMBER": "+48123456789",
            "VOICEBOT_CONFIG": "/nonexistent.yml",
        }
    )
    assert settings.twilio.from_number == "+48123456789"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"VOICEBOT_SERVER_PORT": "eighty"},
            "setting server.port: Input should be a valid integer",
        ),
        ({"VOICEBOT_SERVER_PORT": "70000"}, "setting server.port"),
        ({"VOICEBOT_DATABASE_URL": "mysql://x"}, "setting database.url"),
        ({"VOICEBOT_SERVER_PUBLIC_BASE_URL": "example.com"}, "setting server.public_base_url"),
    ],
)
def test_bad_values_name_the_key(environ: dict, message: str) -> None:
    environ = {"VOICEBOT_CONFIG": "/nonexistent.yml", **environ}
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(environ=environ)


def test_unknown_setting_in_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "c.yml"
    config.write_text("server:\n  prot: 1\n")
    with pytest.raises(ConfigError, match=r"server\.prot: unknown setting"):
        load_settings(config, environ={})


def test_secret_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yml"
    config.write_text("twilio:\n  auth_token: abc\n")
    with pytest.raises(ConfigError, match="VOICEBOT_TWILIO_AUTH_TOKEN"):
        load_settings(config, environ={})


def test_secrets_come_from_environment_and_are_masked() -> None:
    settings = load_settings(
        environ={"VOICEBOT_CONFIG": "/nonexistent.yml", "VOICEBOT_TWILIO_AUTH_TOKEN": "s3cret"}
    )
    assert settings.twilio.auth_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_database_password_is_merged_into_url() -> None:
    settings = load_settings(
        environ={
            "VOICEBOT_CONFIG": "/nonexistent.yml",
            "VOICEBOT_DATABASE_URL": "postgresql://bot@db.internal:5432/crm",
            "VOICEBOT_DATABASE_PASSWORD": "p@ss word",
        }
    )
    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        "bot",
        "p@ss word",
        "db.internal",
        "crm",
    )


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yml", environ={})
