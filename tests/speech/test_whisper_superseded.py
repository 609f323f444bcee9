"""A decode started at a pause and then outdated (the merchant went on, or the end needs a
decode of its own) is cancelled, so it never queues ahead of the
decode that matters. The real Whisper engine and espeak-ng speech; the engine's pause pool
is a real one-thread executor kept busy, so every decode started at a pause waits in its
queue where the test can see whether it was cancelled. Nothing is decoded but the last
answer, so the test takes seconds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from voicebot.config import SpeechSettings
from voicebot.speech.engines import load_recognizer_engine
from voicebot.speech.whisper_engine import WhisperEngine, WhisperStream

from .speech_audio import feed, say, silence


@pytest.fixture(scope="module")
def english(models_dir) -> WhisperEngine:  # type: ignore[no-untyped-def]
    engine = load_recognizer_engine("en", SpeechSettings(models_dir=models_dir))
    assert isinstance(engine, WhisperEngine)
    return engine


@pytest.fixture
def busy_pool(english: WhisperEngine) -> Iterator[threading.Event]:
    """The engine's pause pool: one thread, busy until the event is set."""
    release = threading.Event()
    pool = ThreadPoolExecutor(1, thread_name_prefix="busy-whisper")
    pool.submit(release.wait, 60)
    usual, english.pause_pool = english.pause_pool, pool
    try:
        yield release
    finally:
        release.set()
        pool.shutdown(wait=True)
        english.pause_pool = usual


def started(stream: WhisperStream) -> Future:  # type: ignore[type-arg]
    assert stream._started is not None, "no decode was started at the pause"
    return stream._started[1]


def test_superseded_pause_decodes_are_cancelled(
    english: WhisperEngine, busy_pool: threading.Event
) -> None:
    pause = english.settings.whisper_segment_pause_ms + 100  # a pause that starts a decode
    stream = english.open_stream()
    stream.expect(None, endpoint_rule=lambda heard: 4000)  # pauses never end the answer here
    feed(stream, silence(300) + say("one two three", "en-us") + silence(pause), flush=False)
    first = started(stream)
    assert not first.done()  # queued behind the busy thread

    # the merchant goes on: the next pause's decode covers more, the first is cancelled
    feed(stream, say("four five six", "en-us") + silence(pause), flush=False)
    second = started(stream)
    assert first.cancelled() and second is not first and not second.done()
    assert stream.decodes == 2

    # more words, then the line closes: the end decodes the whole utterance itself, so the
    # decode of the second pause is cancelled too
    feed(stream, say("seven", "en-us"), flush=False)
    events = stream.flush()
    assert second.cancelled()
    assert [e.kind for e in events] == ["final"] and stream.decodes == 3
    assert stream._started is None
