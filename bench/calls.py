"""N concurrent simulated calls against one server: latency, CPU, memory, missed frames.

    python bench/calls.py --calls 4 --scenario bench_en --engine whisper
    python bench/calls.py --calls 20 --vosk-stand-in ko --server-process
    python bench/calls.py --capacity --workers 1,2 --ladder 1,2,4 --vosk-stand-in ko

--capacity drives the gunicorn-served process tree (`voicebot serve --workers W`) with more
and more concurrent calls per worker count and prints the most it held with the bot's
processing p95 <= 150 ms and no missed frame, with CPU and memory per call and the share of
CPU that is neither recognition nor synthesis (the call tier's own overhead). Recognition's
CPU is measured by decoding the merchant side of every recording again in this process
with the same engine (the calls' own decoding runs in threads that cannot be told apart);
synthesis is the TTS worker processes' CPU.

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
import wave
from dataclasses import dataclass
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
    """The process and all its live descendants (gunicorn workers, their TTS workers)."""
    members = [pid]
    for child in _children(pid):
        members.extend(_tree(child))
    return members


def tts_pids(pid: int) -> list[int]:
    """The TTS worker processes in the tree (they run espeak-ng: synthesis, not our overhead)."""
    return [m for m in _tree(pid) if _is_tts(m)]


def _is_tts(pid: int) -> bool:
    try:
        return b"tts_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


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


def cpu_s(pid: int, members: list[int] | None = None) -> float:
    """User + system CPU seconds of the process tree (or of ``members``), live or ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in _tree(pid) if members is None else members:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, and the waited-for children's cutime, cstime
        total += sum(int(v) for v in fields[11:15]) / ticks
    return total


class ServerProcess:
    """`voicebot serve` in its own process, configured like the simulator expects."""

    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"http://127.0.0.1:{free_port()}"
        env = {
            **env,
            "VOICEBOT_SERVER_PUBLIC_BASE_URL": self.url,
            "VOICEBOT_TWILIO_API_BASE_URL": self.api_url,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "voicebot", "serve", "--port", str(self.port), "--workers", str(workers)),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180  # models load before it listens
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"voicebot serve exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        self.close()
        sys.exit("voicebot serve did not start within 180 s")

    def close(self) -> None:
        self.process.terminate()  # gunicorn drains (no call is left) and exits
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def pct(values: list[float], p: float) -> str:
    return f"{np.percentile(values, p):.0f} ms" if values else "-"


@dataclass
class Run:
    """One batch of concurrent calls and what it cost."""

    calls: int
    workers: int | None  # None: the bot in this process
    results: list[SimulationResult]
    failures: list[str]
    wall_s: float
    cpu_s: float  # the server's whole process tree
    tts_cpu_s: float  # of that, the TTS worker processes
    asr_cpu_s: float  # recognition of the same audio, decoded again here
    rss_start_mb: float
    rss_peak_mb: float

    @property
    def processing(self) -> list[float]:
        return [float(v) for r in self.results for v in r.processing_ms]

    @property
    def missed(self) -> int:
        return sum(r.missed_frames for r in self.results)

    @property
    def held(self) -> bool:
        """Every call done, processing p95 within budget, not a frame missed."""
        p95 = np.percentile(self.processing, 95) if self.processing else float("inf")
        return not self.failures and p95 <= PROCESSING_BUDGET_MS and self.missed == 0

    @property
    def overhead_cpu_s(self) -> float:
        return max(0.0, self.cpu_s - self.tts_cpu_s - self.asr_cpu_s)


PROCESSING_BUDGET_MS = 150


