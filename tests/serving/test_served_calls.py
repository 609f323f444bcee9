"""Calls through `voicebot serve` as deployed: gunicorn process trees on loopback ports, the
simulator playing Twilio and the merchant, real speech both ways.

- two instances share one PostgreSQL database behind a path-routing balancer: the voice
  webhook and callbacks reach one instance, the media stream the other;
- SIGTERM while a call is in progress: the call finishes, then the server exits;
- SIGTERM with a short drain timeout: the call is ended politely and left for a retry."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from voicebot.config import load_settings
from voicebot.crm import calls as crm_calls
from voicebot.crm.db import Database
from voicebot.crm.models import Speaker, Turn
from voicebot.scheduling.calling_hours import next_allowed_time
from voicebot.simulator.runner import SimulationResult, Simulator, free_port
from voicebot.simulator.scenario import load_scenario

from .instances import Instance, PathBalancer

pytestmark = pytest.mark.slow
TOKEN = "served-calls-token-0123456789abcdef"


def serve_env(tmp_path: Path, db_url: str, public_url: str, api_url: str, **extra: str) -> dict:
    config = tmp_path / "config.yml"
    config.write_text("# everything from the environment below\n")
    return {
        **os.environ,
        "VOICEBOT_CONFIG": str(config),
        "VOICEBOT_DATABASE_URL": db_url,
        "VOICEBOT_SERVER_PUBLIC_BASE_URL": public_url,
        "VOICEBOT_TWILIO_API_BASE_URL": api_url,
        "VOICEBOT_TWILIO_AUTH_TOKEN": TOKEN,
        "VOICEBOT_SPEECH_ENGINES": '{"en": "whisper", "pl": "whisper"}',
        "VOICEBOT_DIALOG_LANGUAGES": '["en"]',
        "VOICEBOT_PATHS_DATA_DIR": str(tmp_path / "var"),
        "VOICEBOT_CALL_RECORDINGS_DIR": str(tmp_path / "var" / "recordings"),
        "VOICEBOT_TTS_CACHE_DIR": str(tmp_path / "var" / "tts-cache"),
        **extra,
    }


def simulator_for(env: dict[str, str], db: Database, server_url: str) -> Simulator:
    settings = load_settings(environ={k: v for k, v in env.items() if k.startswith("VOICEBOT_")})
    return Simulator(settings, db, speed=2.0, server_url=server_url)


def metric(url: str, name: str, **labels: str) -> float:
    """A sample's value from an instance's /metrics (0 when it has none yet)."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def wait_for_bot_turn(db: Database, timeout_s: float = 120) -> None:
    """Until the bot has spoken in a call (the call is in progress)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with db.session() as s:
            if s.scalar(select(Turn.id).where(Turn.speaker == Speaker.BOT).limit(1)):
                return
        time.sleep(0.2)
    raise TimeoutError("the bot never spoke")


@pytest.fixture
def instances() -> Iterator[list[Instance]]:
    started: list[Instance] = []
    yield started
    for instance in started:
        instance.stop()


@pytest.mark.postgres
def test_webhook_and_stream_on_two_instances_share_the_call(
    tmp_path: Path, pg_url: str, instances: list[Instance]
) -> None:
    db = Database(pg_url)
    db.upgrade()
    api_url = f"http://127.0.0.1:{free_port()}"
    balancer_port = free_port()
    public = f"http://127.0.0.1:{balancer_port}"
    env = serve_env(tmp_path, pg_url, public, api_url)
    first = Instance(env, log_path=tmp_path / "first.log")
    second = Instance(env, log_path=tmp_path / "second.log")
    instances += [first, second]
    first.wait_ready()
    second.wait_ready()
    balancer = PathBalancer(first.port, second.port, listen_port=balancer_port).start()
    try:
        with simulator_for(env, db, public) as simulator:
            result = simulator.run(load_scenario("opt_out"), timeout_s=300)
    finally:
        balancer.stop()

    assert result.outcome == "opted_out", result.turns
    assert "stream" in balancer.routed and "http" in balancer.routed
    finished = "voicebot_calls_finished_total"
    assert metric(second.url, finished, outcome="opted_out") == 1.0  # the stream's ran it
    assert metric(first.url, finished, outcome="opted_out") == 0.0  # the webhook's did not
    assert metric(second.url, "voicebot_calls_in_progress") == 0.0
    assert metric(second.url, "voicebot_processing_seconds_count") >= 1
    assert metric(second.url, "voicebot_voice_to_voice_seconds_count") >= 1
    assert metric(second.url, "voicebot_asr_confidence_count") >= 1
    assert metric(second.url, "voicebot_endpoint_silence_seconds_count") >= 1
    spoken = sum(
        metric(second.url, "voicebot_tts_requests_total", cache=c) for c in ("hit", "miss")
    )
    assert spoken >= 2  # the greeting and the goodbye at least
    with db.session() as s:
        call = crm_calls.get_call(s, result.call_id)
        stored = [(t.speaker.value, t.text) for t in sorted(call.turns, key=lambda t: t.index)]
        assert call.twilio_call_sid == result.call_sid  # written by the first instance
        assert call.status.value == "completed"  # status callback, first instance
    assert stored == [(t["speaker"], t["text"]) for t in result.turns]
    speakers = [speaker for speaker, _ in stored]
    assert speakers.count("bot") >= 2 and speakers.count("merchant") >= 1
    db.dispose()


def run_in_background(simulator: Simulator, scenario: str) -> tuple[threading.Thread, list]:
    outcome: list[SimulationResult | BaseException] = []

    def call() -> None:
        try:
            outcome.append(simulator.run(load_scenario(scenario), timeout_s=300))
        except BaseException as exc:  # reported by the test
            outcome.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, outcome


def test_call_in_progress_finishes_across_sigterm(
    tmp_path: Path, instances: list[Instance]
) -> None:
    url = f"sqlite:///{tmp_path / 'voicebot.db'}"
    db = Database(url)
    db.upgrade()
    port = free_port()
    env = serve_env(tmp_path, url, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{free_port()}")
    server = Instance(env, port=port, log_path=tmp_path / "serve.log")
    instances.append(server)
    server.wait_ready()

    with simulator_for(env, db, server.url) as simulator:
        thread, outcome = run_in_background(simulator, "opt_out")
        wait_for_bot_turn(db)
        server.terminate()
        thread.join(timeout=300)
    exit_code = server.process.wait(timeout=60)

    assert outcome and isinstance(outcome[0], SimulationResult), outcome
    assert outcome[0].outcome == "opted_out"  # the conversation ran to its own end
    assert exit_code == 0
    assert "draining: 1 call(s) in progress" in server.log()
    db.dispose()


def test_call_still_running_at_the_drain_timeout_is_ended_politely(
    tmp_path: Path, instances: list[Instance]
) -> None:
    url = f"sqlite:///{tmp_path / 'voicebot.db'}"
    db = Database(url)
    db.upgrade()
    port = free_port()
    env = serve_env(
        tmp_path,
        url,
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{free_port()}",
        VOICEBOT_SERVER_DRAIN_TIMEOUT_S="2",
        VOICEBOT_CALL_SILENCE_REPROMPT_S="30",  # the silent merchant's call would go on
    )
    server = Instance(env, port=port, log_path=tmp_path / "serve.log")
    instances.append(server)
    server.wait_ready()

    with simulator_for(env, db, server.url) as simulator:
        thread, outcome = run_in_background(simulator, "long_silence")
        wait_for_bot_turn(db)
        drain_began = datetime.now(UTC)
        server.terminate()
        thread.join(timeout=300)
    exit_code = server.process.wait(timeout=60)
    drain_ended = datetime.now(UTC)

    assert outcome and isinstance(outcome[0], SimulationResult), outcome
    result = outcome[0]
    assert result.outcome == "partial"  # retried by the dialer (dialer.retry.partial)
    bot_said = [t["text"] for t in result.turns if t["speaker"] == "bot"]
    drain_text = load_settings(environ={"VOICEBOT_CONFIG": env["VOICEBOT_CONFIG"]}).call.drain_text
    assert bot_said[-1] == drain_text["en"]  # the apology was the last thing said
    # every line the bot sent, the apology's included, was played out before it hung up:
    # Twilio returns a line's mark once the audio queued before it has played
    assert len(result.line.marks_returned) == len(bot_said), result.line.marks_returned
    heard_from_bot = [line.text.lower() for line in result.heard if line.speaker == "bot"]
    # and the merchant heard it (Whisper's ears: the line closes on its last word)
    assert "end the call" in heard_from_bot[-1] and "call you" in heard_from_bot[-1]
    settings = load_settings(environ={"VOICEBOT_CONFIG": env["VOICEBOT_CONFIG"]})
    soon = timedelta(minutes=settings.server.drain_retry_minutes)
    with db.session() as s:
        merchant = crm_calls.get_call(s, result.call_id).merchant
        next_call_at = merchant.next_call_at
        # soon (server.drain_retry_minutes, then the first moment inside calling hours), not
        # after dialer.retry.partial's day; the worker waited for the drain to record it
        # before exiting. On a Sunday both fall on Monday's opening: the bound still holds.
        earliest, latest = (
            next_allowed_time(moment + soon, merchant.timezone, merchant.country, settings)
            for moment in (drain_began, drain_ended)
        )
    assert next_call_at is not None  # the dialer calls back
    assert earliest <= next_call_at <= latest
    assert exit_code == 0
    assert "ended 1 call(s) at the drain timeout" in server.log()
    db.dispose()
