"""What every call in a process shares: the dialog agent, one recogniser engine per language
and the synthesiser. Loaded once, on first use, behind a lock (models are large)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from voicebot.config import Settings
from voicebot.crm.db import Database

log = logging.getLogger(__name__)


class CallServices:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._lock = threading.Lock()
        self._agent: Any = None
        self._synthesizer: Any = None

    @property
    def agent(self) -> Any:
        with self._lock:
            if self._agent is None:
                from voicebot.dialog import Agent

                project = Path(self.settings.dialog.project_dir) / "dialogs"
                log.info("loading the dialog from %s", project)
                self._agent = Agent.load(project)
            return self._agent

    @property
    def synthesizer(self) -> Any:
        with self._lock:
            if self._synthesizer is None:
                from voicebot.speech.tts import Synthesizer

                self._synthesizer = Synthesizer(self.settings.tts)
            return self._synthesizer

    def recognizer(self, language: str) -> Any:
        """The process-wide engine for a language (the speech package caches it)."""
        from voicebot.speech.stt import load_recognizer_engine

        return load_recognizer_engine(language, self.settings.speech)

    def warm_up(self, languages: list[str]) -> None:
        """Load everything before the first call so the greeting is not late."""
        _ = self.agent
        _ = self.synthesizer
        for language in languages:
            self.recognizer(language)
