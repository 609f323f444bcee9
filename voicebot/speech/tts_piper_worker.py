"""A Piper worker process: onnxruntime sessions with a bounded thread count, JSON lines.

Started by ``tts_pool.WorkerPool`` as ``python -m voicebot.speech.tts_piper_worker``.
Environment: ``VOICEBOT_PIPER_THREADS`` (onnxruntime threads per session) and
``VOICEBOT_PIPER_PRELOAD`` (a JSON list of [model, config] pairs loaded and warmed before the
worker says it is ready: the first synthesis of a fresh session is about twice as slow).
Request: ``{"text", "model", "config", "length_scale"}``;
reply: ``{"ok": true, "rate", "audio": base64 PCM16, "cpu_s"}`` or ``{"ok": false, "error"}``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from typing import Any


def main() -> None:
    protocol = sys.stdout
    threads = int(os.environ.get("VOICEBOT_PIPER_THREADS", "1"))
    try:
        import numpy as np
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig
    except ImportError as exc:
        protocol.write(json.dumps({"ready": False, "error": f"piper-tts is missing: {exc}"}) + "\n")
        protocol.flush()
        return

    voices: dict[str, Any] = {}

    def voice(model: str, config: str) -> Any:
        if model not in voices:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # idle threads sleep instead of spinning: a shared machine keeps its cores for calls
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            with open(config, encoding="utf-8") as handle:
                piper_config = PiperConfig.from_dict(json.load(handle))
            session = onnxruntime.InferenceSession(
                model, sess_options=options, providers=["CPUExecutionProvider"]
            )
            voices[model] = PiperVoice(session=session, config=piper_config)
            list(voices[model].synthesize("Hello."))  # the first run is the slow one
        return voices[model]

    def synth(request: dict[str, Any]) -> dict[str, Any]:
        cpu = time.process_time()
        loaded = voice(request["model"], request["config"])
        settings = SynthesisConfig(length_scale=float(request.get("length_scale", 1.0)))
        chunks = [c.audio_int16_array for c in loaded.synthesize(request["text"], settings)]
        if not chunks:
            raise ValueError(f"Piper produced no audio for {request['text'][:60]!r}")
        audio = np.concatenate(chunks).astype("<i2").tobytes()
        return {
            "ok": True,
            "rate": loaded.config.sample_rate,
            "audio": base64.b64encode(audio).decode(),
            "cpu_s": time.process_time() - cpu,  # what it cost, whatever else the machine runs
        }

    try:
        for model, config in json.loads(os.environ.get("VOICEBOT_PIPER_PRELOAD", "[]")):
            voice(model, config)
    except Exception as exc:
        protocol.write(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
        protocol.write("\n")
        protocol.flush()
        return
    protocol.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    protocol.flush()

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = synth(json.loads(line))
        except Exception as exc:  # reported to the parent, which raises TtsError
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(reply) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
