"""End-to-end calls: the simulator plays Twilio and the merchant against the real server,
the real dialog, Piper (English merchant, where installed) and espeak-ng speech, and Whisper
recognition. Slow: a few meaningful calls."""

from __future__ import annotations

import re
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from voicebot.crm import calls as crm_calls
from voicebot.crm.events import events_for
from voicebot.dialog.domain import load_domain
from voicebot.simulator.scenario import load_scenario
from voicebot.speech.tts_piper import find_piper_voice

pytestmark = pytest.mark.slow
DOMAIN = Path(__file__).resolve().parents[2] / "dialogs" / "domain.yml"


def stereo_levels(path: str) -> tuple[float, float]:
    with wave.open(path) as wav:
        assert wav.getnchannels() == 2 and wav.getframerate() == 8000
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    return float(np.abs(samples[:, 0]).mean()), float(np.abs(samples[:, 1]).mean())


def name_words(value: object) -> str:
    """The store name's words, lower-case, possessives dropped. Whisper base hears espeak's
    "It's called Gadget Corner." in these calls as "Carl's Gadget Corner" or "Gadget's
    Corner" (the start of the answer is misheard; open, see the stop-20 note): the test holds
    that the name's own words arrive, not the recogniser's spelling of the carrier phrase."""
    return re.sub(r"'s\b", "", str(value).lower())


def test_english_happy_path_collects_the_configuration(simulator) -> None:
    scenario = load_scenario("happy_en")  # espeak-ng's merchant, on which values were calibrated
    simulator.warm_up(["en"])
    result = simulator.run(scenario, timeout_s=900)

    assert result.outcome == "completed", result.turns
    fields = {name: info["value"] for name, info in result.config["fields"].items()}
    assert name_words(fields["store_name"]).endswith("gadget corner")
    assert fields["industry"] == "electronics"  # the lexicon's id, whatever Whisper wrote
    # "Card and PayPal." loses its start the same way ("Carben's PayPal"): see name_words.
    assert "paypal" in fields["payment_methods"]
    assert set(fields["payment_methods"]) <= {"card", "paypal"}
    assert fields["product_count"] == 1200
    assert fields["tax_id"] == "123456789"  # a US EIN, spoken digit by digit
    assert fields["contact_email"] == "alex@gadgetcorner.com"  # pre-filled, confirmed
    assert result.config["status"] == "complete"

    merchant_turns = [t for t in result.turns if t["speaker"] == "merchant"]
    bot_turns = [t for t in result.turns if t["speaker"] == "bot"]
    assert not any(t["text"].startswith("DTMF") for t in merchant_turns)  # no key pressed
    assert not [h for h in result.heard if h.text.startswith("(keys")]
    # what was asked for is what the recogniser was told to expect: spoken yes/no and digits
    kinds = {
        t["kind"] for e in result.events if e["kind"] == "call.media" for t in e["data"]["timings"]
    }
    assert {"yes_no", "tax_id"} <= kinds, kinds
    spoken = [t for t in merchant_turns if not t["text"].startswith("DTMF") and t["text"]]
    assert all(t["confidence"] is not None and t["words"] for t in spoken)
    assert all(t["end_ms"] > t["start_ms"] for t in spoken)
    assert all(
        t["latency_ms"] is not None
        for t in bot_turns
        if t["index"] > 0 and result.turns[t["index"] - 1]["speaker"] == "merchant"
    )
    assert result.voice_to_voice_ms and result.latencies_ms
    assert [e for e in result.events if e["kind"] == "call.disclosure"]
    left, right = stereo_levels(result.recording_path)
    assert left > 20 and right > 20  # both sides are in the recording
    assert result.line.statuses[-1] == "completed"
    # the bot spoke English with Piper (the test-models voice), never falling back to espeak
    bot_voice = simulator.app.extensions["voicebot_calls"].services.synthesizer
    if find_piper_voice("en", simulator.settings.tts.piper_voices_dir) is not None:
        assert bot_voice.choice("en").engine == "piper", bot_voice.choice("en").describe()
        assert bot_voice.fallbacks == 0