def recognition_cpu_s(results: list[SimulationResult], settings, language: str) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds to recognise the merchant side of every recording once more, here."""
    from voicebot.speech.engines import load_recognizer_engine

    engine = load_recognizer_engine(language, settings.speech)
    total = 0.0
    for result in results:
        if not result.recording_path:
            continue
        with wave.open(result.recording_path) as wav:
            frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        merchant = frames.reshape(-1, 2)[:, 0].copy().tobytes()  # left: the merchant
        stream = engine.open_stream(sample_rate=8000)
        started = time.process_time()
        for at in range(0, len(merchant), 320):
            stream.accept(merchant[at : at + 320])
        stream.flush()
        total += time.process_time() - started
    return total


def run_calls(
    args: argparse.Namespace, env: dict[str, str], base, calls: int, workers: int | None
) -> Run:  # type: ignore[no-untyped-def]
    db = Database(env["VOICEBOT_DATABASE_URL"])
    db.upgrade()
    env = dict(env)
    server = ServerProcess(env, workers) if workers else None
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
        tts = tts_pids(measured)
        cpu0, tts0 = cpu_s(measured), cpu_s(measured, tts)
        rss0, t0 = rss_mb(measured), time.monotonic()
        peak = [rss0]

        def one(i: int) -> None:
            scenario = copy.deepcopy(base)
            scenario.merchant["external_id"] = f"bench-{calls}-{i}"
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
            while len(results) + len(failures) < calls:
                peak[0] = max(peak[0], rss_mb(measured))
                time.sleep(0.5)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(calls)]
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for thread in threads:
            thread.start()
            time.sleep(args.stagger_ms / 1000)
        for thread in threads:
            thread.join()
        wall = time.monotonic() - t0
        cpu = cpu_s(measured) - cpu0
        tts_cpu = cpu_s(measured, tts) - tts0
    if server is not None:
        server.close()
    asr = recognition_cpu_s(results, settings, base.language) if workers else 0.0
    db.dispose()
    return Run(calls, workers, results, failures, wall, cpu, tts_cpu, asr, rss0, peak[0])


def media_of(result: SimulationResult) -> dict:  # type: ignore[type-arg]
    """The session's own figures for the call (the call.media event)."""
    return next((e["data"] for e in reversed(result.events) if e["kind"] == "call.media"), {})


def speculation_counts(results: list[SimulationResult]) -> dict[str, dict[str, int]]:
    """Speculative replies started, used and thrown away, per kind of answer the bot waited
    for and in all ("all"), summed over the calls (the session's call.media counts, which
    include those dropped while the merchant went on)."""
    counts: dict[str, dict[str, int]] = {}

    def add(kind: str, figures: dict) -> None:  # type: ignore[type-arg]
        mine = counts.setdefault(kind, {"started": 0, "used": 0, "discarded": 0})
        for key in mine:
            mine[key] += int(figures.get(key) or 0)

    for result in results:
        speculation = media_of(result).get("speculation") or {}
        if speculation:
            add("all", speculation)
        for kind, figures in (speculation.get("by_kind") or {}).items():
            add(kind, figures)
    return counts


def by_kind(results: list[SimulationResult]) -> None:
    """Figures per kind of answer the bot waited for (spoken answers only)."""
    from voicebot.call.listening import kind_of

    timings = [t for r in results for t in r.timings if t.get("endpoint_silence_ms") is not None]
    line: dict[str, list[float]] = {}
    for r in results:
        for slot, ms in r.voice_to_voice_by_slot:
            line.setdefault(kind_of(slot).value if slot else "spoken over the bot", []).append(ms)
    speculated = speculation_counts(results)
    kinds = sorted({t["kind"] for t in timings} | set(line))
    if not kinds:
        return
    print("  per kind of answer (spoken):")
    print(
        f"    {'kind':<19} {'n':>3}  {'endpoint silence p50':>20}  {'processing p50/p95':>19}"
        f"  {'voice-to-voice (line) p50/p95':>29}  {'speculative started/used/thrown':>31}"
    )
    for kind in kinds:
        mine = [t for t in timings if t["kind"] == kind]
        silence = [float(t["endpoint_silence_ms"]) for t in mine]
        processing = [float(t["processing_ms"]) for t in mine]
        v2v = line.get(kind, [])
        counted = speculated.get(kind, {"started": 0, "used": 0, "discarded": 0})
        spec = f"{counted['started']} / {counted['used']} / {counted['discarded']}"
        print(
            f"    {kind:<19} {max(len(mine), len(v2v)):>3}  {pct(silence, 50):>20}"
            f"  {pct(processing, 50) + ' / ' + pct(processing, 95):>19}"
            f"  {pct(v2v, 50) + ' / ' + pct(v2v, 95):>29}  {spec:>31}"
        )
    total = speculated.get("all")
    if total:
        print(
            f"  speculative replies: {total['started']} started, {total['used']} used, "
            f"{total['discarded']} thrown away"
        )


