"""Endpointing on espeak-ng speech through the phone path, with silences and line noise."""

from __future__ import annotations

from voicebot.speech.audio import frames
from voicebot.speech.vad import EndKind, EndpointConfig, Endpointer

from .speech_audio import mix, noise, say, silence


def utterances(audio: bytes, config: EndpointConfig | None = None) -> list[tuple[int, int, str]]:
    """(start ms, end ms, reason) per utterance the endpointer finds."""
    endpointer = Endpointer(8000, config or EndpointConfig())
    found, start = [], 0
    for frame in frames(audio):
        decision = endpointer.process(frame)
        if decision.started:
            start = decision.start_ms
        if decision.ended is not None:
            found.append((start, endpointer.now_ms, decision.ended.value))
    if endpointer.force_end() is not None:
        found.append((start, endpointer.now_ms, EndKind.FLUSH.value))
    return found


def test_pauses_shorter_than_the_endpoint_keep_one_utterance() -> None:
    speech = say("my store is called gadget corner", "en-us")
    audio = silence(400) + speech + silence(300) + speech + silence(1000)
    found = utterances(audio)
    assert len(found) == 1 and found[0][2] == "silence"


def test_long_pause_splits_and_endpoint_waits_the_configured_silence() -> None:
    speech = say("yes that is right", "en-us")
    audio = silence(400) + speech + silence(1200) + speech + silence(1200)
    found = utterances(audio)
    assert len(found) == 2
    first_end_of_speech = (len(silence(400)) + len(speech)) // 16
    # ended by 700 ms of silence after the speech, not before it and not much later
    assert first_end_of_speech + 650 <= found[0][1] <= first_end_of_speech + 850
    assert found[0][0] <= 400  # the pre-roll reaches back before the first voiced frame


def test_shorter_endpoint_after_a_yes_no_question() -> None:
    speech = say("yes", "en-us")
    audio = silence(300) + speech + silence(500) + speech + silence(800)
    assert len(utterances(audio)) == 1
    assert len(utterances(audio, EndpointConfig(endpoint_silence_ms=350))) == 2


def test_line_noise_alone_is_not_speech() -> None:
    for level in (-50, -35, -25):
        assert utterances(noise(4000, level)) == [], level


def test_speech_over_steady_noise_is_found() -> None:
    speech = say("about twelve hundred products", "en-us")
    audio = mix(silence(1500) + speech + silence(1500), noise(3000 + len(speech) // 16, -40))
    found = utterances(audio)
    assert len(found) == 1
    assert 1200 <= found[0][0] <= 1600


def test_maximum_utterance_length_cuts_a_monologue() -> None:
    speech = say("one two three four five six seven eight nine ten", "en-us", rate=120)
    found = utterances(silence(200) + speech + silence(1000), EndpointConfig(max_utterance_ms=2000))
    assert found[0][2] == "max_length"
    assert found[0][1] - found[0][0] <= 2000
