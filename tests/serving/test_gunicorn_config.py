"""How `voicebot serve` configures gunicorn, without starting it: worker and thread counts,
timeouts that let a drain finish, workers that load the app after the fork, and the line
each worker logs once it is ready."""

from __future__ import annotations

import logging
import os
import re
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest
from fixtures.settings import with_overrides

from voicebot.config import Settings
from voicebot.serving import gunicorn_app
from voicebot.serving.gunicorn_app import (
    VoicebotServer,
    available_cores,
    graceful_timeout_s,
    worker_count,
)


@pytest.fixture
def metrics_dir(tmp_path: Path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """Keep the server's metric files (and the environment variable) to this test."""
    path = tmp_path / "metrics"
    monkeypatch.setenv(gunicorn_app.MULTIPROC_ENV, str(path))
    return path


def server_for(settings: Settings, *, warm_up: bool = True) -> VoicebotServer:
    def never_called(_settings: Settings) -> None:
        raise AssertionError("the app is loaded in the workers, never in the master")

    return VoicebotServer(
        settings, never_called, host="127.0.0.1", port=8099, warm_up=warm_up, log_format="text"
    )


def test_zero_workers_means_one_per_core_this_process_may_use(settings, monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 2, 5}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the machine's, not ours
    assert settings.server.workers == 0
    assert available_cores() == 3
    assert worker_count(settings) == 3
    assert worker_count(with_overrides(settings, server={"workers": 4})) == 4
    monkeypatch.delattr(os, "sched_getaffinity")  # not Linux
    assert worker_count(settings) == 64


def test_gunicorn_options(settings, metrics_dir) -> None:
    tuned = with_overrides(
        settings,
        server={"workers": 3, "threads": 24, "drain_timeout_s": 120},
        call={"end_grace_s": 5},
    )
    cfg = server_for(tuned).cfg
    assert cfg.worker_class_str == "gthread"  # flask-sock: a thread per live stream
    assert cfg.workers == 3 and cfg.threads == 24
    assert cfg.preload_app is False  # models, pools and TTS workers are per worker
    assert cfg.bind == ["127.0.0.1:8099"]
    # gunicorn kills a worker graceful_timeout after SIGTERM: not before the drain, the
    # apology and the drain's bookkeeping are over
    assert cfg.graceful_timeout == graceful_timeout_s(tuned)
    assert cfg.graceful_timeout > tuned.server.drain_timeout_s + tuned.call.end_grace_s + 30
    assert metrics_dir.is_dir()  # the workers' metric files go there


def test_graceful_timeout_grows_with_the_drain_timeout(settings) -> None:
    for drain_s in (0, 30, 300, 3600):
        tuned = with_overrides(settings, server={"drain_timeout_s": drain_s})
        assert graceful_timeout_s(tuned) > drain_s + tuned.call.end_grace_s


def test_an_ipv6_listen_address_is_bracketed(settings, metrics_dir) -> None:
    server = VoicebotServer(
        settings, lambda _s: None, host="::1", port=8099, warm_up=True, log_format="json"
    )
    assert server.cfg.bind == ["[::1]:8099"]


READY_LINE = re.compile(
    r"^worker \d+ ready: (models loaded|models load on the first call); dialog \S+,"
    r" recognisers (\w+=\w+)(, \w+=\w+)*, TTS (worker process \d+|started on the first"
    r" uncached sentence); resident \d+ MB( \(-?\d+ MB for the models\))?(, TTS worker \d+ MB)?$"
)


def test_the_worker_ready_line_and_the_tts_choices_without_warm_up(
    settings, metrics_dir, monkeypatch, caplog
) -> None:
    services = SimpleNamespace(loaded=False)
    app = SimpleNamespace(
        extensions={"voicebot_calls": SimpleNamespace(services=services, draining=False)},
        config={},
    )
    worker = SimpleNamespace(pid=4711, age=2, wsgi=app, handle_exit=lambda *_: None)
    installed: list[int] = []
    monkeypatch.setattr(signal, "signal", lambda sig, _handler: installed.append(sig))
    with caplog.at_level(logging.INFO, logger="voicebot.serving.gunicorn_app"):
        server_for(settings, warm_up=False)._post_worker_init(worker)
    assert services.loaded is True  # ready now: the models load on the first call
    assert installed == [signal.SIGTERM]  # the drain on a graceful stop
    lines = [r.getMessage() for r in caplog.records]
    ready = [line for line in lines if line.startswith("worker 4711 ready")]
    assert len(ready) == 1 and READY_LINE.match(ready[0]), ready
    assert " en=" in ready[0] and " pl=" in ready[0] and "for the models" not in ready[0]
    # the TTS engine of each language and why, though no synthesiser was started
    tts = [line for line in lines if line.startswith("tts ")]
    assert {line.split(":")[0] for line in tts} >= {"tts en", "tts pl"}
    assert all("(voices load on the first uncached sentence)" in line for line in tts)


def test_the_ready_line_with_models_loaded_matches_too() -> None:
    line = (
        "worker 4711 ready: models loaded; dialog dialogs, recognisers en=WhisperEngine,"
        " pl=VoskEngine, TTS worker process 4730; resident 870 MB (720 MB for the models),"
        " TTS worker 40 MB"
    )
    assert READY_LINE.match(line)
