"""The dialog's "say it more slowly" reaches the synthesiser: a bot message whose metadata
asks for a slow speech rate is synthesised at tts.slow_rate, with real espeak-ng."""

from __future__ import annotations

from voicebot.call.services import CallServices
from voicebot.call.session import CallSession
from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.dialog.agent import BotMessage


def test_a_slow_message_is_synthesised_at_the_slow_rate(settings: Settings, db: Database) -> None:
    services = CallServices(settings, db)
    session = CallSession(1, services, transport=None)  # type: ignore[arg-type]
    slow = BotMessage("What will your store be called?", metadata={"speech_rate": "slow"})
    usual = BotMessage("What will your store be called?", metadata={"ask": "store_name"})
    assert session._speech_rate(slow) == settings.tts.slow_rate < settings.tts.rate
    assert session._speech_rate(usual) is None
    try:
        synth = services.synthesizer
        slow_audio = synth.synthesize(slow.text, "en", rate=session._speech_rate(slow))
        usual_audio = synth.synthesize(usual.text, "en", rate=session._speech_rate(usual))
        assert len(slow_audio) > 1.15 * len(usual_audio)
    finally:
        services.synthesizer.close()
