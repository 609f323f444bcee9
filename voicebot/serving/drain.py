"""Draining a server for a restart: refuse new streams, let calls in progress finish within
the drain timeout, then end the rest politely with an outcome the dialer retries."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from voicebot.config import Settings
from voicebot.crm.models import CallOutcome

log = logging.getLogger(__name__)
# The conversation stopped half way: the dialer calls back and the dialog resumes where the
# fields collected so far leave off.
DRAINED_OUTCOME = CallOutcome.PARTIAL


def drain(registry: Any, settings: Settings, *, poll_s: float = 0.2) -> int:
    """Block until no call is live; returns how many calls had to be ended politely."""
    registry.draining = True
    deadline = time.monotonic() + settings.server.drain_timeout_s
    live = registry.live()
    if live:
        log.info(
            "draining: %d call(s) in progress, waiting up to %.0f s",
            len(live),
            settings.server.drain_timeout_s,
        )
    while live and time.monotonic() < deadline:
        time.sleep(poll_s)
        live = registry.live()
    for session in live:
        language = session.language
        texts = settings.call.drain_text
        session.end_politely(texts.get(language) or texts["en"], DRAINED_OUTCOME)
    for session in live:
        # the apology is a few seconds of audio; the session gives up on a lost line itself
        session.wait(settings.call.end_grace_s + 30)
    if live:
        log.warning("draining: ended %d call(s) at the drain timeout", len(live))
    return len(live)


def drain_in_background(registry: Any, settings: Settings) -> threading.Thread:
    thread = threading.Thread(target=drain, args=(registry, settings), name="drain", daemon=True)
    thread.start()
    return thread
