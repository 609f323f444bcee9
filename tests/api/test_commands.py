"""The commands, run through click against a real SQLite database: staff, api-token,
export, merchants erase/export and retention run."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fixtures.review.builder import build_call
from sqlalchemy import select

from voicebot.cli import cli
from voicebot.crm.models import ApiToken, Merchant, MerchantStatus, StaffUser
from voicebot.crm.tokens import find_token, hash_token


@pytest.fixture
def run(settings, db, tmp_path):
    empty_config = tmp_path / "config.yml"
    empty_config.write_text("{}\n")
    env = {
        "VOICEBOT_CONFIG": str(empty_config),
        "VOICEBOT_DATABASE_URL": settings.database_url,
        "VOICEBOT_CALL_RECORDINGS_DIR": str(settings.call.recordings_dir),
    }

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return invoke


def test_staff_commands(run, db):
    added = run(
        "staff",
        "add",
        "Rita@Example.com",
        "--role",
        "admin",
        "--password-stdin",
        input="correct horse battery\n",
    )
    assert added.exit_code == 0 and "added rita@example.com (admin)" in added.output
    short = run("staff", "add", "bob@example.com", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert "rita@example.com" in run("staff", "list").output
    assert run("staff", "disable", "rita@example.com").exit_code == 0
    with db.session() as s:
        assert s.scalar(select(StaffUser.active)) is False
    assert "no staff account" in run("staff", "disable", "nobody@example.com").output


def test_api_token_commands_print_once_and_store_only_the_hash(run, db):
    created = run(
        "api-token", "create", "--name", "platform", "--scope", "export", "--scope", "calls:read"
    )
    assert created.exit_code == 0
    plain = created.stdout.strip().splitlines()[0]
    assert plain.startswith("vbt_")
    with db.session() as s:
        token = s.scalar(select(ApiToken))
        assert token.token_hash == hash_token(plain) and plain not in repr(token.__dict__)
        assert token.scopes == ["calls:read", "export"]
    listed = run("api-token", "list").output
    assert token.prefix in listed and plain not in listed
    assert run("api-token", "revoke", str(token.id)).exit_code == 0
    with db.session() as s:
        assert find_token(s, plain) is None
    bad = run("api-token", "create", "--scope", "everything")
    assert bad.exit_code == 2 and "everything" in bad.output


def test_export_merchants_export_erase_and_retention(run, db, settings, tmp_path):
    made = build_call(
        db, settings.call.recordings_dir, started_at=datetime.now(UTC) - timedelta(days=40)
    )
    out = tmp_path / "configs.csv"
    assert run("export", "--format", "csv", "--output", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[0]["tax_id"] == "5260001246" and rows[0]["external_id"] == "m-1001"
    ndjson = run("export", "--format", "ndjson", "--status", "draft").stdout
    assert json.loads(ndjson.splitlines()[0])["fields"]["store_name"]["value"] == "Kwiaty Basi"
    assert "time zone" in run("export", "--updated-since", "2026-01-01").output

    exported = json.loads(run("merchants", "export", "m-1001").stdout)
    assert exported["merchant"]["email"] == "basia@kwiatybasi.pl"

    kept = run("retention", "run", "--days", "60")
    assert "0 calls" in kept.output and made.recording.exists()
    purged = run("retention", "run", "--days", "30")
    assert "1 calls, 1 recordings and 7 transcript turns deleted" in purged.output
    assert not made.recording.exists()

    assert run("merchants", "erase", "m-1001", input="n\n").exit_code == 1  # not confirmed
    erased = run("merchants", "erase", str(made.merchant_id), "--yes")
    assert erased.exit_code == 0 and "erased" in erased.output
    with db.session() as s:
        assert s.scalar(select(Merchant.status)) is MerchantStatus.ERASED
    assert "no merchant" in run("merchants", "erase", "m-1001", "--yes").output
