"""Saying a prompt more slowly: the prompt's audio stretched in time with sox's `tempo`
effect (WSOLA: the pitch stays, only the pace changes).

espeak-ng applies a speaking rate changed on a live engine erratically (a prompt can come
out at the previous rate, or empty), so a slower prompt is not synthesised again at another
rate: the cached prompt at the usual rate is stretched, which is exact and deterministic.
"""

from __future__ import annotations

import shutil
import subprocess

SOX_TIMEOUT_S = 10.0


class TempoError(RuntimeError):
    """sox is missing or failed; the message says why."""


def change_tempo(pcm16: bytes, sample_rate: int, factor: float) -> bytes:
    """Mono PCM16 little-endian audio played `factor` times as fast (0.75: a third longer)."""
    if not 0.25 <= factor <= 4.0:
        raise TempoError(f"tempo factor {factor} is outside 0.25..4")
    if not pcm16:
        return pcm16
    sox = shutil.which("sox")
    if sox is None:
        raise TempoError("sox is not installed (scripts/setup installs it)")
    raw = ["-t", "raw", "-r", str(sample_rate), "-e", "signed", "-b", "16", "-c", "1"]
    # -s: tuned for speech; sox reads stdin ("-") and writes stdout ("-")
    command = [sox, "-q", *raw, "-", *raw, "-", "tempo", "-s", f"{factor:.4f}"]
    try:
        done = subprocess.run(
            command, input=pcm16, capture_output=True, timeout=SOX_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise TempoError(f"sox took longer than {SOX_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        raise TempoError(f"sox failed: {done.stderr.decode(errors='replace').strip()[:200]}")
    return done.stdout
