"""`voicebot dialer plan`: whom it would call and why it skips others; `dialer run --once`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from voicebot.cli import cli
from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.dialer_queue import merchants_for_plan
from voicebot.crm.models import Call, CallStatus, DoNotCall, MerchantStatus
from voicebot.dialer.plan import build_plan

from .helpers import NEW_YORK, WARSAW, add_merchant, local

FRIDAY_18 = local(WARSAW, 2026, 6, 19, 18, 0)


def test_plan_explains_every_merchant(db: Database, settings: Settings) -> None:
    with db.session() as s:
        new = add_merchant(s, external_id="new").id
        add_merchant(s, external_id="late", timezone=NEW_YORK, country="US", phone="+12125550101")
        add_merchant(
            s,
            external_id="callback",
            status=MerchantStatus.CALLBACK,
            next_call_at=local(WARSAW, 2026, 6, 20, 11, 0),
        )
        add_merchant(
            s,
            external_id="retry",
            status=MerchantStatus.SCHEDULED,
            attempts=2,
            next_call_at=local(WARSAW, 2026, 6, 22, 9, 30),
        )
        add_merchant(s, external_id="no-consent", consent_source=None, consent_at=None)
        add_merchant(s, external_id="opted", opted_out=True)
        add_merchant(s, external_id="erased", erased_at=datetime(2026, 6, 1, tzinfo=UTC))
        dnc = add_merchant(s, external_id="dnc")
        s.add(DoNotCall(phone=dnc.phone))
        on_call = add_merchant(s, external_id="on-call")
        s.add(Call(merchant_id=on_call.id, status=CallStatus.RINGING))
    with db.session() as s:
        plan = build_plan(merchants_for_plan(s), now=FRIDAY_18, hours=24, settings=settings)
    by_id = {e.external_id: e for e in plan}
    assert (by_id["new"].action, by_id["new"].at) == ("call", FRIDAY_18)
    assert by_id["new"].merchant_id == new
    # 18:00 in Warsaw is noon in New York, but 2026-06-19 is Juneteenth, a US holiday.
    assert by_id["late"].action == "call"
    assert by_id["late"].at == local(NEW_YORK, 2026, 6, 20, 10, 0)
    assert by_id["late"].reason == "new sign-up (calling hours open Sat 10:00)"
    assert (by_id["callback"].action, by_id["callback"].reason) == ("call", "callback requested")
    assert by_id["retry"].action == "later" and by_id["retry"].reason == "retry, attempt 3"
    assert by_id["no-consent"].reason == "no consent on record for automated calls"
    assert by_id["opted"].reason == "opted out"
    assert by_id["erased"].reason == "erased"
    assert by_id["dnc"].reason == "number is on the do-not-call list"
    assert by_id["on-call"].reason == "already on a call"
    assert [e.action for e in plan][:3] == ["call", "call", "call"]


def test_plan_moves_a_due_time_into_hours(db: Database, settings: Settings) -> None:
    with db.session() as s:
        add_merchant(
            s,
            external_id="evening",
            status=MerchantStatus.SCHEDULED,
            attempts=1,
            next_call_at=local(WARSAW, 2026, 6, 19, 20, 0),
        )
    with db.session() as s:
        (entry,) = build_plan(merchants_for_plan(s), now=FRIDAY_18, hours=24, settings=settings)
    assert entry.at == local(WARSAW, 2026, 6, 20, 10, 0)
    assert "calling hours open Sat 10:00" in entry.reason


def cli_env(settings: Settings, tmp_path) -> dict[str, str]:
    config = tmp_path / "config.yml"
    config.write_text("")
    return {
        "VOICEBOT_CONFIG": str(config),
        "VOICEBOT_DATABASE_URL": settings.database.url,
        "VOICEBOT_DIALER_CALLING_HOURS": json.dumps({"default": {"mon-sun": ["00:00-24:00"]}}),
        "VOICEBOT_DIALER_SKIP_PUBLIC_HOLIDAYS": "false",
    }


def test_plan_command_prints_calls_and_skips(db: Database, settings: Settings, tmp_path) -> None:
    with db.session() as s:
        add_merchant(s, external_id="shop-a")
        add_merchant(s, external_id="shop-b", consent_source=None, consent_at=None)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["dialer", "plan", "--hours", "24", "--all"], env=cli_env(settings, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert "(shop-a): new sign-up" in result.output
    assert "1 call(s) due" in result.output
    assert "skipped, no consent on record for automated calls: 1:" in result.output
    assert "(shop-b)" in result.output
    as_json = runner.invoke(cli, ["dialer", "plan", "--json"], env=cli_env(settings, tmp_path))
    rows = {r["external_id"]: r for r in json.loads(as_json.output)}
    assert rows["shop-a"]["action"] == "call" and rows["shop-b"]["action"] == "skip"
    bad = runner.invoke(cli, ["dialer", "plan", "--hours", "0"], env=cli_env(settings, tmp_path))
    assert bad.exit_code == 2 and "--hours" in bad.output


def test_run_once_places_due_calls_with_the_configured_placer(
    db: Database,
    settings: Settings,
    tmp_path,
    monkeypatch,
) -> None:
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    log = tmp_path / "dials.log"
    with db.session() as s:
        ids = [add_merchant(s).id for _ in range(2)]
    env = {
        **cli_env(settings, tmp_path),
        "VOICEBOT_DIALER_PLACER": "dialer.recording_placer:factory",
        "VOICEBOT_DIALER_CALLS_PER_SECOND": "50",
        "VOICEBOT_TEST_DIAL_LOG": str(log),
    }
    result = CliRunner().invoke(cli, ["dialer", "run", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 call(s) claimed and placed" in result.output
    assert sorted(int(line.split()[1]) for line in log.read_text().splitlines()) == ids
    unknown = CliRunner().invoke(
        cli, ["dialer", "run", "--once"], env={**env, "VOICEBOT_DIALER_PLACER": "nope"}
    )
    assert unknown.exit_code == 1 and "dialer.placer 'nope'" in unknown.output
