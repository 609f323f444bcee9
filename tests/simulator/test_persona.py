"""The simulated merchant's ears: what the bot played is heard, even when the line closes
right after the bot's last words (no pause follows to end the turn)."""

from __future__ import annotations

from voicebot.simulator.persona import FRAME_BYTES, Persona
from voicebot.simulator.scenario import load_scenario

SPEECH = b"\x01\x02" * (FRAME_BYTES // 2)


def persona_hearing_by_length() -> Persona:
    """A persona whose 'recogniser' reports how many frames it was given."""
    return Persona(
        load_scenario("long_silence"),
        transcribe=lambda pcm: f"{len(pcm) // FRAME_BYTES} frames",
        synthesize=lambda _text: b"",
    )


def play(persona: Persona, frames: int) -> None:
    for _ in range(frames):
        persona.next_frame()
        persona.hear(SPEECH)


def test_last_words_marked_then_line_closed_are_heard() -> None:
    persona = persona_hearing_by_length()
    play(persona, 10)
    persona.mark_played("bot-1")  # the goodbye's mark came back; the server closes at once
    persona.close()
    assert [(line.speaker, line.text) for line in persona.transcript] == [("bot", "10 frames")]


def test_words_played_without_a_mark_before_the_line_closed_are_heard() -> None:
    persona = persona_hearing_by_length()
    play(persona, 4)
    persona.close()
    assert [line.text for line in persona.transcript] == ["4 frames"]


def test_a_cleared_turn_is_not_heard_at_the_end() -> None:
    persona = persona_hearing_by_length()
    play(persona, 6)
    persona.bot_cleared()
    persona.close()
    assert persona.transcript == []
