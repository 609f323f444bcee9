"""A CallPlacer for dialer processes started by the tests (`dialer.placer` =
``dialer.recording_placer:factory`` with tests/ on PYTHONPATH): appends one line per dial,
``pid merchant_id call_id wall_time``, to the file named by VOICEBOT_TEST_DIAL_LOG."""

from __future__ import annotations

import os
import time
from typing import Any


def factory(_settings: Any, _db: Any):
    path = os.environ["VOICEBOT_TEST_DIAL_LOG"]

    def place(claim: Any) -> str:
        line = f"{os.getpid()} {claim.merchant_id} {claim.call_id} {time.time():.6f}\n"
        # One write to an O_APPEND file is atomic, so lines from processes never interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return f"CA{claim.call_id:032d}"

    return place
