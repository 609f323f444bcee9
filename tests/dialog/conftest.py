"""Shared helpers for the dialog engine tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from voicebot.dialog import Agent

PIZZA_BOT = Path(__file__).resolve().parents[1] / "fixtures" / "rasa_pizza_bot"
VET_BOT = Path(__file__).resolve().parents[1] / "fixtures" / "rasa_vet_bot"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def rasa_action_server(project: Path, package: str = "actions") -> Iterator[str]:
    """The real rasa-sdk action server serving a fixture's actions package on a free
    loopback port; yields its webhook URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", package, "--port", str(port)],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"action server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("action server did not start")
        yield f"{url}/webhook"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def pizza_agent() -> Agent:
    return Agent.load(PIZZA_BOT)


@pytest.fixture
def pizza_copy(tmp_path: Path) -> Path:
    """A copy of the pizza bot a test may break (without its actions package)."""
    target = tmp_path / "pizza"
    shutil.copytree(PIZZA_BOT, target, ignore=shutil.ignore_patterns("actions", "__pycache__"))
    (target / "endpoints.yml").unlink()
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
