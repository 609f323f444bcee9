"""Prometheus metrics: what the call tier counts, and their exposition (served at /metrics
by voicebot.serving.metrics_endpoint).

Under gunicorn every worker process writes its samples to files in PROMETHEUS_MULTIPROC_DIR
(set by `voicebot serve` before anything imports prometheus_client) and /metrics adds them up;
under the development server the process's own registry is served. Figures the database
already holds (webhook deliveries, the dialer's queue) are read at scrape time. The dialer's
claims are counted in the dialer's own process and served by it (``dialer_exposition``).

Observing never touches the call session's code: a finished call's statistics are read when
the call registry hears it ended, recognition and synthesis are observed through thin wrappers
around the per-process engine and synthesiser (see voicebot.call.services)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from voicebot.crm.db import Database

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set by voicebot.serving.gunicorn_app

# Seconds: a turn's budget is well under one second; a few slow tails are what we look for.
LATENCY_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

CALLS_IN_PROGRESS = Gauge(
    "voicebot_calls_in_progress",
    "Calls whose media stream this server is handling now",
    multiprocess_mode="livesum",
)
CALLS_FINISHED = Counter("voicebot_calls_finished", "Finished calls by outcome", ["outcome"])
VOICE_TO_VOICE = Histogram(
    "voicebot_voice_to_voice_seconds",
    "End of the merchant's speech to the bot's first audio, per turn",
    buckets=LATENCY_BUCKETS,
)
PROCESSING = Histogram(
    "voicebot_processing_seconds",
    "Endpoint decided to the bot's first audio (recognition, dialog, synthesis), per turn",
    buckets=LATENCY_BUCKETS,
)
ASR_CONFIDENCE = Histogram(
    "voicebot_asr_confidence",
    "Recogniser confidence of each final merchant utterance",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
)
ENDPOINT_SILENCE = Histogram(
    "voicebot_endpoint_silence_seconds",
    "Trailing silence that ended each merchant utterance (shorter after yes/no questions)",
    buckets=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.5, 2.0),
)
BARGE_INS = Counter("voicebot_barge_ins", "Bot speech cut because the merchant spoke")
MISSED_FRAMES = Counter("voicebot_missed_frames", "Media frames that never reached the server")
TTS_REQUESTS = Counter("voicebot_tts_requests", "Bot sentences synthesised", ["cache"])
TTS_SECONDS = Histogram(
    "voicebot_tts_synthesis_seconds",
    "Time to get one sentence's audio (from the cache or rendered)",
    ["cache"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0),
)
TTS_CACHE_STATES = ("hit", "miss")


def _precreate_label_values() -> None:
    """Every outcome and cache state at 0 from the start, so the families (and a rate()
    over them) exist before the first call rather than appearing with it."""
    from voicebot.scheduling.states import CallOutcome

    for outcome in CallOutcome:
        CALLS_FINISHED.labels(outcome.value)
    for cache in TTS_CACHE_STATES:
        TTS_REQUESTS.labels(cache)
        TTS_SECONDS.labels(cache)


_precreate_label_values()

# The dialer's own figures, served by `voicebot dialer run --metrics-port` (the dialer is a
# process of its own, apart from the servers): its registry holds only them and the
# process's CPU and memory, so the call tier's metrics do not show there as zeros.
DIALER_REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=DIALER_REGISTRY)
_dialer_claims: Counter | None = None
_dialer_lock = threading.Lock()


def dialer_claims() -> Counter:
    """voicebot_dialer_claims_total, made on first use: only the dialer counts claims, and a
    server's worker that made it would show a 0 in the server's /metrics that is never true."""
    global _dialer_claims
    with _dialer_lock:
        if _dialer_claims is None:
            _dialer_claims = Counter(
                "voicebot_dialer_claims",
                "Calls the dialer claimed to place",
                registry=DIALER_REGISTRY,
            )
        return _dialer_claims


def __getattr__(name: str) -> Any:
    if name == "DIALER_CLAIMS":  # voicebot.dialer.loop counts through this name
        return dialer_claims()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- observers ------------------------------------------------------------------------------
def call_started() -> None:
    CALLS_IN_PROGRESS.inc()


def call_finished(session: Any) -> None:
    """A session ended: its outcome and the statistics it kept."""
    CALLS_IN_PROGRESS.dec()
    outcome = getattr(session, "outcome", None)
    CALLS_FINISHED.labels(getattr(outcome, "value", None) or "unknown").inc()
    stats = session.stats
    for ms in stats.latencies_ms:
        VOICE_TO_VOICE.observe(ms / 1000)
    for ms in stats.processing_ms:
        PROCESSING.observe(ms / 1000)
    if stats.barge_ins:
        BARGE_INS.inc(stats.barge_ins)
    if stats.missed_frames:
        MISSED_FRAMES.inc(stats.missed_frames)


class MeteredStream:
    """A recognition stream that reports each final utterance's confidence and the trailing
    silence that ended it; everything else passes through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._silence_ms: int | None = None

    def expect(
        self,
        vocabulary: Any,
        *,
        endpoint_silence_ms: int | None = None,
        endpoint_rule: Any = None,
    ) -> None:
        self._silence_ms = endpoint_silence_ms
        self._inner.expect(
            vocabulary, endpoint_silence_ms=endpoint_silence_ms, endpoint_rule=endpoint_rule
        )

    def accept(self, pcm16: bytes) -> list[Any]:
        return self._observe(self._inner.accept(pcm16))

    def flush(self) -> list[Any]:
        return self._observe(self._inner.flush())

    def _observe(self, events: list[Any]) -> list[Any]:
        for event in events:
            if event.kind != "final" or not (event.text or "").strip():
                continue
            ASR_CONFIDENCE.observe(event.confidence)
            if event.end_reason == "silence":
                # the silence that really ended it (adaptive endpointing), when the stream says
                silence = (
                    getattr(event, "endpoint_silence_ms", 0)
                    or self._silence_ms
                    or self._inner.config.endpoint_silence_ms
                )
                ENDPOINT_SILENCE.observe(silence / 1000)
        return events

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class MeteredEngine:
    """A recogniser engine whose streams are metered."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def open_stream(self, *args: Any, **kwargs: Any) -> MeteredStream:
        return MeteredStream(self._inner.open_stream(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class MeteredSynthesizer:
    """The synthesiser, counting cache hits and timing each sentence."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def synthesize(self, text: str, language: str, **options: Any) -> bytes:
        # a prompt said at another rate is stretched from the cached usual one
        cache = "hit" if self._inner.is_cached(text, language) else "miss"
        started = time.perf_counter()
        audio = self._inner.synthesize(text, language, **options)
        TTS_SECONDS.labels(cache).observe(time.perf_counter() - started)
        TTS_REQUESTS.labels(cache).inc()
        return audio

    def synthesise_stream(self, text: str, language: str, **options: Any) -> Iterator[bytes]:
        """Sentence by sentence, as the call plays it; each sentence's synthesis is timed."""
        cache = "hit" if self._inner.is_cached(text, language) else "miss"
        TTS_REQUESTS.labels(cache).inc()
        started = time.perf_counter()
        for chunk in self._inner.synthesise_stream(text, language, **options):
            TTS_SECONDS.labels(cache).observe(time.perf_counter() - started)
            yield chunk
            started = time.perf_counter()  # the time the caller spent playing is not ours

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


# -- exposition -----------------------------------------------------------------------------
class DatabaseCollector:
    """Gauges read from the database at scrape time (the same for every worker)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from voicebot.crm.operations import dialer_queue_depth, webhook_deliveries_by_state

        try:
            with self.db.session() as s:
                deliveries = webhook_deliveries_by_state(s)
                depth = dialer_queue_depth(s)
        except Exception as exc:  # the scrape still shows the process's own figures
            log.warning("metrics: the database did not answer: %s", exc)
            return
        family = GaugeMetricFamily(
            "voicebot_webhook_deliveries", "Webhook deliveries by state", labels=["state"]
        )
        for state, count in sorted(deliveries.items()):
            family.add_metric([state], count)
        yield family
        yield GaugeMetricFamily(
            "voicebot_dialer_queue_depth", "Merchants due for a call now", value=depth
        )


class _ProcessCollector:
    """This process's default registry, for the development server (one process)."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def dialer_exposition() -> bytes:
    """What `voicebot dialer run --metrics-port` serves."""
    dialer_claims()  # shown from the start, at 0 before the first claim
    return generate_latest(DIALER_REGISTRY)


def exposition(db: Database) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())
    registry.register(DatabaseCollector(db))
    return generate_latest(registry)
