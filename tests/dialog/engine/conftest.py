"""Shared helpers for the dialog engine tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from voicebot.dialog import Agent

PIZZA_BOT = Path(__file__).resolve().parents[2] / "fixtures" / "rasa_pizza_bot"


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
