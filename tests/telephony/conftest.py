"""Fixtures for the Twilio edge tests: see live.py."""

from live import live  # noqa: F401  (the fixture)