@dataclass(frozen=True)
class Target:
    """One of the issue's targets (2 cores), checked against this run's measured figures."""

    name: str
    limit_ms: float
    measured_ms: float | None  # None: nothing of the kind was measured
    conditions_met: bool  # the run was made under the target's conditions (engine, calls)
    conditions: str

    @property
    def verdict(self) -> str:
        if not self.conditions_met or self.measured_ms is None:
            return "n/a"
        return "PASS" if self.measured_ms <= self.limit_ms else "FAIL"

    def line(self, calls: int) -> str:
        measured = "-" if self.measured_ms is None else f"{self.measured_ms:.0f} ms"
        why = "" if self.conditions_met else f" (measured at {calls} calls, not {self.conditions})"
        return f"    {self.verdict:<4}  {self.name} <= {self.limit_ms:.0f} ms: {measured}{why}"


VOSK_CALLS, WHISPER_CALLS = 10, 2  # the concurrency each target is set at


def targets(run: Run, engine: str) -> list[Target]:
    """Vosk path: processing p95 <= 100 ms at 10 concurrent calls and yes/no voice-to-voice
    p50 <= 600 ms; Whisper path: voice-to-voice p50 <= 1.5 s at 2 calls. A target is met at
    its concurrency or more."""
    from voicebot.call.listening import AnswerKind, kind_of

    def p(values: list[float], q: float) -> float | None:
        return float(np.percentile(values, q)) if values else None

    line = [float(v) for r in run.results for v in r.voice_to_voice_ms]
    yes_no = [
        float(ms)
        for r in run.results
        for slot, ms in r.voice_to_voice_by_slot
        if slot and kind_of(slot) is AnswerKind.YES_NO
    ]
    if engine == "vosk":
        enough = run.calls >= VOSK_CALLS
        at = f"{VOSK_CALLS}+ calls"
        return [
            Target(
                f"Vosk processing p95 at {VOSK_CALLS} calls", 100, p(run.processing, 95), enough, at
            ),
            Target(
                f"Vosk yes/no voice-to-voice p50 at {VOSK_CALLS} calls",
                600,
                p(yes_no, 50),
                enough,
                at,
            ),
        ]
    if engine == "whisper":
        enough = run.calls >= WHISPER_CALLS
        at = f"{WHISPER_CALLS}+ calls"
        return [
            Target(
                f"Whisper voice-to-voice p50 at {WHISPER_CALLS} calls",
                1500,
                p(line, 50),
                enough,
                at,
            )
        ]
    return []


def print_run(run: Run, args: argparse.Namespace, engine_label: str, scenario: str) -> None:
    results = run.results
    line = [v for r in results for v in r.voice_to_voice_ms]
    bot = [float(v) for r in results for v in r.latencies_ms]
    late = sum(r.line.late_ticks for r in results)
    turns = sum(len(r.turns) for r in results)
    where = (
        f"bot in `voicebot serve --workers {run.workers}` (gunicorn)"
        if run.workers
        else "bot and simulator in one process"
    )
    print(
        f"engine {engine_label}, scenario {scenario}, {run.calls} concurrent calls, "
        f"speed {args.speed}, {os.cpu_count()} CPUs, {where}"
    )
    print(f"  voice-to-voice (line)       p50 {pct(line, 50)}  p95 {pct(line, 95)}  n={len(line)}")
    print(f"  bot: end of speech -> audio p50 {pct(bot, 50)}  p95 {pct(bot, 95)}  n={len(bot)}")
    print(
        f"  processing after endpoint   p50 {pct(run.processing, 50)}  "
        f"p95 {pct(run.processing, 95)}"
    )
    print(
        f"  CPU {run.cpu_s:.1f} s total, {run.cpu_s / max(1, run.calls):.1f} s per call, "
        f"{run.cpu_s / run.wall_s * 100:.0f}% of one core over {run.wall_s:.0f} s wall"
    )
    if run.workers:
        print(
            f"  of which synthesis (TTS workers) {run.tts_cpu_s:.1f} s, recognition "
            f"{run.asr_cpu_s:.1f} s, the rest {run.overhead_cpu_s:.1f} s = "
            f"{overhead_share(run) * 100:.1f}% of a core per call"
        )
    print(
        f"  memory: {run.rss_start_mb:.0f} MB after warm-up, peak {run.rss_peak_mb:.0f} MB, "
        f"{(run.rss_peak_mb - run.rss_start_mb) / max(1, run.calls):.1f} MB per call"
    )
    print(
        f"  turns {turns}, missed frames {run.missed}, late pacing ticks {late}, "
        f"failures {len(run.failures)}"
    )
    by_kind(run.results)
    checked = targets(run, args.engine)
    if checked:
        print("  targets (issue 13, on 2 cores):")
        for target in checked:
            print(target.line(run.calls))
    with open("/proc/loadavg") as load:
        print(f"  load average at the end (1, 5, 15 min): {' '.join(load.read().split()[:3])}")
    for failure in run.failures:
        print(f"    {failure}")


