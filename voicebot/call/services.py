"""What every call in a process shares: the dialog agent, one recogniser engine per language
and the synthesiser. Loaded once, on first use, behind a lock (models are large)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
        self._prepared: set[int] = set()  # calls whose opening is being or was synthesised
        self._speculation_pool: ThreadPoolExecutor | None = None

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
                self._synthesizer.start()  # logs each language's engine and why
            return self._synthesizer

    def prepare_call(self, call_id: int) -> threading.Thread | None:
        """When a call is placed: synthesise, in the background, what the bot will usually
        say first to this merchant (the greeting with their name, the read-back of their
        sign-up data), so it plays from memory when they answer. Once per call, and only in
        a process that has loaded its dialog and voices (a server after ``warm_up``): loading
        them here would delay the call instead."""
        with self._lock:
            if self._agent is None or self._synthesizer is None:
                return None
            if call_id in self._prepared:
                return None
            self._prepared.add(call_id)
        thread = threading.Thread(
            target=self._prepare, args=(call_id,), name=f"prepare-{call_id}", daemon=True
        )
        thread.start()
        return thread

    def _prepare(self, call_id: int) -> None:
        from voicebot.call.prompts import prefill_slots, usual_opening
        from voicebot.crm import calls as crm_calls

        try:
            with self.db.session() as s:
                call = crm_calls.get_call(s, call_id)
                language = call.language or call.merchant.language or "pl"
                slots = prefill_slots(s, call.merchant)
            texts = usual_opening(self.agent, slots, language)
            for future in self.synthesizer.prefetch(texts, language):
                future.result()
            log.info("call %s: %d opening prompts ready before the answer", call_id, len(texts))
        except Exception:  # a missed head start costs latency, never the call
            log.exception("call %s: preparing the opening prompts failed", call_id)

    def prefetch_next(self, conversation: Any, language: str) -> None:
        """While the merchant answers: synthesise the question the form asks next."""
        from voicebot.call.prompts import next_questions

        domain = getattr(self.agent, "domain", None)
        tracker = getattr(conversation, "tracker", None)
        if domain is None or tracker is None:
            return
        slots = {k: getattr(v, "value", v) for k, v in dict(tracker.slots).items()}
        texts = next_questions(domain, slots, language)
        if texts:
            self.synthesizer.prefetch(texts, language)

    @property
    def speculation_pool(self) -> ThreadPoolExecutor:
        """Threads that prepare likely replies while merchants speak (call/speculation.py)."""
        with self._lock:
            if self._speculation_pool is None:
                self._speculation_pool = ThreadPoolExecutor(2, thread_name_prefix="speculation")
            return self._speculation_pool

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
