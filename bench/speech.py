"""Speech figures: recognition speed, endpoint latency, memory; synthesis quality and speed.

    .venv/bin/python bench/speech.py [--whisper] [--utterances N] [--tts-only] [--prompts N]

Per engine: real-time factor of one stream, real-time streams one core sustains, end-of-speech
(endpoint detected) -> final result latency p50/p95, RSS of the loaded model and per extra
recogniser. Speech is espeak-ng through mu-law 8 kHz, as in the tests.
TTS, Piper and espeak-ng side by side on every fixed English prompt of the domain: word error
rate of Whisper base on the prompt as the merchant hears it (8 kHz mu-law), real-time factor,
first audio of an uncached one-sentence prompt, memory per worker process, cached lookups.
Prompts with a sentence an earlier prompt already said (now cached) are transcribed but not
timed: first audio and wall-clock RTF are for synthesis, not cache hits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.speech.speech_audio import as_heard, normalise_words, say, silence
from voicebot.config import SpeechSettings, TtsSettings
from voicebot.speech.audio import frames
from voicebot.speech.engines import load_recognizer_engine
from voicebot.speech.tts import Synthesizer
from voicebot.speech.tts_text import sentences


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


def rss_of(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def bench_tts(limit: int | None) -> None:
    """Both engines on every fixed English prompt of the domain: intelligibility through the
    phone (Whisper base's WER), speed, first audio of an uncached prompt, worker memory."""
    from voicebot.speech.commands import domain_prompts

    prompts = domain_prompts(Path("dialogs"), "pl")["en"][:limit]
    ear = load_recognizer_engine(
        "en",
        SpeechSettings(
            models_dir=Path(tempfile.gettempdir()) / "vb-bench-models", engines={"en": "whisper"}
        ),
    )
    print(f"\n== TTS: {len(prompts)} English prompts of the domain, heard through 8 kHz mu-law")
    print(f"   recogniser: {ear.describe()}")
    results: dict[str, dict[str, float]] = {}
    examples: dict[str, list[tuple[str, str]]] = {}
    for engine in ("piper", "espeak"):
        with tempfile.TemporaryDirectory() as tmp:
            settings = TtsSettings(cache_dir=Path(tmp), engines={"en": engine})
            synth = Synthesizer(settings)
            started = time.perf_counter()
            synth.start()
            synth.synthesise("Hello.", "en")  # the espeak worker starts on first use
            startup = time.perf_counter() - started
            print(f"   {synth.choice('en').describe()}")
            refs, hyps, first_audio, synth_s, audio_s = [], [], [], 0.0, 0.0
            skipped = 0  # prompts with a sentence already cached (said by an earlier prompt)
            for text in prompts:
                parts = sentences(text)
                # timed only when nothing of it is cached: a cache hit is not synthesis
                fresh = not any(synth.is_cached(sentence, "en") for sentence in parts)
                skipped += not fresh
                t0 = time.perf_counter()
                stream = synth.synthesise_stream(text, "en")
                chunks = [next(stream)]
                if fresh and len(parts) == 1:  # an uncached one-sentence prompt
                    first_audio.append(time.perf_counter() - t0)
                chunks.extend(stream)
                pcm = b"".join(chunks)
                if fresh:
                    synth_s += time.perf_counter() - t0
                    audio_s += len(pcm) / 16000
                heard, _confidence, _words = ear.transcribe(as_heard(pcm), 8000)
                refs.append(normalise_words(text))
                hyps.append(normalise_words(str(heard)) or "-")
            cpu_s = synth.render_cpu_s  # every rendering (cached sentences cost none)
            rendered_s = sum(
                len(synth.synthesise(t, "en")) / 16000
                for t in dict.fromkeys(sentence for text in prompts for sentence in sentences(text))
            )  # all from the cache now: the audio that rendering produced
            workers = synth.piper_worker_pids if engine == "piper" else [synth.worker_pid]
            memory = [rss_of(pid) for pid in workers if pid]
            t0 = time.perf_counter()
            for _ in range(1000):
                synth.synthesise(prompts[0], "en")
            cached_us = (time.perf_counter() - t0) / 1000 * 1e6
            synth.close()
        first = np.array(first_audio) * 1000
        results[engine] = {
            "wer": jiwer.wer(refs, hyps),
            "rtf": synth_s / audio_s,
            "cpu_rtf": cpu_s / rendered_s,
            "first_p50": float(np.percentile(first, 50)),
            "first_p90": float(np.percentile(first, 90)),
            "first_max": float(first.max()),
            "n_first": len(first),
            "worker_mb": float(np.mean(memory)) if memory else 0.0,
            "startup_s": startup,
            "skipped": skipped,
            "cached_us": cached_us,
        }
        examples[engine] = [(r, h) for r, h in zip(refs, hyps, strict=True) if r != h][:3]
    print(f"\n   {'':38} {'piper':>12} {'espeak':>12}")
    rows = [
        ("word error rate (Whisper base, 8k mu-law)", "wer", "{:.1%}"),
        ("real-time factor, wall clock, uncached", "rtf", "{:.3f}"),
        ("real-time factor, worker CPU time", "cpu_rtf", "{:.3f}"),
        ("first audio, uncached 1-sentence, p50 ms", "first_p50", "{:.0f}"),
        ("first audio, uncached 1-sentence, p90 ms", "first_p90", "{:.0f}"),
        ("first audio, uncached 1-sentence, max ms", "first_max", "{:.0f}"),
        ("one-sentence prompts measured", "n_first", "{:.0f}"),
        ("prompts not timed (a sentence cached)", "skipped", "{:.0f}"),
        ("memory per worker process, MB RSS", "worker_mb", "{:.0f}"),
        ("worker start (load + warm), s", "startup_s", "{:.1f}"),
        ("cached prompt from memory, us", "cached_us", "{:.1f}"),
    ]
    for label, key, fmt in rows:
        values = [fmt.format(results[e][key]) for e in ("piper", "espeak")]
        print(f"   {label[:38]:38} {values[0]:>12} {values[1]:>12}")
    for engine, pairs in examples.items():
        for ref, hyp in pairs:
            print(f"   {engine:6} said: {ref!r}\n          heard: {hyp!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--whisper", action="store_true", help="also Whisper base on English")
    parser.add_argument("--utterances", type=int, default=8)
    parser.add_argument("--tts-only", action="store_true", help="only the synthesis figures")
    parser.add_argument("--prompts", type=int, help="at most this many English prompts")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"cores: {os.cpu_count()}, load average {load:.1f} (wall-clock figures rise with it)")
    if args.tts_only:
        bench_tts(args.prompts)
        return
    korean = [("안녕하세요 저는 학생입니다", "ko"), ("감사합니다", "ko"), ("네 맞습니다", "ko")]
    bench_engine(
        "Vosk", "ko", korean, ["안녕하세요", "감사합니다", "네", "아니요", "학생"], args.utterances
    )
    if args.whisper:
        english = [("my store is called gadget corner", "en-us"), ("card and paypal", "en-us")]
        bench_engine("Whisper base int8", "en", english, None, max(4, args.utterances // 2))
    bench_tts(args.prompts)


if __name__ == "__main__":
    main()
