"""Several dialer processes against the real PostgreSQL (and Redis): each merchant is
called exactly once, and the calls-per-second limit holds across worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from voicebot.crm.db import Database
from voicebot.crm.models import Call, CallStatus, Event

from .helpers import add_merchant

pytestmark = pytest.mark.postgres

TESTS_DIR = Path(__file__).resolve().parents[1]
VOICEBOT = [str(Path(sys.executable).with_name("voicebot"))]
MERCHANTS = 40
ALWAYS_OPEN = json.dumps({"default": {"mon-sun": ["00:00-24:00"]}})


def dialer_env(pg_url: str, tmp_path: Path, queue: str, **extra: str) -> dict[str, str]:
    config = tmp_path / "config.yml"
    config.write_text("# everything from the environment below\n")
    env = {
        **os.environ,
        "PYTHONPATH": str(TESTS_DIR),
        "VOICEBOT_CONFIG": str(config),
        "VOICEBOT_DATABASE_URL": pg_url,
        # The test runs at any hour: the rules are tested elsewhere on a fake clock.
        "VOICEBOT_DIALER_CALLING_HOURS": ALWAYS_OPEN,
        "VOICEBOT_DIALER_SKIP_PUBLIC_HOLIDAYS": "false",
        "VOICEBOT_DIALER_MAX_CONCURRENT_CALLS": "1000",
        "VOICEBOT_DIALER_CALLS_PER_SECOND": "200",
        "VOICEBOT_DIALER_POLL_INTERVAL_S": "0.03",  # 6 claims per round: rounds interleave
        "VOICEBOT_DIALER_PLACER": "dialer.recording_placer:factory",
        "VOICEBOT_DIALER_QUEUE_NAME": queue,
        "VOICEBOT_DIALER_KEY_PREFIX": f"{queue}:",
        "VOICEBOT_TEST_DIAL_LOG": str(tmp_path / "dials.log"),
    }
    env.update(extra)
    return env


def run_together(commands: list[list[str]], env: dict[str, str]) -> list[str]:
    processes = [
        subprocess.Popen(
            VOICEBOT + cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for cmd in commands
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out)
    return outputs


def read_dials(tmp_path: Path) -> list[tuple[int, int, int, float]]:
    lines = (tmp_path / "dials.log").read_text().splitlines()
    return [(int(p), int(m), int(c), float(t)) for p, m, c, t in (line.split() for line in lines)]


@pytest.fixture
def seeded(pg_url: str) -> Database:
    database = Database(pg_url)
    database.upgrade()
    with database.session() as s:
        for _ in range(MERCHANTS):
            add_merchant(s)
    yield database
    database.dispose()


@pytest.fixture
def queue_name() -> str:
    name = f"voicebot-test-{uuid.uuid4().hex[:10]}"
    yield name
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    connection.close()


def assert_each_merchant_called_once(
    db: Database, dials: list[tuple[int, int, int, float]]
) -> None:
    merchants = Counter(m for _, m, _, _ in dials)
    assert len(merchants) == MERCHANTS
    assert max(merchants.values()) == 1, [m for m, n in merchants.items() if n > 1]
    with db.session() as s:
        assert s.scalar(select(func.count(Call.id))) == MERCHANTS
        statuses = set(s.scalars(select(Call.status)))
        assert statuses == {CallStatus.INITIATED}


def test_two_embedded_dialers_never_call_a_merchant_twice(
    seeded: Database, pg_url: str, tmp_path: Path, queue_name: str
) -> None:
    env = dialer_env(pg_url, tmp_path, queue_name)
    outputs = run_together([["dialer", "run", "--until-idle"]] * 2, env)
    dials = read_dials(tmp_path)
    assert_each_merchant_called_once(seeded, dials)
    claimed = [int(out.split("stopped: ")[1].split()[0]) for out in outputs]
    assert sum(claimed) == MERCHANTS
    print("claims per process:", claimed)


def test_queued_calls_with_two_claimers_and_two_workers(
    seeded: Database, pg_url: str, tmp_path: Path, queue_name: str
) -> None:
    cps = 20.0
    env = dialer_env(
        pg_url,
        tmp_path,
        queue_name,
        VOICEBOT_DIALER_CALLS_PER_SECOND=str(cps),
        VOICEBOT_DIALER_POLL_INTERVAL_S="0.3",
    )
    run_together([["dialer", "run", "--queue", "--until-idle"]] * 2, env)
    with seeded.session() as s:
        claimers = Counter(
            e.data.get("by") for e in s.scalars(select(Event).where(Event.kind == "dialer.claimed"))
        )
        assert s.scalar(select(func.count(Call.id))) == MERCHANTS
    assert sum(claimers.values()) == MERCHANTS
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    assert connection.llen(f"rq:queue:{queue_name}") == MERCHANTS

    run_together([["dialer", "worker", "--burst"]] * 2, env)
    dials = read_dials(tmp_path)
    assert_each_merchant_called_once(seeded, dials)
    assert len({pid for pid, *_ in dials}) == 2  # both workers dialled
    # The CPS slots are shared through Redis: the two workers together keep to `cps`.
    times = sorted(t for *_, t in dials)
    assert times[-1] - times[0] >= (MERCHANTS - 1) / cps * 0.9
    print("claims per process:", dict(claimers))
