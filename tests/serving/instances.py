"""`voicebot serve` instances (gunicorn process trees) on free loopback ports for tests and
benchmarks, and a small path-routing TCP balancer in front of several of them."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from voicebot.simulator.runner import free_port

VOICEBOT = str(Path(sys.executable).with_name("voicebot"))


class Instance:
    """One `voicebot serve` (gunicorn master and its workers) until stop()."""

    def __init__(
        self, env: dict[str, str], *, log_path: Path, port: int | None = None, workers: int = 1
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [VOICEBOT, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 240) -> None:
        """Until /readyz says ready (models load before that)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"voicebot serve exited: {self.log()}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"voicebot serve not ready in {timeout_s} s: {self.log()}")

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout_s: float = 60) -> int:
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        return self.process.returncode

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]


class PathBalancer:
    """A TCP balancer on a loopback port: connections whose request line starts with
    ``GET <stream_path>`` go to ``stream_backend``, every other one to ``http_backend``.
    Bytes are passed through untouched (WebSocket upgrades included)."""

    def __init__(
        self,
        http_backend: int,
        stream_backend: int,
        *,
        listen_port: int = 0,
        stream_path: str = "/twilio/stream",
    ) -> None:
        self.backends = {"http": http_backend, "stream": stream_backend}
        self.stream_prefix = f"GET {stream_path}".encode()
        self.routed: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", listen_port))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> PathBalancer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            first = client.recv(65536)
            kind = "stream" if first.startswith(self.stream_prefix) else "http"
            self.routed.append(kind)
            with socket.create_connection(("127.0.0.1", self.backends[kind])) as backend:
                backend.sendall(first)
                self._pump(client, backend)

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        while not self._stop.is_set():
            readable, _, _ = select.select(list(peers), [], [], 0.5)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
