"""The TwiML documents we answer with, built with the twilio library."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.twiml.voice_response import VoiceResponse

from voicebot.spoken_languages import spoken_languages


def connect_stream(stream_url: str, call_id: int, stream_token: str) -> str:
    """Bidirectional Media Stream for the conversation; when we close it, hang up. The token
    comes back in the stream's `start` and proves the stream is this call's own."""
    response = VoiceResponse()
    connect = response.connect()
    stream = connect.stream(url=stream_url)
    stream.parameter(name="call_id", value=str(call_id))
    stream.parameter(name="stream_token", value=stream_token)
    response.hangup()
    return str(response)


def say_and_hang_up(texts: Mapping[str, str], language: str) -> str:
    """Twilio reads the text of ``language`` in its own voice, then hangs up; where Twilio has
    no voice for the language (Slovenian) or no text is configured, the fallback language's."""
    known = spoken_languages()
    spoken = known.by_code.get(language)
    if spoken is None or spoken.twilio_say is None or not texts.get(language):
        spoken = known.by_code[known.fallback]
    response = VoiceResponse()
    response.say(texts.get(spoken.code, ""), language=spoken.twilio_say or "en-US")
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
