"""Outbound onboarding voicebot."""

__version__ = "0.1.0"
