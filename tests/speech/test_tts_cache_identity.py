"""A Piper voice replaced under the same name is another voice to the prompt cache: the model
file's size and modification time and the SHA-256 of its .onnx.json are part of every key."""

from __future__ import annotations

import json
import os
from pathlib import Path

from voicebot.config import TtsSettings
from voicebot.speech.tts import Synthesizer

SENTENCE = "What is your store called?"


def install_fake_voice(voices: Path, noise_scale: float = 0.667) -> Path:
    """A voice as the voices directory holds it; nothing here ever synthesises with it."""
    voices.mkdir(parents=True, exist_ok=True)
    model = voices / "xx_XX-fake-medium.onnx"
    model.write_bytes(b"not really a model")
    config = {
        "audio": {"sample_rate": 22050},
        "language": {"family": "xx"},
        "inference": {"noise_scale": noise_scale},
    }
    (voices / "xx_XX-fake-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return model


def test_a_replaced_model_or_config_gives_new_cache_keys(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    model = install_fake_voice(voices)
    settings = TtsSettings(cache_dir=tmp_path / "cache", piper_voices_dir=voices)
    synth = Synthesizer(settings)
    try:
        assert synth.choice("xx").engine == "piper"
        first = synth.cache_key(SENTENCE, "xx")
        assert synth.cache_key(SENTENCE, "xx") == first  # stable while nothing changes
        identity = synth.engine("xx").cache_identity()
        assert {"model_size", "model_mtime_ns", "config_sha256"} <= identity.keys()

        # the same bytes written again later (a re-download): the modification time differs
        stat = model.stat()
        os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        after_model = synth.cache_key(SENTENCE, "xx")
        assert after_model != first

        # the same model with another config (other inference settings)
        install_fake_voice(voices, noise_scale=0.5)
        os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        after_config = synth.cache_key(SENTENCE, "xx")
        assert after_config not in (first, after_model)
    finally:
        synth.close()