def test_opt_out_ends_the_call_and_blocks_the_number(simulator) -> None:
    result = simulator.run(load_scenario("opt_out"), timeout_s=600)
    assert result.outcome == "opted_out"
    assert any(e["kind"] == "call.disclosure" for e in result.events)
    with simulator.db.session() as s:
        call = crm_calls.get_call(s, result.call_id)
        assert call.merchant.opted_out
        kinds = [e.kind for e in events_for(s, merchant_id=call.merchant_id)]
    assert "dialer.scheduled" in kinds


def test_voicemail_leaves_a_message_after_the_beep(simulator) -> None:
    result = simulator.run(load_scenario("voicemail"), timeout_s=600)
    assert result.outcome == "voicemail"
    assert result.line.said_by_twilio and "call again" in result.line.said_by_twilio[0]
    assert result.line.stream_closed_by == "redirected"
    with simulator.db.session() as s:
        call = crm_calls.get_call(s, result.call_id)
        assert call.answered_by == "machine_end_beep" and call.recording_path


def test_long_silence_reprompts_then_ends_politely(quick_silence_simulator) -> None:
    result = quick_silence_simulator.run(load_scenario("long_silence"), timeout_s=600)
    assert result.outcome == "silence"
    silences = [t for t in result.turns if t["intent"] == "silence"]
    assert len(silences) >= 2
    bot_after = [
        t for t in result.turns if t["speaker"] == "bot" and t["index"] > silences[0]["index"]
    ]
    assert bot_after  # the bot reprompted
    left, right = stereo_levels(result.recording_path)
    assert right > 20 and left < right  # the bot spoke, the merchant did not


def test_polish_call_machinery_turns_timings_recording_and_recovery(simulator) -> None:
    """Whisper base hears espeak-ng's Polish poorly (see the models README), so this asserts
    the machinery: every turn stored with timings, the recording, the bot recovering from
    an answer it cannot use, and the call ending cleanly. The merchant hangs up two questions
    after the recovery (the rest of the form is the English calls' job; this keeps it short)."""
    result = simulator.run(load_scenario("recovery_pl"), timeout_s=600)

    assert result.outcome is not None and result.outcome not in ("error", "completed")
    merchant = [t for t in result.turns if t["speaker"] == "merchant" and t["intent"] != "silence"]
    bot = [t for t in result.turns if t["speaker"] == "bot"]
    assert len(merchant) >= 2 and len(bot) >= 4
    assert all(t["start_ms"] is not None and t["end_ms"] >= t["start_ms"] for t in result.turns)
    indexes = [t["index"] for t in result.turns]
    assert indexes == sorted(indexes) == list(range(len(indexes)))
    assert bot[0]["text"].startswith("Dzień dobry")
    # Recovery: the persona answers the industry question off-topic once; the bot asks
    # again instead of storing it, and the call goes on to the next question.
    first_ask = next(t for t in bot if "W jakiej branży" in t["text"])
    off_topic = next(t for t in merchant if t["index"] > first_ask["index"])
    after = [t for t in bot if t["index"] > off_topic["index"]]
    assert "branż" in " ".join(t["text"] for t in after[:2]), after[:2]
    said = [(t["speaker"], t["text"], t["intent"]) for t in result.turns]
    assert any("produktów" in t["text"] for t in after), said
    left, right = stereo_levels(result.recording_path)
    assert left > 20 and right > 20
    with simulator.db.session() as s:
        call = crm_calls.get_call(s, result.call_id)
        assert call.tracker and call.language == "pl"


def test_the_next_call_resumes_where_the_last_one_stopped(simulator) -> None:
    """Issue 8: a call that ends early leaves a partial configuration; the next call to the
    same merchant says where it stopped and asks only what is missing."""
    first = simulator.run(load_scenario("resume_en_first"), timeout_s=600)
    assert first.outcome != "completed"
    first_fields = {name: info["value"] for name, info in first.config["fields"].items()}
    assert name_words(first_fields["store_name"]).endswith("gadget corner")

    second = simulator.run(load_scenario("resume_en_second"), timeout_s=600)
    assert second.call_id != first.call_id
    bot = [t["text"] for t in second.turns if t["speaker"] == "bot"]
    assert any("Last time we got as far as" in text for text in bot), bot
    assert not any("What will your store be called?" in text for text in bot)
    fields = {name: info["value"] for name, info in second.config["fields"].items()}
    assert fields["store_name"] == first_fields["store_name"]  # kept from the first call
    assert fields.get("product_count") == 1200, second.turns  # collected by the second


