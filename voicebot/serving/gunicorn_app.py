"""`voicebot serve` under gunicorn: threaded workers (flask-sock runs each media stream in
one of a worker's threads), the models loaded once per worker after the fork, a start-up log
of what each worker holds, and a graceful stop that drains calls in progress.

The app is never loaded in the master process: each worker builds its own database pool,
dialog agent, recognisers and TTS worker process after the fork, so no thread, socket or
lock is shared across a fork."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

from gunicorn.app.base import BaseApplication

from voicebot.config import Settings
from voicebot.observability.logs import logging_config

log = logging.getLogger(__name__)


def available_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the
    machine's: os.cpu_count() counts them all)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def worker_count(settings: Settings) -> int:
    """server.workers, or one per core this process may use when it is 0."""
    return settings.server.workers or available_cores()


def graceful_timeout_s(settings: Settings) -> int:
    """gunicorn kills a worker this long after SIGTERM: the drain, the apology, a margin."""
    return int(settings.server.drain_timeout_s + settings.call.end_grace_s + 45)


def resident_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is imported


def prepare_metrics_dir() -> tuple[str, bool]:
    """A clean directory for the workers' metric files, and whether we made it (and so
    remove it at exit). Set before anything imports prometheus_client."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="voicebot-metrics-")
        os.environ[MULTIPROC_ENV] = path
        return path, True
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):  # samples of an earlier run would be added up
        if name.endswith(".db"):
            os.unlink(os.path.join(path, name))
    return path, False


def tts_choices(settings: Settings) -> list[str]:
    """Per language, the TTS engine and voice a worker will use and why, decided without
    starting any TTS worker process."""
    from voicebot.speech.tts import Synthesizer

    synthesizer = Synthesizer(settings.tts)
    try:
        return synthesizer.describe()
    finally:
        synthesizer.close()


@contextlib.contextmanager
def _heartbeat(worker: Any, every_s: float = 5.0) -> Iterator[None]:
    """Tell the arbiter this worker is alive while it is busy outside its request loop."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every_s):
            worker.notify()

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class VoicebotServer(BaseApplication):
    """gunicorn's arbiter, configured from our settings rather than its command line."""

    def __init__(
        self,
        settings: Settings,
        app_factory: Callable[[Settings], Any],
        *,
        host: str,
        port: int,
        warm_up: bool,
        log_format: str,
    ) -> None:
        self.settings = settings
        self.app_factory = app_factory  # voicebot.app.create_app: the app is a layer above
        self.bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.warm_up = warm_up
        self.log_format = log_format
        self.metrics_dir, self._own_metrics_dir = prepare_metrics_dir()
        super().__init__()

    # -- gunicorn's Application interface ---------------------------------------------------
    def load_config(self) -> None:
        server = self.settings.server
        options: dict[str, Any] = {
            "bind": [self.bind],
            "worker_class": "gthread",
            "workers": worker_count(self.settings),
            "threads": server.threads,
            # flask-sock needs a thread per live stream; the heartbeat is the worker's loop,
            # so a 20-minute call does not look like a hung request
            "timeout": 60,
            "graceful_timeout": graceful_timeout_s(self.settings),
            "keepalive": 5,
            "preload_app": False,  # load after the fork: models and pools are per worker
            "post_worker_init": self._post_worker_init,
            "child_exit": self._child_exit,
            "worker_exit": self._worker_exit,
            "on_exit": self._on_exit,
            "accesslog": None,
            "logconfig_dict": logging_config(self.log_format),
            "control_socket_disable": True,  # several instances may share a machine
            "proc_name": "voicebot-serve",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Runs in each worker after the fork."""
        return self.app_factory(self.settings)

    # -- hooks ------------------------------------------------------------------------------
    def _post_worker_init(self, worker: Any) -> None:
        app = worker.wsgi
        registry = app.extensions["voicebot_calls"]
        services = registry.services
        before = resident_mb()
        if self.warm_up:
            with _heartbeat(worker):  # loading can outlast gunicorn's worker timeout
                services.warm_up(self.settings.dialog.languages)
            models = f" ({resident_mb() - before:.0f} MB for the models)"
        else:
            services.loaded = True  # loaded on first call, by choice
            models = ""
            # warm-up's synthesiser logs this as it starts; say it now all the same
            for line in tts_choices(self.settings):
                log.info("%s (voices load on the first uncached sentence)", line)
        tts_pid = services.synthesizer.worker_pid if self.warm_up else None
        log.info(
            "worker %d ready: %s; dialog %s, recognisers %s, TTS %s; resident %.0f MB%s%s",
            worker.pid,
            "models loaded" if self.warm_up else "models load on the first call",
            self.settings.dialog.project_dir,
            ", ".join(f"{lang}={engine}" for lang, engine in self._engines(services).items()),
            f"worker process {tts_pid}" if tts_pid else "started on the first uncached sentence",
            resident_mb(),
            models,
            f", TTS worker {resident_mb(tts_pid):.0f} MB" if tts_pid else "",
        )
        if worker.age == 1:  # one sender per instance for deliveries left from before
            from voicebot.outbound_webhooks.sender import resume_pending_webhooks

            resume_pending_webhooks(app.config["VOICEBOT_DB"], self.settings)
        self._drain_on_sigterm(worker, registry)

    def _engines(self, services: Any) -> dict[str, str]:
        """Per language, the engine really loaded (a missing Vosk model falls back)."""
        speech = self.settings.speech
        if not self.warm_up:
            return {
                lang: speech.engines.get(lang, speech.fallback_engine)
                for lang in self.settings.dialog.languages
            }
        return {
            lang: type(services.recognizer(lang)._inner).__name__
            for lang in self.settings.dialog.languages
        }

    def _drain_on_sigterm(self, worker: Any, registry: Any) -> None:
        """SIGTERM: gunicorn stops accepting and waits for open connections (the streams);
        the drain lets the calls finish, then ends the rest politely."""
        import signal

        from voicebot.serving.drain import drain_in_background

        stop_accepting = worker.handle_exit

        def on_sigterm(sig: int, frame: Any) -> None:
            if not registry.draining:
                self._drain_thread = drain_in_background(registry, self.settings)
            stop_accepting(sig, frame)

        worker.handle_exit = on_sigterm
        signal.signal(signal.SIGTERM, on_sigterm)

    _drain_thread: threading.Thread | None = None  # set in a worker by its SIGTERM

    def _worker_exit(self, _arbiter: Any, _worker: Any) -> None:
        """In the worker, once its connections are closed: the drain may still be recording
        the calls it ended (their early retry); let it finish before the process goes."""
        thread = self._drain_thread
        if thread is not None and thread.is_alive():
            thread.join(self.settings.call.end_grace_s + 40)

    def _child_exit(self, _arbiter: Any, worker: Any) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    def _on_exit(self, _arbiter: Any) -> None:
        if self._own_metrics_dir:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
