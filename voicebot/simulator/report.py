"""Printing a simulated call: transcript, collected configuration, latency figures."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from voicebot.simulator.runner import SimulationResult, percentile


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def print_result(result: SimulationResult, echo: Callable[[str], Any]) -> None:
    echo(
        f"\n== call {result.call_id} ({result.call_sid}): outcome {result.outcome}, "
        f"status {result.status}, {result.wall_s:.1f} s"
    )
    echo("\n-- transcript (as the bot heard and said it)")
    for turn in result.turns:
        who = "BOT " if turn["speaker"] == "bot" else "MERC"
        extra = ""
        if turn["speaker"] == "merchant":
            conf = turn["confidence"]
            extra = f"  [conf {conf:.2f}]" if conf is not None else ""
            if turn["intent"]:
                extra += f" [{turn['intent']}]"
        if turn["interrupted"]:
            extra += "  [interrupted]"
        start = turn["start_ms"]
        stamp = f"{start / 1000:7.1f}s" if start is not None else "        "
        echo(f"{stamp} {who}: {turn['text'] or '(silence)'}{extra}")
    echo("\n-- what the merchant heard (persona's own recognition)")
    for line in result.heard:
        echo(f"{line.at_ms / 1000:7.1f}s {line.speaker:8}: {line.text}")
    echo(f"\n-- store configuration ({result.config.get('status', 'none')})")
    for name, info in sorted(result.config.get("fields", {}).items()):
        flags = " ".join(
            f for f, on in (("confirmed", info["confirmed"]), ("flagged", info["flagged"])) if on
        )
        conf = info.get("confidence")
        conf_text = f" conf {conf:.2f}" if isinstance(conf, int | float) else ""
        echo(f"  {name:18} = {info['value']!r}{conf_text} {flags}".rstrip())
    echo("\n-- latency")
    server = [float(v) for v in result.latencies_ms]
    echo(
        f"  bot (end of speech -> first audio, incl. endpoint): p50 {_ms(percentile(server, 50))}"
        f"  p95 {_ms(percentile(server, 95))}  n={len(server)}"
    )
    line = result.voice_to_voice_ms
    echo(
        f"  line (merchant's last frame -> bot audio):          p50 {_ms(percentile(line, 50))}"
        f"  p95 {_ms(percentile(line, 95))}  n={len(line)}"
    )
    events = result.line
    echo(
        f"  frames sent {events.frames_sent}, bot frames played {events.frames_played}, "
        f"marks {len(events.marks_returned)}, clears {events.clears}, "
        f"late ticks {events.late_ticks}"
    )
    echo(f"\n-- recording: {result.recording_path or 'none'}")


def result_as_dict(result: SimulationResult) -> dict[str, Any]:
    data = dataclasses.asdict(result)
    data["latency"] = {
        "bot_p50_ms": percentile([float(v) for v in result.latencies_ms], 50),
        "bot_p95_ms": percentile([float(v) for v in result.latencies_ms], 95),
        "line_p50_ms": percentile(result.voice_to_voice_ms, 50),
        "line_p95_ms": percentile(result.voice_to_voice_ms, 95),
    }
    return data
