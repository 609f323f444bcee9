"""Per-token rate limiting with a token bucket: a full minute's requests may come at once,
then one more every 60/limit seconds.

With `server.redis_url` set the buckets live in Redis, so every process of every instance
draws from the same bucket; without it each process keeps its own (N processes let a token
make up to N times the limit), which `voicebot serve` says in its log at start-up."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    capacity: float

    def take(self, key: object) -> tuple[bool, int, float]:
        """(allowed, requests left, seconds until the next request is allowed)."""
        ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """The buckets of one process."""

    def __init__(self, per_minute: int, *, clock=time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens refilled per second
        self._clock = clock
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: object) -> tuple[bool, int, float]:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.capacity, now))
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True, int(bucket.tokens), 0.0
            return False, 0, (1.0 - bucket.tokens) / self.rate


# KEYS[1]: the bucket (a hash of tokens and the time they were counted); ARGV: capacity,
# refill rate per second. Redis's own clock, so machines with skewed clocks agree. Numbers
# return as strings: Redis turns Lua numbers into integers.
_TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'updated', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return {allowed, string.format('%.6f', tokens)}
"""


class RedisTokenBucketLimiter:
    """The same buckets, kept in Redis and shared by every process that uses the prefix."""

    def __init__(self, redis, per_minute: int, *, prefix: str) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.prefix = prefix
        self._script = redis.register_script(_TAKE_SCRIPT)

    def take(self, key: object) -> tuple[bool, int, float]:
        allowed, raw = self._script(keys=[f"{self.prefix}{key}"], args=[self.capacity, self.rate])
        tokens = float(raw.decode() if isinstance(raw, bytes) else raw)
        if int(allowed):
            return True, int(tokens), 0.0
        return False, 0, (1.0 - tokens) / self.rate


def rate_limiter(per_minute: int, redis_url: str | None, key_prefix: str) -> RateLimiter:
    """Shared in Redis when a URL is configured, else this process's own buckets."""
    if not redis_url:
        log.info(
            "API rate limit kept per process (server.redis_url is not set): with N processes"
            " a token may make up to N x %d requests a minute",
            per_minute,
        )
        return TokenBucketLimiter(per_minute)
    try:
        from redis import Redis
    except ImportError as exc:
        raise RuntimeError("server.redis_url is set but the redis package is missing") from exc
    prefix = f"{key_prefix}api-rate:"
    return RedisTokenBucketLimiter(Redis.from_url(redis_url), per_minute, prefix=prefix)