def overhead_share(run: Run) -> float:
    """The call tier's own CPU (neither recognition nor synthesis), per call, as a share of
    one core over the time the calls lasted."""
    return run.overhead_cpu_s / max(1, run.calls) / run.wall_s


def capacity(args: argparse.Namespace, env, base, engine_label: str) -> bool:  # type: ignore[no-untyped-def]
    """Per worker count: raise the concurrent calls until a step is not held."""
    rows = []
    for workers in [int(w) for w in args.workers.split(",")]:
        best: Run | None = None
        last: Run | None = None
        for calls in [int(c) for c in args.ladder.split(",")]:
            env_run = {
                **env,
                "VOICEBOT_DATABASE_URL": f"{env['VOICEBOT_DATABASE_URL']}-{workers}-{calls}",
            }
            last = run_calls(args, env_run, base, calls, workers)
            print_run(last, args, engine_label, base.name)
            if not last.held:
                break
            best = last
        rows.append((workers, best, last))
    print()
    print(f"capacity, {engine_label}, scenario {base.name}, speed {args.speed}:")
    print(
        "  workers | calls held | processing p95 | missed | CPU s/call | MB/call | "
        "not ASR/TTS, % core/call | first step not held"
    )
    for workers, best, last in rows:
        shown = best or last
        assert shown is not None
        failed = (
            "-"
            if last is best
            else f"{last.calls} calls (p95 {pct(last.processing, 95)}, missed {last.missed},"
            f" failures {len(last.failures)})"
        )
        print(
            f"  {workers:7d} | {best.calls if best else 0:10d} | "
            f"{pct(shown.processing, 95):>14} | {shown.missed:6d} | "
            f"{shown.cpu_s / max(1, shown.calls):10.1f} | "
            f"{(shown.rss_peak_mb - shown.rss_start_mb) / max(1, shown.calls):7.1f} | "
            f"{overhead_share(shown) * 100:25.1f} | {failed}"
        )
    return True


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
        help="run the bot as `voicebot serve` (gunicorn, one worker) and measure its processes",
    )
    parser.add_argument(
        "--workers",
        default=None,
        help="gunicorn worker processes (implies --server-process);"
        " with --capacity a list, e.g. 1,2",
    )
    parser.add_argument(
        "--capacity", action="store_true", help="find the most calls held, per worker count"
    )
    parser.add_argument("--ladder", default="1,2,4,6,8", help="concurrent calls tried, in order")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    base = load_scenario(args.scenario)
    tmp = args.tmp = Path(tempfile.mkdtemp(prefix="voicebot-bench-"))
    models_env, engine_label = {}, args.engine
    if args.vosk_stand_in:
        models_env = {"VOICEBOT_SPEECH_MODELS_DIR": str(stand_in_models(tmp, args, base.language))}
        args.engine, engine_label = "vosk", f"vosk (the {args.vosk_stand_in} model standing in)"
    env = {
        **os.environ,
        "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "VOICEBOT_CALL_RECORDINGS_DIR": str(tmp / "recordings"),
        "VOICEBOT_SPEECH_ENGINES": f'{{"{base.language}": "{args.engine}"}}',
        "VOICEBOT_DIALOG_LANGUAGES": f'["{base.language}"]',  # each worker loads only these
        **models_env,
        "VOICEBOT_TWILIO_AUTH_TOKEN": os.environ.get("VOICEBOT_TWILIO_AUTH_TOKEN", "bench-token"),
    }
    if args.capacity:
        args.workers = args.workers or "1,2"
        capacity(args, env, base, engine_label)
        return
    workers = int(args.workers) if args.workers else (1 if args.server_process else None)
    run = run_calls(args, env, base, args.calls, workers)
    print_run(run, args, engine_label, base.name)
    sys.exit(1 if run.failures else 0)


if __name__ == "__main__":
    main()
