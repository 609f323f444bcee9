"""The API rate limit shared in Redis: two instances (two apps, as two processes would be)
draw from one bucket per token; without Redis each keeps its own."""

from __future__ import annotations

import uuid

import pytest
import redis

from voicebot.api.ratelimit import RedisTokenBucketLimiter, TokenBucketLimiter, rate_limiter

from .conftest import bearer, make_app, token_for, with_overrides

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix():  # type: ignore[no-untyped-def]
    key_prefix = f"voicebot-test:{uuid.uuid4().hex}:"
    yield key_prefix
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"{key_prefix}*"):
        connection.delete(key)
    connection.close()


def test_two_instances_share_one_bucket_per_token(settings, db, prefix) -> None:
    shared = with_overrides(
        settings,
        api={"rate_limit_per_minute": 3},
        server={"redis_url": REDIS_URL, "redis_key_prefix": prefix},
    )
    first, second = make_app(shared, db).test_client(), make_app(shared, db).test_client()
    token, other = bearer(token_for(db, "export")), bearer(token_for(db, "export"))
    answers = [
        client.get("/api/v1/store-configs", headers=token)
        for client in (first, second, first, second)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers.get("X-RateLimit-Remaining") for a in answers[:3]] == ["2", "1", "0"]
    assert int(answers[3].headers["Retry-After"]) >= 1
    assert second.get("/api/v1/store-configs", headers=other).status_code == 200


def test_without_redis_each_process_keeps_its_own_buckets(settings, db, caplog) -> None:
    limited = with_overrides(settings, api={"rate_limit_per_minute": 2})
    with caplog.at_level("INFO"):
        first, second = make_app(limited, db).test_client(), make_app(limited, db).test_client()
    assert "kept per process (server.redis_url is not set)" in caplog.text
    token = bearer(token_for(db, "export"))
    codes = [c.get("/api/v1/store-configs", headers=token).status_code for c in (first, first)]
    assert codes == [200, 200]
    assert second.get("/api/v1/store-configs", headers=token).status_code == 200


def test_redis_bucket_refills_at_the_rate(prefix) -> None:
    connection = redis.Redis.from_url(REDIS_URL)
    limiter = RedisTokenBucketLimiter(connection, 6, prefix=prefix)  # one every 10 s
    assert [limiter.take("t")[:2] for _ in range(6)] == [(True, n) for n in (5, 4, 3, 2, 1, 0)]
    allowed, _left, wait = limiter.take("t")
    assert not allowed and 8 < wait <= 10  # the next token is due within 10 s
    assert isinstance(rate_limiter(5, None, prefix), TokenBucketLimiter)
    connection.close()


UNREACHABLE_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def test_redis_down_falls_back_to_the_process_buckets(settings, db, caplog) -> None:
    down = with_overrides(
        settings,
        api={"rate_limit_per_minute": 2},
        server={"redis_url": UNREACHABLE_URL, "redis_key_prefix": "voicebot-test:"},
    )
    client = make_app(down, db).test_client()
    token = bearer(token_for(db, "export"))
    with caplog.at_level("WARNING", logger="voicebot.api.ratelimit"):
        codes = [client.get("/api/v1/store-configs", headers=token).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # limited by this process's own bucket, not a 500
    warnings = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(warnings) == 1  # once, not on every request
    assert "ConnectionError" in warnings[0].getMessage()


class _FlakyRedis:
    """A Redis whose script fails while ``down`` is set."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def register_script(self, _source):  # type: ignore[no-untyped-def]
        def run(keys, args):  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.down:
                raise redis.ConnectionError("Connection refused")
            return [1, b"4.000000"]

        return run


def test_redis_is_asked_again_after_a_pause_and_shared_once_it_answers(caplog) -> None:
    now = [100.0]
    flaky = _FlakyRedis()
    limiter = RedisTokenBucketLimiter(flaky, 5, prefix="p:", clock=lambda: now[0])
    with caplog.at_level("WARNING", logger="voicebot.api.ratelimit"):
        assert [limiter.take("t")[0] for _ in range(3)] == [True, True, True]
        assert flaky.calls == 1 and not limiter.shared  # no new try within RETRY_AFTER_S
        now[0] += limiter.RETRY_AFTER_S
        limiter.take("t")
        assert flaky.calls == 2
        flaky.down = False
        now[0] += limiter.RETRY_AFTER_S
        assert limiter.take("t") == (True, 4, 0.0)  # Redis's bucket again
    assert limiter.shared
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Redis does not answer" in m for m in messages) == 1
    assert any("Redis answers again after 10 s" in m for m in messages)
