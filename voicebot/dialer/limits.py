"""Calls-per-second limits: one process (in memory) or many machines (a slot in Redis).

Both hand out start times spaced ``1 / rate`` seconds apart: a caller reserves the next
slot and waits until it. Spacing evenly, rather than counting per second, keeps even a
burst at the start of a second under Twilio's per-account CPS limit. The clock and the
sleep are parameters so tests run on a fake clock and never sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class SlotReserver(Protocol):
    clock: Clock

    def reserve(self) -> float:
        """Reserve the next start slot; returns when (clock seconds) the caller may start."""
        ...


class LocalRateLimiter:
    """Evenly spaced start slots for the threads of one process."""

    def __init__(self, rate_per_second: float, clock: Clock = time.monotonic) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self.clock = clock
        self._next = float("-inf")
        self._lock = threading.Lock()

    def reserve(self) -> float:
        with self._lock:
            slot = max(self.clock(), self._next)
            self._next = slot + self.interval
            return slot


# KEYS[1] the slot key; ARGV: now (s), interval (s). Returned as a string because Redis
# turns Lua numbers into integers and would drop the fractions of a second.
_RESERVE_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '-1')
local slot = math.max(now, nxt)
local ttl_ms = math.ceil((slot + interval - now) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', slot + interval), 'PX', ttl_ms)
return string.format('%.6f', slot)
"""


class RedisRateLimiter:
    """Evenly spaced start slots shared by every dialer worker using the same Redis key.

    The clock defaults to the Redis server's own, so machines with skewed clocks still
    agree on the spacing."""

    def __init__(self, redis, key: str, rate_per_second: float, clock: Clock | None = None) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.redis = redis
        self.key = key
        self.interval = 1.0 / rate_per_second
        self._script = redis.register_script(_RESERVE_SCRIPT)
        self.clock = clock or self._redis_clock

    def _redis_clock(self) -> float:
        seconds, micros = self.redis.time()
        return seconds + micros / 1_000_000

    def reserve(self) -> float:
        reply = self._script(keys=[self.key], args=[f"{self.clock():.6f}", self.interval])
        return float(reply.decode() if isinstance(reply, bytes) else reply)


def wait_for_slot(limiter: SlotReserver, sleep: Sleep) -> float:
    """Reserve a slot and sleep until it (on the limiter's clock); returns the wait."""
    slot = limiter.reserve()
    delay = slot - limiter.clock()
    if delay > 0:
        sleep(delay)
    return max(delay, 0.0)
