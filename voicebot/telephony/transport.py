"""The CallSession's transport over a Twilio Media Stream: PCM16 frames out as base64 mu-law
media messages, marks, clears; one lock because the session's worker thread sends while the
WebSocket's reader thread receives."""

from __future__ import annotations

import logging
import threading
from typing import Any

from voicebot.speech.g711 import ulaw_encode
from voicebot.telephony.media_stream import clear_message, mark_message, media_message

log = logging.getLogger(__name__)


class TwilioStreamTransport:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.stream_sid = ""
        self.closed = False
        self._lock = threading.Lock()

    def _send(self, text: str) -> None:
        with self._lock:
            if self.closed:
                return
            try:
                self.ws.send(text)
            except Exception as exc:  # the socket dropped: the reader sees it and hangs up
                log.info("stream %s: send failed (%s)", self.stream_sid, exc)
                self.closed = True

    def send_audio(self, pcm16_8k: bytes) -> None:
        self._send(media_message(self.stream_sid, ulaw_encode(pcm16_8k)))

    def send_mark(self, name: str) -> None:
        self._send(mark_message(self.stream_sid, name))

    def clear(self) -> None:
        self._send(clear_message(self.stream_sid))

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        try:
            self.ws.close(reason=1000, message="call finished")
        except Exception as exc:
            log.debug("stream %s: close failed (%s)", self.stream_sid, exc)
