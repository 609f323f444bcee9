"""/healthz, /readyz and /metrics on a real loopback server, and `serve` refusing a database
it cannot use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from voicebot.app import create_app
from voicebot.cli import cli
from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.merchants import normalise_merchant, upsert_merchant
from voicebot.crm.webhook_log import enqueue
from voicebot.simulator.runner import free_port
from voicebot.telephony.server import ServerThread


def serve(settings: Settings, db: Database) -> ServerThread:
    return ServerThread(create_app(settings, db), "127.0.0.1", free_port())


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_ready_only_with_a_current_schema_and_loaded_models(settings: Settings, tmp_path) -> None:
    bare = Database(f"sqlite:///{tmp_path / 'bare.db'}")
    with serve(settings, bare) as server:
        registry = server.app.extensions["voicebot_calls"]
        registry.services.loaded = True
        ready = requests.get(f"{server.base_url}/readyz", timeout=30)
        assert ready.status_code == 503  # the probe does not create the file
        assert "bare.db does not exist" in ready.json()["problems"][0]

        (tmp_path / "bare.db").touch()
        ready = requests.get(f"{server.base_url}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["problems"] == ["the database has no schema: run `voicebot db upgrade`"]
        assert requests.get(f"{server.base_url}/healthz", timeout=30).status_code == 200

        bare.upgrade()
        registry.services.loaded = False
        ready = requests.get(f"{server.base_url}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["problems"] == ["models not loaded yet"]

        registry.services.loaded = True
        assert requests.get(f"{server.base_url}/readyz", timeout=30).json() == {"status": "ready"}
    bare.dispose()


@pytest.mark.postgres
def test_not_ready_once_the_database_is_dropped(settings: Settings, pg_url: str) -> None:
    db = Database(pg_url)
    db.upgrade()
    with serve(settings, db) as server:
        server.app.extensions["voicebot_calls"].services.loaded = True
        assert requests.get(f"{server.base_url}/readyz", timeout=30).status_code == 200
        db.dispose()
        admin = create_engine(pg_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = pg_url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
        ready = requests.get(f"{server.base_url}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["problems"][0].startswith("the database does not answer")
        assert requests.get(f"{server.base_url}/healthz", timeout=30).status_code == 200


def test_serve_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text("# defaults\n")
    (tmp_path / "never-migrated.db").touch()  # an empty SQLite database
    env = {
        "VOICEBOT_CONFIG": str(tmp_path / "config.yml"),
        "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'never-migrated.db'}",
    }
    result = CliRunner().invoke(cli, ["serve", "--port", str(free_port())], env=env)
    assert result.exit_code != 0
    assert "the database has no schema: run `voicebot db upgrade`" in result.output


def test_serve_refuses_a_sqlite_file_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text("# defaults\n")
    missing = tmp_path / "typo.db"
    env = {
        "VOICEBOT_CONFIG": str(tmp_path / "config.yml"),
        "VOICEBOT_DATABASE_URL": f"sqlite:///{missing}",
    }
    result = CliRunner().invoke(cli, ["serve", "--port", str(free_port())], env=env)
    assert result.exit_code != 0
    assert f"the database file {missing} does not exist" in result.output
    assert "no schema" not in result.output
    assert not missing.exists()  # not created empty on the way


@pytest.mark.postgres
def test_serve_refuses_a_database_that_does_not_exist(tmp_path: Path, pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/voicebot_no_such_database"
    (tmp_path / "config.yml").write_text("# defaults\n")
    env = {"VOICEBOT_CONFIG": str(tmp_path / "config.yml"), "VOICEBOT_DATABASE_URL": missing}
    result = CliRunner().invoke(cli, ["serve", "--port", str(free_port())], env=env)
    assert result.exit_code != 0
    assert "the database does not answer" in result.output
    assert "voicebot_no_such_database" in result.output


def test_metrics_from_allowed_addresses_or_with_the_token(settings: Settings, db: Database) -> None:
    with db.session() as s:
        enqueue(s, "config.approved", {"n": 1}, ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"])
        upsert_merchant(
            s,
            normalise_merchant(
                {
                    "external_id": "m-1",
                    "phone": "+48501234567",
                    "language": "pl",
                    "consent_source": "signup",
                    "consent_at": "2026-11-20T10:00:00+00:00",
                }
            ),
        )
    with serve(settings, db) as server:
        body = requests.get(f"{server.base_url}/metrics", timeout=30)
        assert body.status_code == 200
        found = samples(body.text)
        assert found[("voicebot_calls_in_progress", ())] == 0
        assert found[("voicebot_webhook_deliveries", (("state", "pending"),))] == 2
        assert found[("voicebot_webhook_deliveries", (("state", "delivered"),))] == 0
        assert found[("voicebot_dialer_queue_depth", ())] == 1
        for outcome in ("completed", "partial", "voicemail", "error"):  # before any call
            assert ("voicebot_calls_finished_total", (("outcome", outcome),)) in found
        for cache in ("hit", "miss"):
            assert ("voicebot_tts_requests_total", (("cache", cache),)) in found

    closed = settings.model_copy(
        update={
            "server": settings.server.model_copy(
                update={"metrics_allow": ["10.0.0.0/8"], "metrics_token": SecretStr("s3cret")}
            )
        }
    )
    with serve(closed, db) as server:
        url = f"{server.base_url}/metrics"
        assert requests.get(url, timeout=30).status_code == 403  # loopback is not allowed now
        wrong = {"Authorization": "Bearer nope"}
        assert requests.get(url, headers=wrong, timeout=30).status_code == 403
        right = {"Authorization": "Bearer s3cret"}
        assert requests.get(url, headers=right, timeout=30).status_code == 200


def test_metrics_of_worker_processes_are_added_up(monkeypatch, tmp_path) -> None:
    """Under gunicorn each worker writes its samples to PROMETHEUS_MULTIPROC_DIR and any
    worker's /metrics adds them up: two processes finishing a call each count two."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    worker = (
        "from voicebot.observability import metrics; "
        "metrics.CALLS_FINISHED.labels('completed').inc(); metrics.BARGE_INS.inc(3)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)

    from voicebot.observability import metrics

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    db = Database(f"sqlite:///{tmp_path / 'voicebot.db'}")
    db.upgrade()
    found = samples(metrics.exposition(db).decode())
    assert found[("voicebot_calls_finished_total", (("outcome", "completed"),))] == 2
    assert found[("voicebot_barge_ins_total", ())] == 6
    assert found[("voicebot_dialer_queue_depth", ())] == 0
    # claims are counted and served by the dialer's own process, not as a 0 here
    assert ("voicebot_dialer_claims_total", ()) not in found
    # label values that no call has used yet are there, at 0
    assert found[("voicebot_calls_finished_total", (("outcome", "partial"),))] == 0
    assert found[("voicebot_tts_requests_total", (("cache", "miss"),))] == 0
    assert found[("voicebot_tts_synthesis_seconds_count", (("cache", "hit"),))] == 0
    db.dispose()


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(
    settings: Settings, db: Database
) -> None:
    # A proxy on the same host connects from loopback, which /metrics allows: with
    # server.proxy_hops the forwarded client's address decides, so the public is refused.
    proxied = settings.model_copy(
        update={"server": settings.server.model_copy(update={"proxy_hops": 1})}
    )
    with serve(proxied, db) as server:
        url = f"{server.base_url}/metrics"
        public = {"X-Forwarded-For": "203.0.113.9"}
        assert requests.get(url, headers=public, timeout=30).status_code == 403
        local = {"X-Forwarded-For": "127.0.0.1"}
        assert requests.get(url, headers=local, timeout=30).status_code == 200
    with serve(settings, db) as server:  # no proxy configured: the header is not believed
        url = f"{server.base_url}/metrics"
        forged = {"X-Forwarded-For": "203.0.113.9"}
        assert requests.get(url, headers=forged, timeout=30).status_code == 200


