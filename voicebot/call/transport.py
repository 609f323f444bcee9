"""What a call session needs from the line: send audio, marks and clears, and hang up.

The Twilio Media Streams adapter is one implementation; tests and the simulator's direct
mode can use any other. The session never knows which one it talks to."""

from __future__ import annotations

from typing import Protocol


class Transport(Protocol):
    def send_audio(self, pcm16_8k: bytes) -> None:
        """Queue one frame (normally 20 ms) of 8 kHz PCM16 for the merchant to hear."""

    def send_mark(self, name: str) -> None:
        """Ask the line to report back when everything queued so far has been played."""

    def clear(self) -> None:
        """Drop everything queued and not yet played (barge-in)."""

    def close(self) -> None:
        """End the media connection; the call then goes on to hang up."""
