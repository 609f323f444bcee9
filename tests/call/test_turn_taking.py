"""Turn taking on the line clock: who has the floor, barge-in, silence, keys, marks.

No audio and no threads: events in, decisions out, each case a few line-clock milliseconds."""

from __future__ import annotations

import pytest

from voicebot.call.turn_taking import (
    BargeIn,
    Heard,
    IgnoredSpeech,
    KeysEntered,
    MerchantSpoke,
    Silence,
    TurnRules,
    TurnTaking,
    UnknownMark,
)

BACKCHANNELS = frozenset({("mhm",), ("uh", "huh"), ("aha",), ("yhm",)})


def machine(**rules: object) -> TurnTaking:
    defaults: dict[str, object] = {
        "barge_in": True,
        "barge_in_min_speech_ms": 400,
        "silence_reprompt_ms": 6000,
        "dtmf_timeout_ms": 2000,
        "backchannels": BACKCHANNELS,
    }
    return TurnTaking(TurnRules(**{**defaults, **rules}))  # type: ignore[arg-type]


def prompting(t: TurnTaking, start: int = 0, end: int = 5000, *, disclosure: bool = False):
    return t.bot_speaks("turn-1", start, end, disclosure=disclosure)


def kinds(decisions: list[object]) -> list[type]:
    return [type(d) for d in decisions]


# -- barge-in ------------------------------------------------------------------------------
def test_a_mhm_under_the_prompt_neither_stops_the_bot_nor_reaches_the_dialog() -> None:
    t = machine()
    prompting(t)
    assert t.speech_started(1000, 1000) == []
    assert t.speech_progress(260, 1260, 1260) == []
    assert t.partial("mhm", 1300, 1300) == []
    assert t.final("mhm", 1000, 1300, 1700) == [IgnoredSpeech("backchannel")]
    assert t.playing(1700)  # the prompt goes on


def test_a_backchannel_phrase_of_two_words_is_still_a_backchannel() -> None:
    t = machine()
    prompting(t)
    assert t.partial("uh huh", 1200, 1200) == []
    assert t.final("Uh-huh.", 1000, 1300, 1700) == [IgnoredSpeech("backchannel")]


def test_a_real_word_under_the_prompt_stops_the_bot_at_once() -> None:
    t = machine()
    speech = prompting(t)
    decisions = t.partial("electronics", 1400, 1420)
    assert decisions == [BargeIn(1420, (speech,))]
    assert speech.state == "cut" and t.bot_end_ms == 1420
    assert t.interrupted_recently()


def test_a_backchannel_followed_by_words_is_an_interruption() -> None:
    t = machine()
    prompting(t)
    assert t.partial("mhm", 1200, 1200) == []
    assert kinds(t.partial("mhm wait", 1500, 1500)) == [BargeIn]


def test_long_speech_without_partial_results_stops_the_bot() -> None:
    """Whisper has no partial results: 400 ms of voiced speech takes the floor."""
    t = machine()
    prompting(t)
    assert t.speech_progress(380, 1400, 1400) == []
    assert kinds(t.speech_progress(400, 1420, 1420)) == [BargeIn]
    assert t.speech_progress(600, 1620, 1620) == []  # once


def test_the_disclosures_are_never_cut() -> None:
    t = machine()
    speech = prompting(t, disclosure=True)
    assert t.partial("stop calling me", 1000, 1000) == []
    assert speech.state == "queued"
    assert kinds(t.final("stop calling me", 800, 1900, 2300)) == [MerchantSpoke]


def test_barge_in_can_be_switched_off() -> None:
    t = machine(barge_in=False)
    speech = prompting(t)
    assert t.partial("electronics", 1000, 1000) == []
    assert t.speech_progress(2000, 3000, 3000) == []
    assert kinds(t.final("electronics", 800, 1900, 2300)) == [MerchantSpoke]
    assert speech.state == "queued"


def test_speech_after_the_prompt_ended_cuts_nothing() -> None:
    t = machine()
    prompting(t, 0, 3000)
    assert t.partial("electronics", 3500, 3500) == []
    assert t.final("electronics", 3300, 4000, 4700) == [MerchantSpoke(3300, 4000)]


