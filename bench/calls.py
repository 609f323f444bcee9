"""N concurrent simulated calls against one server: latency, CPU, memory, missed frames.

    python bench/calls.py --calls 4 --scenario bench_en --engine whisper
    python bench/calls.py --calls 20 --vosk-stand-in ko --server-process

Prints voice-to-voice latency (the merchant's last speech frame -> the first bot audio frame
on the line) p50/p95, the bot's processing part after the endpoint was decided, CPU seconds
and resident memory per call, missed frames, late pacing ticks and failures. The persona
answers by the slot the bot asks for (scenario `hear: slot`) so its own speech recognition
does not load the machine being measured; the bot side runs fully: recognition, dialog,
synthesis, CRM writes, recording. With --server-process the bot runs in its own
`voicebot serve` process, as in production, and CPU and memory are the server's (with its
TTS workers) alone; otherwise everything shares one process and one interpreter lock.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests

from voicebot.config import load_settings
from voicebot.crm.db import Database
from voicebot.simulator.runner import SimulationResult, Simulator, free_port
from voicebot.simulator.scenario import load_scenario


def stand_in_models(tmp: Path, args: argparse.Namespace, language: str) -> Path:
    """A models directory where LANG's Vosk model is linked under the scenario's language."""
    from voicebot.speech.model_files import find_vosk_model

    found = find_vosk_model(args.vosk_stand_in, Path("var/models"))
    if found is None:
        sys.exit(f"no Vosk model for {args.vosk_stand_in!r} is installed")
    models = tmp / "models"
    models.mkdir()
    (models / f"vosk-model-{language}-stand-in").symlink_to(found.path)
    return models


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _tree(pid: int) -> list[int]:
    """The process and its live children (the TTS workers)."""
    return [pid, *_children(pid)]


def rss_mb(pid: int) -> float:
    total = 0.0
    for member in _tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of the process and its children, live or ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, and for the top process the waited-for children's cutime, cstime
        used = fields[11:13] + (fields[13:15] if member == pid else [])
        total += sum(int(v) for v in used) / ticks
    return total


class ServerProcess:
    """`voicebot serve` in its own process, configured like the simulator expects."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"http://127.0.0.1:{free_port()}"
        env = {
            **env,
            "VOICEBOT_SERVER_PUBLIC_BASE_URL": self.url,
            "VOICEBOT_TWILIO_API_BASE_URL": self.api_url,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voicebot", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180  # models load before it listens
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"voicebot serve exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        self.close()
        sys.exit("voicebot serve did not start within 180 s")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def pct(values: list[float], p: float) -> str:
    return f"{np.percentile(values, p):.0f} ms" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--scenario", default="bench_en")
    parser.add_argument("--engine", default="whisper", help="speech engine for the language")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--stagger-ms", type=int, default=300, help="gap between call starts")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--vosk-stand-in",
        metavar="LANG",
        help="time the Vosk path with the installed Vosk model of LANG (e.g. ko) standing in"
        " for the scenario's language, which has no Vosk model on this machine: recognition is"
        " meaningless (the bot mostly does not understand), every timing is real",
    )
    parser.add_argument(
        "--server-process",
        action="store_true",
        help="run the bot as its own `voicebot serve` process and measure that process",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    base = load_scenario(args.scenario)
    tmp = Path(tempfile.mkdtemp(prefix="voicebot-bench-"))
    models_env, engine_label = {}, args.engine
    if args.vosk_stand_in:
        models_env = {"VOICEBOT_SPEECH_MODELS_DIR": str(stand_in_models(tmp, args, base.language))}
        args.engine, engine_label = "vosk", f"vosk (the {args.vosk_stand_in} model standing in)"
    env = {
        **os.environ,
        "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "VOICEBOT_CALL_RECORDINGS_DIR": str(tmp / "recordings"),
        "VOICEBOT_SPEECH_ENGINES": f'{{"{base.language}": "{args.engine}"}}',
        **models_env,
        "VOICEBOT_TWILIO_AUTH_TOKEN": os.environ.get("VOICEBOT_TWILIO_AUTH_TOKEN", "bench-token"),
    }
    db = Database(env["VOICEBOT_DATABASE_URL"])
    db.upgrade()
    server = ServerProcess(env) if args.server_process else None
    if server is not None:
        env["VOICEBOT_TWILIO_API_BASE_URL"] = server.api_url
    settings = load_settings(environ=env)
    measured = server.process.pid if server is not None else os.getpid()
    results: list[SimulationResult] = []
    failures: list[str] = []
    lock = threading.Lock()

    server_url = server.url if server is not None else None
    with Simulator(settings, db, speed=args.speed, server_url=server_url) as simulator:
        simulator.warm_up([base.language])
        cpu0, rss0, t0 = cpu_s(measured), rss_mb(measured), time.monotonic()
        peak = [rss0]

        def one(i: int) -> None:
            scenario = copy.deepcopy(base)
            scenario.merchant["external_id"] = f"bench-{i}"
            scenario.merchant["phone"] = base.merchant["phone"][:-3] + f"{100 + i:03d}"
            try:
                result = simulator.run(scenario, timeout_s=args.timeout)
            except Exception as exc:  # counted, never hidden
                with lock:
                    failures.append(f"call {i}: {type(exc).__name__}: {exc}")
                return
            with lock:
                results.append(result)
                if result.outcome in (None, "error") or result.session_error:
                    failures.append(
                        f"call {i}: outcome {result.outcome} {result.session_error or ''}"
                    )

        def sample() -> None:
            while len(results) + len(failures) < args.calls:
                peak[0] = max(peak[0], rss_mb(measured))
                time.sleep(0.5)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(args.calls)]
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for thread in threads:
            thread.start()
            time.sleep(args.stagger_ms / 1000)
        for thread in threads:
            thread.join()
        wall = time.monotonic() - t0
        cpu = cpu_s(measured) - cpu0
    if server is not None:
        server.close()

    line = [v for r in results for v in r.voice_to_voice_ms]
    processing = [float(v) for r in results for v in r.processing_ms]
    bot = [float(v) for r in results for v in r.latencies_ms]
    missed = sum(r.missed_frames for r in results)
    late = sum(r.line.late_ticks for r in results)
    turns = sum(len(r.turns) for r in results)
    print(
        f"engine {engine_label}, scenario {base.name}, {args.calls} concurrent calls, "
        f"speed {args.speed}, {os.cpu_count()} CPUs, "
        + ("bot in its own server process" if server else "bot and simulator in one process")
    )
    print(f"  voice-to-voice (line)       p50 {pct(line, 50)}  p95 {pct(line, 95)}  n={len(line)}")
    print(f"  bot: end of speech -> audio p50 {pct(bot, 50)}  p95 {pct(bot, 95)}  n={len(bot)}")
    print(f"  processing after endpoint   p50 {pct(processing, 50)}  p95 {pct(processing, 95)}")
    print(
        f"  CPU {cpu:.1f} s total, {cpu / max(1, args.calls):.1f} s per call, "
        f"{cpu / wall * 100:.0f}% of one core over {wall:.0f} s wall"
    )
    print(
        f"  memory: {rss0:.0f} MB after warm-up, peak {peak[0]:.0f} MB, "
        f"{(peak[0] - rss0) / max(1, args.calls):.1f} MB per call"
    )
    print(
        f"  turns {turns}, missed frames {missed}, late pacing ticks {late}, "
        f"failures {len(failures)}"
    )
    for failure in failures:
        print(f"    {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
