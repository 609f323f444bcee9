"""Rasa-style dialog engine: text (with ASR confidence and alternatives) in, bot messages
and Rasa events out. See `voicebot.dialog.agent` for the API."""

from voicebot.dialog.agent import Agent, BotMessage, Conversation, DialogError, Turn
from voicebot.dialog.tracker import Tracker

__all__ = ["Agent", "BotMessage", "Conversation", "DialogError", "Tracker", "Turn"]