def test_the_live_line_decides_not_the_age_of_the_audio() -> None:
    """Audio decoded late (the worker was busy) must still stop a sentence started since."""
    t = machine()
    t.bot_speaks("turn-1", 0, 2000, disclosure=False)
    later = t.bot_speaks("turn-2", 2000, 6000, disclosure=False)
    decisions = t.partial("no", 1900, 2500)
    assert decisions == [BargeIn(2500, (later,))]


def test_every_playing_sentence_is_cut_together() -> None:
    t = machine()
    first = t.bot_speaks("turn-1", 0, 2000, disclosure=False)
    second = t.bot_speaks("turn-2", 2000, 4000, disclosure=False)
    assert t.partial("hello", 500, 500) == [BargeIn(500, (first, second))]


def test_a_short_no_under_the_prompt_is_an_answer() -> None:
    t = machine()
    speech = prompting(t)
    decisions = t.final("No.", 1000, 1250, 1700)
    assert kinds(decisions) == [BargeIn, MerchantSpoke]
    assert speech.state == "cut"


def test_a_backchannel_after_the_prompt_is_an_answer() -> None:
    """'mhm' when the bot has finished is the merchant's reply, not listening noise."""
    t = machine()
    prompting(t, 0, 3000)
    assert t.final("mhm", 3200, 3500, 4000) == [MerchantSpoke(3200, 3500)]


def test_unknown_words_do_not_barge_in() -> None:
    t = machine()
    prompting(t)
    assert t.partial("[unk]", 1000, 1000) == []
    assert t.final("[unk]", 900, 1100, 1500) == [IgnoredSpeech("empty")]


# -- marks ---------------------------------------------------------------------------------
def test_a_mark_means_the_sentence_was_heard() -> None:
    t = machine()
    speech = prompting(t, 0, 2000)
    assert t.mark("turn-1", 2100) == [Heard(speech, 2100)]
    assert speech.state == "heard" and t.all_heard()
    assert t.mark("turn-1", 2200) == []


def test_a_late_mark_after_a_barge_in_is_not_heard() -> None:
    t = machine()
    speech = prompting(t)
    t.partial("hello", 1000, 1000)
    assert t.mark("turn-1", 1100) == []  # Twilio returns marks of cleared audio too
    assert speech.state == "cut"


def test_a_mark_we_never_sent_is_reported() -> None:
    assert machine().mark("turn-9", 100) == [UnknownMark("turn-9")]


def test_a_late_mark_does_not_keep_the_bot_playing_on_the_clock() -> None:
    """The schedule, not the mark, says when the bot stopped talking: no barge-in after it."""
    t = machine()
    speech = prompting(t, 0, 2000)
    assert t.partial("electronics", 2600, 2600) == []
    assert t.mark("turn-1", 2900) == [Heard(speech, 2900)]


# -- silence -------------------------------------------------------------------------------
def test_silence_is_counted_from_the_end_of_the_prompt() -> None:
    t = machine()
    prompting(t, 0, 5000)
    assert t.tick(10_900, in_utterance=False) == []
    assert t.tick(11_000, in_utterance=False) == [Silence(5000, 11_000, 1)]
    assert t.tick(11_020, in_utterance=False) == []
    assert t.tick(17_000, in_utterance=False) == [Silence(11_000, 17_000, 2)]


def test_no_silence_during_a_long_prompt() -> None:
    t = machine()
    prompting(t, 0, 20_000)
    assert all(t.tick(ms, in_utterance=False) == [] for ms in range(0, 20_000, 500))
    assert t.tick(26_000, in_utterance=False) == [Silence(20_000, 26_000, 1)]


def test_no_silence_while_the_merchant_is_talking() -> None:
    t = machine()
    prompting(t, 0, 1000)
    t.speech_started(1500, 1500)
    assert t.tick(9000, in_utterance=True) == []
    assert t.tick(9000, in_utterance=False) == [Silence(1500, 9000, 1)]


