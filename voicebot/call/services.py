"""What every call in a process shares: the dialog agent, one recogniser engine per language
and the synthesiser. Loaded once, on first use, behind a lock (models are large)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from voicebot.config import Settings
from voicebot.crm.db import Database

log = logging.getLogger(__name__)


class CallServices:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        agent: Any = None,
        store_config_reader: Callable[[Any], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self._lock = threading.Lock()
        self._agent: Any = agent
        self._store_config_reader = store_config_reader
        self._synthesizer: Any = None
        self.loaded = False  # everything warm_up loads is in memory (readiness)

    @property
    def agent(self) -> Any:
        with self._lock:
            if self._agent is None:
                from voicebot.dialog import Agent

                log.info("loading the dialog from %s", self.settings.dialog.project_dir)
                self._agent = Agent.from_settings(self.settings.dialog)
            return self._agent

    def store_config(self, tracker: Any) -> Any:
        """The dialog's reading of a tracker as a store configuration (fields, complete)."""
        if self._store_config_reader is None:
            from voicebot.actions.store_config import store_config_from_tracker

            self._store_config_reader = store_config_from_tracker
        return self._store_config_reader(tracker)

    def use_dialog(self, agent: Any, store_config_reader: Callable[[Any], Any]) -> None:
        """Another dialog for this process's calls (a test's own small bot)."""
        with self._lock:
            self._agent = agent
            self._store_config_reader = store_config_reader

    @property
    def synthesizer(self) -> Any:
        with self._lock:
            if self._synthesizer is None:
                from voicebot.observability.metrics import MeteredSynthesizer
                from voicebot.speech.tts import Synthesizer

                self._synthesizer = MeteredSynthesizer(Synthesizer(self.settings.tts))
            return self._synthesizer

    def recognizer(self, language: str) -> Any:
        """The process-wide engine for a language (the speech package caches it)."""
        from voicebot.observability.metrics import MeteredEngine
        from voicebot.speech.engines import load_recognizer_engine

        return MeteredEngine(load_recognizer_engine(language, self.settings.speech))

    def warm_up(self, languages: list[str]) -> None:
        """Load everything before the first call so the greeting is not late."""
        _ = self.agent
        _ = self.synthesizer
        for language in languages:
            self.recognizer(language)
        self.loaded = True
