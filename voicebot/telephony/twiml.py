"""The TwiML documents we answer with, built with the twilio library."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

# Twilio's <Say> language codes for our languages.
SAY_LANGUAGE = {"pl": "pl-PL", "en": "en-US", "cs": "cs-CZ", "ru": "ru-RU"}


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


def say_and_hang_up(text: str, language: str) -> str:
    response = VoiceResponse()
    response.say(text, language=SAY_LANGUAGE.get(language, "en-US"))
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
