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
