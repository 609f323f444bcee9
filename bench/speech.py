"""Speech figures: recognition speed, endpoint latency, memory, synthesis cache.

    .venv/bin/python bench/speech.py [--whisper] [--utterances N]

Per engine: real-time factor of one stream, real-time streams one core sustains, end-of-speech
(endpoint detected) -> final result latency p50/p95, RSS of the loaded model and per extra
recogniser. TTS: a typical prompt cold (worker running, not cached) and cached.
Speech is espeak-ng through mu-law 8 kHz, as in the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.speech.speech_audio import say, silence
from voicebot.config import SpeechSettings, TtsSettings
from voicebot.speech.audio import frames
from voicebot.speech.engines import load_recognizer_engine
from voicebot.speech.tts import Synthesizer


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_stream(engine, audio: bytes, vocabulary=None):
    """Feed 20 ms frames; (CPU seconds, [latency of each accept() that produced a final])."""
    stream = engine.open_stream()
    if vocabulary:
        stream.expect(vocabulary)
    latencies = []
    cpu0 = time.process_time()
    for frame in frames(audio):
        t0 = time.perf_counter()
        events = stream.accept(frame)
        if any(e.kind == "final" for e in events):
            latencies.append(time.perf_counter() - t0)
    stream.flush()
    return time.process_time() - cpu0, latencies


def bench_engine(
    name: str, language: str, phrases: list[tuple[str, str]], vocabulary, utterances: int
) -> None:
    base = rss_mb()
    t0 = time.perf_counter()
    engine = load_recognizer_engine(
        language, SpeechSettings(models_dir=Path(tempfile.gettempdir()) / "vb-bench-models")
    )
    print(
        f"\n== {name}: {engine.describe()}  load {time.perf_counter() - t0:.1f} s,"
        f" model RSS +{rss_mb() - base:.0f} MB"
    )
    audio = silence(300)
    for i in range(utterances):
        text, voice = phrases[i % len(phrases)]
        audio += say(text, voice) + silence(900)
    seconds = len(audio) / 16000
    for label, vocab in (("free speech", None), ("grammar", vocabulary)):
        if label == "grammar" and not vocab:
            continue
        cpu, latencies = run_stream(engine, audio, vocab)
        rtf = cpu / seconds
        lat = np.array(latencies) * 1000
        print(
            f"  {label:11}: {seconds:.1f} s audio, CPU {cpu:.2f} s, RTF {rtf:.3f}, "
            f"~{1 / rtf:.1f} real-time streams/core;"
            f" endpoint->final p50 {np.percentile(lat, 50):.0f} ms"
            f" p95 {np.percentile(lat, 95):.0f} ms (n={len(lat)})"
        )
    streams = []
    before = rss_mb()
    for _ in range(10):
        stream = engine.open_stream()
        stream.accept(say(phrases[0][0], phrases[0][1])[:16000])  # decoding state allocated
        streams.append(stream)
    print(f"  RSS per extra recogniser: {(rss_mb() - before) / 10:.1f} MB (10 streams)")


def bench_tts() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        synth = Synthesizer(TtsSettings(cache_dir=Path(tmp)))
        t0 = time.perf_counter()
        synth.synthesize("Dzień dobry.", "pl")
        start = time.perf_counter() - t0
        prompt = "Dziękuję. Jak nazywa się Pani sklep internetowy?"
        t0 = time.perf_counter()
        synth.synthesize(prompt, "pl")
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(1000):
            synth.synthesize(prompt, "pl")
        cached = (time.perf_counter() - t0) / 1000
        fresh = Synthesizer(synth.settings)
        t0 = time.perf_counter()
        fresh.synthesize(prompt, "pl")
        disk = time.perf_counter() - t0
        synth.close()
    print("\n== TTS (pyttsx3 + espeak-ng worker process)")
    print(
        f"  worker start + first prompt {start * 1000:.0f} ms;"
        f" typical prompt cold {cold * 1000:.1f} ms,"
        f" cached in memory {cached * 1e6:.1f} us, from disk cache {disk * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--whisper", action="store_true", help="also Whisper base on English")
    parser.add_argument("--utterances", type=int, default=8)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    korean = [("안녕하세요 저는 학생입니다", "ko"), ("감사합니다", "ko"), ("네 맞습니다", "ko")]
    bench_engine(
        "Vosk", "ko", korean, ["안녕하세요", "감사합니다", "네", "아니요", "학생"], args.utterances
    )
    if args.whisper:
        english = [("my store is called gadget corner", "en-us"), ("card and paypal", "en-us")]
        bench_engine("Whisper base int8", "en", english, None, max(4, args.utterances // 2))
    bench_tts()


if __name__ == "__main__":
    main()
