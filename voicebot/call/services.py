"""What every call in a process shares: the dialog agent, one recogniser engine per language
and the synthesiser. Loaded once, on first use, behind a lock (models are large)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from voicebot.call.ports import (
    Agent,
    CallSynthesizer,
    Conversation,
    RecognizerEngine,
    StoreConfig,
    StoreConfigReader,
)
from voicebot.config import Settings
from voicebot.crm.db import Database

log = logging.getLogger(__name__)


class CallServices:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        agent: Agent | None = None,
        store_config_reader: StoreConfigReader | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self._lock = threading.Lock()
        self._agent: Agent | None = agent
        self._store_config_reader: StoreConfigReader | None = store_config_reader
        self._synthesizer: CallSynthesizer | None = None
        self.loaded = False  # everything warm_up loads is in memory (readiness)
        self._prepared: set[int] = set()  # calls whose opening is being or was synthesised
        self._speculation_pool: ThreadPoolExecutor | None = None

    @property
    def agent(self) -> Agent:
        with self._lock:
            if self._agent is None:
                from voicebot.dialog import Agent as DialogAgent

                log.info("loading the dialog from %s", self.settings.dialog.project_dir)
                self._agent = DialogAgent.from_settings(self.settings.dialog)
            return self._agent

    def store_config(self, tracker: dict[str, Any]) -> StoreConfig:
        """The dialog's reading of a tracker as a store configuration (fields, complete)."""
        if self._store_config_reader is None:
            from voicebot.actions.store_config import store_config_from_tracker

            self._store_config_reader = store_config_from_tracker
        return self._store_config_reader(tracker)

    def use_dialog(self, agent: Agent, store_config_reader: StoreConfigReader) -> None:
        """Another dialog for this process's calls (a test's own small bot)."""
        with self._lock:
            self._agent = agent
            self._store_config_reader = store_config_reader

    @property
    def synthesizer(self) -> CallSynthesizer:
        with self._lock:
            if self._synthesizer is None:
                from voicebot.observability.metrics import MeteredSynthesizer
                from voicebot.speech.tts import Synthesizer

                inner = Synthesizer(self.settings.tts)
                inner.start()  # logs each language's engine and why
                # the metered wrapper passes prefetch and close through to the synthesiser
                self._synthesizer = cast(CallSynthesizer, MeteredSynthesizer(inner))
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
        from voicebot.observability.logs import in_call_context

        thread = threading.Thread(
            target=in_call_context(self._prepare, call_id),
            args=(call_id,),
            name=f"call-{call_id}-prepare",
            daemon=True,
        )
        thread.start()
        return thread

    def _prepare(self, call_id: int) -> None:
        from voicebot.call.prompts import prefill_slots, usual_opening
        from voicebot.crm import calls as crm_calls

        try:
            with self.db.session() as s:
                call = crm_calls.get_call(s, call_id)
                language = (
                    call.language or call.merchant.language or self.settings.dialog.default_language
                )
                slots = prefill_slots(s, call.merchant)
            texts = usual_opening(self.agent, slots, language)
            for future in self.synthesizer.prefetch(texts, language):
                future.result()
            log.info("call %s: %d opening prompts ready before the answer", call_id, len(texts))
        except Exception:  # a missed head start costs latency, never the call
            log.exception("call %s: preparing the opening prompts failed", call_id)

    def prefetch_next(self, conversation: Conversation, language: str) -> None:
        """While the merchant answers: synthesise the question the form asks next."""
        from voicebot.call.prompts import next_questions

        texts = next_questions(self.agent.domain, dict(conversation.tracker.slots), language)
        if texts:
            self.synthesizer.prefetch(texts, language)

    @property
    def speculation_pool(self) -> ThreadPoolExecutor:
        """Threads that prepare likely replies while merchants speak (call/speculation.py)."""
        with self._lock:
            if self._speculation_pool is None:
                self._speculation_pool = ThreadPoolExecutor(2, thread_name_prefix="speculation")
            return self._speculation_pool

    def recognizer(self, language: str) -> RecognizerEngine:
        """The process-wide engine for a language (the speech package caches it)."""
        from voicebot.observability.metrics import MeteredEngine
        from voicebot.speech.engines import load_recognizer_engine

        # the metered wrapper passes every stream member through to the engine's stream
        return cast(
            RecognizerEngine, MeteredEngine(load_recognizer_engine(language, self.settings.speech))
        )

    def warm_up(self, languages: list[str]) -> None:
        """Load everything before the first call so the greeting is not late."""
        _ = self.agent
        _ = self.synthesizer
        for language in languages:
            self.recognizer(language)
        self.loaded = True
