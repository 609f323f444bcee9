"""The TTS worker process: one pyttsx3 (espeak-ng) engine, JSON lines on stdin/stdout.

Started by ``voicebot.speech.tts_espeak.EspeakEngine`` (through ``tts_pool.WorkerPool``).
Request: ``{"text", "path", "props"}``; reply: ``{"ok": true}`` or ``{"ok": false, "error"}``.
The first line it writes is ``{"ready": true}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from typing import Any


def main() -> None:
    # The protocol gets its own copy of stdout; fd 1 goes to /dev/null because the espeak
    # driver prints "Audio saved to ..." for every file.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    import pyttsx3

    engine = pyttsx3.init("espeak")
    finished = threading.Event()
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    known_voices: set[str] = set()
    applied: dict[str, Any] = {}

    def synth(text: str, path: str, props: dict[str, Any]) -> None:
        voice = props.get("voice")
        if voice is not None and known_voices and voice not in known_voices:
            # pyttsx3 queues setProperty and swallows a bad voice: check it ourselves.
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        if props != applied:
            for name, value in props.items():
                engine.setProperty(name, value)
            applied.clear()
            applied.update(props)
            # Properties are queued and took effect a request late in some workers (seen as
            # the same text coming out at two lengths): settle them on a throw-away line.
            with tempfile.TemporaryDirectory() as tmp:
                render("ok", os.path.join(tmp, "settle.wav"))
        render(text, path)

    def render(text: str, path: str) -> None:
        for _attempt in range(2):
            finished.clear()
            engine.save_to_file(text, path)
            engine.runAndWait()
            # runAndWait can return before the driver wrote the file: wait for its callback.
            finished.wait(5.0)
            if os.path.exists(path) and os.path.getsize(path) > 44:
                return
        raise RuntimeError("espeak-ng wrote no audio")

    # The first save_to_file after init() may write nothing: spend it on a throw-away line.
    with tempfile.TemporaryDirectory() as tmp, contextlib.suppress(Exception):
        render("ok", os.path.join(tmp, "warm.wav"))
    known_voices.update(str(v.id) for v in engine.getProperty("voices"))
    voices = sorted(known_voices)
    protocol.write(json.dumps({"ready": True, "voices": voices}) + "\n")

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            cpu = time.process_time()
            synth(request["text"], request["path"], request.get("props", {}))
            reply: dict[str, Any] = {"ok": True, "cpu_s": time.process_time() - cpu}
        except Exception as exc:  # reported to the parent, which raises TtsError
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