def test_barge_in_stops_the_bot_and_the_answer_counts(simulator) -> None:
    """The merchant answers over the long industry question: Twilio is told to clear, the
    bot's turn is stored as interrupted with what was heard, and the answer is used."""
    result = simulator.run(load_scenario("barge_in"), timeout_s=600)
    assert result.line.clears >= 1
    interrupted = [t for t in result.turns if t["speaker"] == "bot" and t["interrupted"]]
    assert interrupted, result.turns
    cut = interrupted[0]
    assert cut["end_ms"] is not None and cut["end_ms"] > cut["start_ms"]
    answer = next(t for t in result.turns if t["index"] == cut["index"] + 1)
    assert answer["speaker"] == "merchant" and "electronic" in answer["text"].lower()
    industry = result.config["fields"]["industry"]["value"]
    assert "electronic" in str(industry).lower()


def test_a_merchant_who_asks_to_repeat_every_question_twice_still_completes(
    fast_simulator,
) -> None:
    """Issue 19: every question is asked three times (as asked, again more slowly, then in
    a shorter wording) and answered the third time; the call completes. The slow ask is
    the same sentence as the first, and its audio on the line is longer."""
    result = fast_simulator.run(load_scenario("repeat_twice_en"), timeout_s=900)
    bot = [t for t in result.turns if t["speaker"] == "bot"]
    said = [t["text"] for t in bot]
    assert result.outcome == "completed", said
    fields = {name: info["value"] for name, info in result.config["fields"].items()}
    assert name_words(fields["store_name"]).endswith("gadget corner")
    assert fields["launch_date"] and fields["has_domain"] is False
    repeats = [t for t in result.turns if t["intent"] == "repeat"]
    assert len(repeats) == 10  # twice for each of the five questions
    for full, short in [
        ("Is now a good time for a few questions?", "Do you have five minutes now?"),
        ("Is all of that correct?", "Are those sign-up details right?"),
        ("What will your store be called?", "What is the store's name?"),
        ("Do you already have your own web domain?", "Do you have a domain?"),
        ("When would you like the store to go live?", "When should the store open?"),
    ]:
        asks = [t for t in bot if full in t["text"]]
        assert len(asks) == 2 and said.count(short) == 1, said
        first, slow = (t["end_ms"] - t["start_ms"] for t in asks)
        assert slow > 1.15 * first, (full, first, slow)
    assert not any("consultant" in text for text in said)  # two repeats need no offer


@pytest.mark.parametrize("language", ["cs", "ru", "sl"])
def test_a_call_in_each_newer_language_runs_on_the_machinery(fast_simulator, language: str) -> None:
    """Czech, Russian and Slovenian calls, the first questions of their happy scenarios spoken
    by espeak-ng's voice of the language and heard by Whisper base, then the merchant hangs up.
    Whisper base hears espeak's speech of these languages too poorly to assert values (as for
    Polish): this holds the machinery of a call in the language, not its understanding (that
    is the evaluation conversations' job)."""
    # the persona follows the slot the bot asks for instead of transcribing the bot's prompts
    # (Whisper twice per turn would double the time of this test, not its meaning)
    scenario = replace(load_scenario(f"happy_{language}"), max_bot_turns=4, hear="slot")
    result = fast_simulator.run(scenario, timeout_s=600)

    said = [(t["speaker"], t["text"], t["intent"]) for t in result.turns]
    assert result.outcome not in (None, "error"), said
    bot = [t for t in result.turns if t["speaker"] == "bot"]
    merchant = [t for t in result.turns if t["speaker"] == "merchant" and t["intent"] != "silence"]
    assert len(bot) >= 3 and merchant, said
    opening = load_domain(DOMAIN).responses["utter_opening_named"]
    greeting = next(v["text"] for v in opening if _language_of(v) == language)
    assert bot[0]["text"].split(",")[0] == greeting.split(",")[0]  # the language's own greeting
    assert all(t["start_ms"] is not None and t["end_ms"] >= t["start_ms"] for t in result.turns)
    left, right = stereo_levels(result.recording_path)
    assert left > 20 and right > 20
    with fast_simulator.db.session() as s:
        assert crm_calls.get_call(s, result.call_id).language == language


def _language_of(variation: dict) -> str | None:
    conditions = variation.get("condition") or []
    return next((c["value"] for c in conditions if c.get("name") == "language"), None)
