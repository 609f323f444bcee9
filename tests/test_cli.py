"""The `voicebot` command as a user meets it: help, version, one-line errors."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from voicebot import __version__
from voicebot.cli import cli

REPO = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "VOICEBOT_CONFIG": str(REPO / "config.yml"),
        "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }


def test_help_lists_the_areas() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for group in ("db", "merchants"):
        assert f"  {group} " in result.output


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicebot", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"voicebot, version {__version__}"


def test_import_then_list(tmp_path: Path) -> None:
    csv = tmp_path / "m.csv"
    csv.write_text("external_id,company_name,phone\nm-1,Moda,601234567\nm-2,Bad,12\n")
    runner = CliRunner()
    env = _env(tmp_path)
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(cli, ["merchants", "import", str(csv)], env=env)
    assert result.exit_code == 0, result.output
    assert "imported 1 merchants (1 new, 0 updated), rejected 1" in result.stdout
    assert "m.csv:3: phone '12' is not a valid number" in result.stderr
    listing = runner.invoke(cli, ["merchants", "list"], env=env)
    assert "+48601234567" in listing.stdout and "Europe/Warsaw" in listing.stdout


def test_errors_are_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "VOICEBOT_SERVER_PORT": "eighty", "PYTHONPATH": str(REPO)}
    plain = subprocess.run(
        [sys.executable, "-m", "voicebot", "db", "current"], capture_output=True, text=True, env=env
    )
    assert plain.returncode == 1
    assert plain.stderr.strip().splitlines() == [
        "Error: setting server.port: Input should be a valid integer,"
        " unable to parse string as an integer"
    ]
    debug = subprocess.run(
        [sys.executable, "-m", "voicebot", "--debug", "db", "current"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "ConfigError" in debug.stderr


def test_commands_refuse_an_old_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["merchants", "list"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "run `voicebot db upgrade` first" in result.output