def test_speech_resets_the_silence_timer() -> None:
    t = machine()
    prompting(t, 0, 1000)
    t.final("hello", 4000, 5000, 5500)
    assert t.tick(10_900, in_utterance=False) == []
    assert kinds(t.tick(11_000, in_utterance=False)) == [Silence]


def test_a_backchannel_still_counts_as_a_sign_of_life() -> None:
    t = machine()
    prompting(t, 0, 8000)
    t.final("mhm", 6000, 6300, 6500)
    assert t.tick(12_000, in_utterance=False) == []
    assert t.tick(14_000, in_utterance=False) == [Silence(8000, 14_000, 1)]


def test_a_cut_prompt_counts_silence_from_the_cut() -> None:
    t = machine()
    prompting(t, 0, 20_000)
    t.partial("wait", 2000, 2000)
    assert t.tick(8100, in_utterance=False) == [Silence(2000, 8100, 1)]


def test_nothing_happens_once_the_dialog_ended() -> None:
    t = machine()
    prompting(t, 0, 1000)
    t.dialog_ended()
    assert t.tick(60_000, in_utterance=False) == []
    assert t.final("hello", 2000, 2500, 3000) == [IgnoredSpeech("ended")]


# -- keys ----------------------------------------------------------------------------------
def test_keys_end_with_the_hash_key() -> None:
    t = machine()
    prompting(t, 0, 1000)
    for n, digit in enumerate("123"):
        assert t.key(digit, 2000 + n * 300) == []
    assert t.key("#", 3000) == [KeysEntered("123", 2600)]


def test_keys_end_after_a_pause() -> None:
    t = machine()
    prompting(t, 0, 1000)
    t.key("1", 2000)
    assert t.tick(3900, in_utterance=False) == []
    assert t.tick(4000, in_utterance=False) == [KeysEntered("1", 2000)]


def test_a_key_stops_the_bot_even_a_mhm_could_not() -> None:
    t = machine()
    speech = prompting(t)
    assert t.key("2", 1000) == [BargeIn(1000, (speech,))]


def test_keys_during_speech_are_taken_and_so_is_the_speech() -> None:
    t = machine()
    prompting(t, 0, 1000)
    t.speech_started(2000, 2000)
    t.key("1", 2100)
    assert t.tick(4200, in_utterance=True) == [KeysEntered("1", 2100)]  # keys are not speech
    assert t.final("yes", 2000, 2600, 4300) == [MerchantSpoke(2000, 2600)]


def test_no_silence_is_declared_while_keys_wait() -> None:
    t = machine(silence_reprompt_ms=1000, dtmf_timeout_ms=5000)
    prompting(t, 0, 1000)
    t.key("4", 1500)
    assert t.tick(4000, in_utterance=False) == []
    assert t.tick(6500, in_utterance=False) == [KeysEntered("4", 1500)]


def test_a_lone_hash_is_nothing() -> None:
    t = machine()
    prompting(t, 0, 1000)
    assert t.key("#", 2000) == []


# -- the stream and the schedule -----------------------------------------------------------
def test_a_stream_that_stops_mid_utterance_leaves_no_turn_for_the_dialog() -> None:
    """The hang-up flush belongs to the session; turn taking hands nothing on meanwhile."""
    t = machine()
    prompting(t, 0, 1000)
    t.speech_started(1500, 1500)
    t.partial("my tax number is", 2500, 2500)
    assert t.tick(30_000, in_utterance=True) == []


def test_bot_audio_queues_after_what_is_already_playing() -> None:
    t = machine()
    t.bot_speaks("turn-1", 0, 3000, disclosure=False)
    assert t.next_bot_start(1000) == 3000
    assert t.next_bot_start(4000) == 4000


@pytest.mark.parametrize(
    ("text", "barges_in"),
    [("mhm", False), ("Mhm.", False), ("aha", False), ("yes", True), ("wait", True), ("", False)],
)
def test_partials_that_take_the_floor(text: str, barges_in: bool) -> None:
    t = machine()
    prompting(t)
    assert bool(t.partial(text, 1000, 1000)) is barges_in
