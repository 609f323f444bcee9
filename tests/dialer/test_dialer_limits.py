"""Calls-per-second slots: in memory and shared through the real Redis, on a fake clock."""

from __future__ import annotations

import uuid

import pytest
import redis

from voicebot.dialer.limits import LocalRateLimiter, RedisRateLimiter, wait_for_slot

from .helpers import WARSAW, FakeClock, local


def test_local_slots_are_evenly_spaced_and_idle_time_is_not_banked() -> None:
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10))
    limiter = LocalRateLimiter(4.0, clock=clock.monotonic)
    assert [limiter.reserve() - 1000.0 for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]
    clock.advance(seconds=10)  # a quiet spell does not allow a burst afterwards
    assert [limiter.reserve() - 1010.0 for _ in range(2)] == [0.0, 0.25]


def test_wait_for_slot_sleeps_only_as_needed() -> None:
    clock = FakeClock(local(WARSAW, 2026, 6, 16, 10))
    limiter = LocalRateLimiter(2.0, clock=clock.monotonic)
    waits = [wait_for_slot(limiter, clock.sleep) for _ in range(3)]
    assert waits == [0.0, 0.5, 0.5]
    assert clock.monotonic_s == 1001.0


@pytest.fixture
def redis_key():
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"voicebot-test:{uuid.uuid4().hex}:cps"
    yield connection, key
    connection.delete(key)
    connection.close()


def test_redis_slots_are_shared_between_limiters(redis_key) -> None:
    connection, key = redis_key
    now = [5000.0]
    first = RedisRateLimiter(connection, key, 10.0, clock=lambda: now[0])
    second = RedisRateLimiter(connection, key, 10.0, clock=lambda: now[0])
    slots = [first.reserve(), second.reserve(), first.reserve(), second.reserve()]
    assert slots == pytest.approx([5000.0, 5000.1, 5000.2, 5000.3])
    now[0] = 5010.0
    assert first.reserve() == pytest.approx(5010.0)
    assert 0 < connection.pttl(key) <= 1200  # the key expires once it no longer matters


def test_redis_limiter_uses_the_servers_clock_by_default(redis_key) -> None:
    connection, key = redis_key
    limiter = RedisRateLimiter(connection, key, 1000.0)
    seconds, micros = connection.time()
    slot = limiter.reserve()
    assert abs(slot - (seconds + micros / 1e6)) < 5.0
