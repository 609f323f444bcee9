"""Per-token rate limiting with a token bucket: a full minute's requests may come at once,
then one more every 60/limit seconds.

With `server.redis_url` set the buckets live in Redis, so every process of every instance
draws from the same bucket; without it each process keeps its own (N processes let a token
make up to N times the limit), which `voicebot serve` says in its log at start-up.

When Redis is configured but does not answer, each process falls back to its own buckets
(a warning at most once a minute, a line when Redis answers again), so an outage loosens the
limit to N times for its duration instead of failing every API request. /readyz does not
report it: the API keeps working and calls do not use Redis."""

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
    """The same buckets, kept in Redis and shared by every process that uses the prefix;
    this process's own buckets while Redis does not answer."""

    WARN_EVERY_S = 60.0  # one warning a minute while Redis is down, not one per request
    RETRY_AFTER_S = 5.0  # after a failure, ask Redis again only this much later

    def __init__(self, redis, per_minute: int, *, prefix: str, clock=time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.prefix = prefix
        self._script = redis.register_script(_TAKE_SCRIPT)
        self._clock = clock
        self.fallback = TokenBucketLimiter(per_minute, clock=clock)
        self._lock = threading.Lock()
        self._down_since: float | None = None  # Redis failed and has not answered since
        self._next_try = 0.0
        self._warned_at: float | None = None
        self._local_takes = 0  # requests limited locally since the last warning

    @property
    def shared(self) -> bool:
        """False while the buckets are this process's own because Redis is down."""
        return self._down_since is None

    def take(self, key: object) -> tuple[bool, int, float]:
        from redis import RedisError

        now = self._clock()
        if self._down_since is not None and now < self._next_try:
            return self._take_locally(key, now, None)
        try:
            allowed, raw = self._script(
                keys=[f"{self.prefix}{key}"], args=[self.capacity, self.rate]
            )
        except RedisError as exc:
            return self._take_locally(key, now, exc)
        if self._down_since is not None:
            self._recovered(now)
        tokens = float(raw.decode() if isinstance(raw, bytes) else raw)
        if int(allowed):
            return True, int(tokens), 0.0
        return False, 0, (1.0 - tokens) / self.rate

    def _take_locally(
        self, key: object, now: float, error: Exception | None
    ) -> tuple[bool, int, float]:
        with self._lock:
            if error is not None:
                self._next_try = now + self.RETRY_AFTER_S
                if self._down_since is None:
                    self._down_since = now
            self._local_takes += 1
            warn = self._warned_at is None or now - self._warned_at >= self.WARN_EVERY_S
            if warn:
                self._warned_at, takes, self._local_takes = now, self._local_takes, 0
        if warn:
            log.warning(
                "API rate limit: Redis does not answer (%s); this process limits on its own"
                " for now (%d request(s) since the last warning)",
                f"{type(error).__name__}: {error}" if error else "still down",
                takes,
            )
        return self.fallback.take(key)

    def _recovered(self, now: float) -> None:
        with self._lock:
            if self._down_since is None:
                return
            down_s, self._down_since, self._warned_at = now - self._down_since, None, None
            self._local_takes = 0
        log.warning("API rate limit: Redis answers again after %.0f s; shared again", down_s)


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
    # a rate-limit check must not hold an API request for long when Redis is unreachable
    redis = Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return RedisTokenBucketLimiter(redis, per_minute, prefix=prefix)