def add_due_merchant(db: Database, external_id: str) -> None:
    with db.session() as s:
        upsert_merchant(
            s,
            normalise_merchant(
                {
                    "external_id": external_id,
                    "phone": "+48501234567",
                    "language": "pl",
                    "consent_source": "signup",
                    "consent_at": "2026-11-20T10:00:00+00:00",
                }
            ),
        )


def test_the_dialer_serves_its_claims_on_its_own_port(settings: Settings) -> None:
    from voicebot.observability.metrics import dialer_claims
    from voicebot.serving.metrics_endpoint import DialerMetricsServer

    server = DialerMetricsServer(settings, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        before = samples(requests.get(url, timeout=30).text)[("voicebot_dialer_claims_total", ())]
        dialer_claims().inc(3)
        found = samples(requests.get(url, timeout=30).text)
        assert found[("voicebot_dialer_claims_total", ())] == before + 3
        assert ("voicebot_calls_in_progress", ()) not in found  # the call tier's are not here
        assert any(name == "process_resident_memory_bytes" for name, _ in found)
    finally:
        server.close()

    closed = settings.model_copy(
        update={
            "server": settings.server.model_copy(
                update={"metrics_allow": ["10.0.0.0/8"], "metrics_token": SecretStr("s3cret")}
            )
        }
    )
    server = DialerMetricsServer(closed, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        assert requests.get(url, timeout=30).status_code == 403  # the same rule as /metrics
        right = {"Authorization": "Bearer s3cret"}
        assert requests.get(url, headers=right, timeout=30).status_code == 200
    finally:
        server.close()


def test_dialer_run_with_a_metrics_port_counts_its_claims_there(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch
) -> None:
    import json

    from voicebot.serving import metrics_endpoint

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    add_due_merchant(db, "m-1")
    add_due_merchant(db, "m-2")
    (tmp_path / "config.yml").write_text("# defaults\n")
    env = {
        "VOICEBOT_CONFIG": str(tmp_path / "config.yml"),
        "VOICEBOT_DATABASE_URL": settings.database_url,
        "VOICEBOT_DIALER_CALLING_HOURS": json.dumps({"default": {"mon-sun": ["00:00-24:00"]}}),
        "VOICEBOT_DIALER_SKIP_PUBLIC_HOLIDAYS": "false",
        "VOICEBOT_DIALER_PLACER": "dialer.recording_placer:factory",
        "VOICEBOT_DIALER_CALLS_PER_SECOND": "50",
        "VOICEBOT_TEST_DIAL_LOG": str(tmp_path / "dials.log"),
    }
    scraped: list[dict] = []
    close = metrics_endpoint.DialerMetricsServer.close

    def scrape_then_close(self) -> None:  # type: ignore[no-untyped-def]
        body = requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=30).text
        scraped.append(samples(body))
        close(self)

    monkeypatch.setattr(metrics_endpoint.DialerMetricsServer, "close", scrape_then_close)
    from voicebot.observability.metrics import dialer_claims

    before = dialer_claims()._value.get()
    result = CliRunner().invoke(cli, ["dialer", "run", "--once", "--metrics-port", "0"], env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 call(s) claimed and placed" in result.output
    assert "dialer metrics on http://127.0.0.1:" in result.stderr
    assert scraped[0][("voicebot_dialer_claims_total", ())] == before + 2
