"""Synthesis worker processes: a JSON-line protocol with deadlines, and a pool that replaces
a worker that hangs or dies.

Engines run outside the call's threads and outside the server's process: a stuck espeak loop
or an onnxruntime crash costs one prompt (the caller falls back), never the call. A worker
that misses its deadline is told apart by its CPU time: one that is still computing (a busy
machine) finishes in the background and returns to the pool, since killing it and loading the
model again would cost more; one that is not (hung) or is dead is killed, and a fresh one is
started in the background.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from voicebot.speech.tts_engine import TtsError, TtsTimeout

log = logging.getLogger(__name__)


class WorkerProcess:
    """``python -m MODULE``; its first line says it is ready, then one reply per request."""

    def __init__(
        self, module: str, start_timeout_s: float, env: Mapping[str, str] | None = None
    ) -> None:
        self.module = module
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        self._buffer = b""
        try:
            self.hello = self._read_reply(start_timeout_s, f"{module} to start")
        except TtsError:
            self.kill()
            raise
        if not self.hello.get("ready"):
            self.kill()
            raise TtsError(f"{module} could not start: {self.hello.get('error')}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu_ticks(self) -> int | None:
        """User + system CPU time so far, in clock ticks (None when /proc cannot tell)."""
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            return None

    def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """One request; an ``ok: false`` reply raises TtsError and leaves the worker usable."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except OSError as exc:  # broken pipe: it died between requests
            raise TtsError(f"the {self.module} worker died: {exc}") from exc
        reply = self._read_reply(timeout_s, f"synthesis of {str(message.get('text'))[:60]!r}")
        if not reply.get("ok"):
            raise WorkerRefused(f"synthesis failed: {reply.get('error')}")
        return reply

    def read_late_reply(self, timeout_s: float) -> dict[str, Any]:
        """The reply to a request whose deadline passed, so the next request gets its own."""
        return self._read_reply(timeout_s, "a late reply")

    def _read_reply(self, timeout_s: float, what: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TtsTimeout(f"waited {timeout_s:.1f} s for {what}")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise TtsError(f"the worker exited (code {self.process.poll()}) during {what}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(Exception):
                stream.close()  # type: ignore[union-attr]


class WorkerRefused(TtsError):
    """The worker answered with an error: the input is at fault, the worker is fine."""


class WorkerPool:
    """``size`` workers of one kind; a request waits for an idle one (at most its deadline)."""

    def __init__(
        self,
        module: str,
        size: int,
        *,
        timeout_s: float,
        start_timeout_s: float = 30.0,
        env: Mapping[str, str] | None = None,
        fail_while_unavailable: bool = False,
    ) -> None:
        """``fail_while_unavailable``: when every worker is being replaced, refuse at once
        (the caller has a fallback) instead of waiting for a new worker to load."""
        if size < 1:
            raise ValueError(f"a worker pool needs at least one worker, got {size}")
        self.module = module
        self.size = size
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.env = dict(env or {})
        self.fail_while_unavailable = fail_while_unavailable
        # Idle slots: a running worker, or None for "start one when needed".
        self._idle: queue.Queue[WorkerProcess | None] = queue.Queue()
        self._all: set[WorkerProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._unavailable = 0  # workers being replaced or finishing a late reply
        for _ in range(size):
            self._idle.put(None)

    def start(self) -> None:
        """Start every worker now (a server does, so the first call's greeting is not late)."""
        slots = [self._idle.get() for _ in range(self.size)]
        try:
            for n, slot in enumerate(slots):
                slots[n] = slot if slot is not None and slot.alive() else self._spawn()
        finally:
            for slot in slots:
                self._idle.put(slot)

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                all_unavailable = self._unavailable >= self.size
            if all_unavailable and self.fail_while_unavailable:  # the caller's fallback can
                raise TtsError(f"every {self.module} worker is restarting or finishing") from None
            worker = self._wait_for_idle()
        waited = time.monotonic() - started  # starting a worker is not the synthesis's time
        if worker is not None and not worker.alive() and self.fail_while_unavailable:
            code = worker.process.poll()
            self._retire(worker)
            self._replace_in_background()
            raise TtsError(f"a {self.module} worker had died (code {code}); it is restarting")
        try:
            if worker is None or not worker.alive():
                worker = self._spawn()
        except TtsError:
            self._idle.put(None)
            raise
        remaining = max(0.5, self.timeout_s - waited)
        ticks = worker.cpu_ticks()
        try:
            reply = worker.request(message, remaining)
        except WorkerRefused:
            self._idle.put(worker)
            raise
        except TtsTimeout:
            now = worker.cpu_ticks()
            if worker.alive() and ticks is not None and now is not None and now > ticks:
                log.warning(
                    "%s worker %d is slow, not hung: it finishes in the background",
                    self.module,
                    worker.pid,
                )
                self._finish_in_background(worker)
            else:
                log.warning("%s worker %d hung; replacing it", self.module, worker.pid)
                self._retire(worker)
                self._replace_in_background()
            raise
        except TtsError as exc:
            log.warning("%s worker %d failed (%s); replacing it", self.module, worker.pid, exc)
            self._retire(worker)
            self._replace_in_background()
            raise
        self._idle.put(worker)
        return reply

    def _wait_for_idle(self) -> WorkerProcess | None:
        with self._lock:
            replacing = self._unavailable > 0
        # a worker being replaced needs its start-up time too before it can answer
        limit = self.timeout_s + (self.start_timeout_s if replacing else 0.0)
        try:
            return self._idle.get(timeout=limit)
        except queue.Empty:
            raise TtsTimeout(
                f"every {self.module} worker stayed busy for {self.timeout_s:.1f} s"
            ) from None

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._all if w.alive())

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()

    def _spawn(self) -> WorkerProcess:
        worker = WorkerProcess(self.module, self.start_timeout_s, self.env)
        with self._lock:
            self._all.add(worker)
        if self._closed:
            worker.kill()
            raise TtsError("the synthesiser is closed")
        return worker

    def _retire(self, worker: WorkerProcess) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def _finish_in_background(self, worker: WorkerProcess) -> None:
        """Wait for a slow worker's late reply (discarded: the caller has moved on), then give
        it back to the pool; replace it if even that takes too long."""
        with self._lock:
            self._unavailable += 1

        def finish() -> None:
            try:
                worker.read_late_reply(max(30.0, 6 * self.timeout_s))
            except TtsError as exc:
                log.warning("%s worker %d never finished (%s)", self.module, worker.pid, exc)
                self._retire(worker)
                self._replace_now()
                return
            with self._lock:
                self._unavailable -= 1
            self._idle.put(worker)

        threading.Thread(target=finish, name=f"{self.module}-finish", daemon=True).start()

    def _replace_in_background(self) -> None:
        with self._lock:
            self._unavailable += 1
        threading.Thread(
            target=self._replace_now, name=f"{self.module}-restart", daemon=True
        ).start()

    def _replace_now(self) -> None:
        """Start a worker for a retired one (counted in ``_unavailable`` until it is up)."""
        try:
            if not self._closed:
                self._idle.put(self._spawn())
                return
        except TtsError as exc:
            log.warning("could not restart a %s worker (%s); will retry", self.module, exc)
        finally:
            with self._lock:
                self._unavailable -= 1
        self._idle.put(None)
