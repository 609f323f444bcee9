"""The public face of the dialog engine: load a project once, hold many conversations.

agent = Agent.load(project_dir)                  # once per process; share across threads
conv = agent.new_conversation("call-1", language="pl", slots={"merchant_name": "Jan"})
turn = conv.start()                              # session start + conversation-start rules
turn = conv.handle("tak", confidence=0.9, alternatives=["tak tak"])
turn.messages, turn.events, turn.ended, turn.expecting
stored = conv.tracker.to_json(); conv = agent.restore(stored)
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicebot.dialog import events as ev
from voicebot.dialog.action_runner import ActionRunner, RunContext
from voicebot.dialog.custom_actions import CustomActionRunner, HttpActions, InProcessActions
from voicebot.dialog.domain import (
    ACTION_HANGUP,
    ACTION_LISTEN,
    ACTION_SESSION_START,
    REQUESTED_SLOT,
    SESSION_METADATA_SLOT,
    Domain,
    load_domain,
)
from voicebot.dialog.events import Event
from voicebot.dialog.nlu import NLUModel, load_nlu_files
from voicebot.dialog.nlu.pipeline import NLUConfig, RasaConfig, read_rasa_config
from voicebot.dialog.policies import PolicyEnsemble
from voicebot.dialog.project import Project, discover
from voicebot.dialog.stories import Story, load_stories
from voicebot.dialog.tracker import Tracker

log = logging.getLogger(__name__)

DEFAULT_FALLBACK_THRESHOLD = 0.45
DEFAULT_MAX_PREDICTIONS = 10

_nlu_cache: dict[tuple[Any, ...], NLUModel] = {}
_nlu_lock = threading.Lock()


if TYPE_CHECKING:
    from voicebot.config import DialogSettings


class DialogError(RuntimeError):
    """A request the conversation cannot serve (ended call, unknown language, bad state)."""


@dataclass
class BotMessage:
    text: str
    response: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # the response's metadata (e.g. "speech_rate": "slow"), for the channel that says it
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    messages: list[BotMessage]
    events: list[Event]
    ended: bool
    expecting: dict[str, Any] | None


def _signature(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(files))


def train_nlu(
    files: list[Path],
    language: str,
    threshold: float | None,
    entities: list[str],
    config: NLUConfig | None = None,
) -> NLUModel:
    """Train (or reuse) the NLU model of one language: one training per process per data."""
    key = (_signature(files), language, threshold, tuple(entities), config)
    with _nlu_lock:
        model = _nlu_cache.get(key)
        if model is None:
            started = time.perf_counter()
            model = NLUModel(load_nlu_files(files), language, threshold, entities, config)
            log.info(
                "trained NLU for %s in %.2f s (%d intents)",
                language,
                time.perf_counter() - started,
                len(model.intents),
            )
            _nlu_cache[key] = model
        return model


class Agent:
    def __init__(
        self,
        project: Project,
        domain: Domain,
        stories: list[Story],
        nlu: dict[str, NLUModel],
        custom: CustomActionRunner | None,
        *,
        default_language: str,
        max_predictions: int = DEFAULT_MAX_PREDICTIONS,
    ) -> None:
        self.project = project
        self.domain = domain
        self.stories = stories
        self.nlu_models = nlu
        self.default_language = default_language
        self.max_predictions = max_predictions
        self.runner = ActionRunner(domain, custom)
        self.rasa_config: RasaConfig = read_rasa_config(project.config)
        self.policies = PolicyEnsemble(
            domain,
            stories,
            max_history=self.rasa_config.policies.max_history,
            fallback_action=self.rasa_config.policies.fallback_action,
        )

    @classmethod
    def from_settings(cls, settings: DialogSettings, project_dir: Path | None = None) -> Agent:
        """The agent as configured: project, action endpoint or module, threshold, limits."""
        return cls.load(
            project_dir or settings.project_dir,
            action_endpoint=settings.action_endpoint,
            actions_module=settings.actions_module,
            fallback_threshold=settings.fallback_threshold,
            default_language=settings.default_language,
            max_predictions=settings.max_predictions,
        )

    @classmethod
    def load(
        cls,
        project_dir: Path,
        *,
        action_endpoint: str | None = None,
        actions_module: str | None = None,
        fallback_threshold: float | None = None,
        default_language: str | None = None,
        max_predictions: int = DEFAULT_MAX_PREDICTIONS,
    ) -> Agent:
        """Read the project, train NLU for every language, connect the custom actions.
        `action_endpoint` (a URL) overrides endpoints.yml and runs actions over HTTP;
        `actions_module` is the in-process actions package used when the project's
        endpoints.yml names none and it has no `actions` package of its own."""
        project = discover(Path(project_dir))
        domain = load_domain(project.domain_path)
        stories = load_stories(project.data_files)
        # The project's config.yml decides the NLU pipeline and its fallback threshold;
        # `fallback_threshold` (the dialog.fallback_threshold setting) serves projects without
        # a config.yml.
        config = read_rasa_config(project.config).nlu
        threshold = None if project.config else fallback_threshold
        if threshold is None and not project.config:
            threshold = DEFAULT_FALLBACK_THRESHOLD
        if not project.nlu_files:
            raise DialogError(f"{project.root}: no NLU data (nlu_data/<lang>.yml or data/*.yml)")
        nlu = {
            lang: train_nlu(files, lang, threshold, domain.entities, config)
            for lang, files in project.nlu_files.items()
        }
        url = action_endpoint or project.action_endpoint_url
        custom: CustomActionRunner | None
        if url:
            custom = HttpActions(url)
        elif project.actions_module:
            custom = InProcessActions(project.actions_module, project.actions_path)
        elif actions_module:
            custom = InProcessActions(actions_module)
        else:
            custom = None
        language = default_language if default_language in nlu else next(iter(nlu))
        return cls(
            project,
            domain,
            stories,
            nlu,
            custom,
            default_language=language,
            max_predictions=max_predictions,
        )

    @property
    def languages(self) -> list[str]:
        return list(self.nlu_models)

    def nlu(self, language: str) -> NLUModel:
        try:
            return self.nlu_models[language]
        except KeyError:
            raise DialogError(
                f"no NLU data for language '{language}' (have: {', '.join(self.nlu_models)})"
            ) from None

    def new_conversation(
        self,
        conversation_id: str,
        *,
        language: str,
        slots: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Conversation:
        self.nlu(language)  # fail now, not at the first message
        unknown = [name for name in slots or {} if name not in self.domain.slots]
        if unknown:
            raise DialogError(f"unknown slots for a new conversation: {', '.join(unknown)}")
        initial = dict(slots or {})
        if "language" in self.domain.slots:
            initial.setdefault("language", language)
        tracker = Tracker(conversation_id, self.domain)
        meta = {**(metadata or {}), "language": language, "initial_slots": initial}
        return Conversation(self, tracker, language, meta)

    def restore(self, tracker_json: dict[str, Any]) -> Conversation:
        """A conversation from `Tracker.to_json()` output."""
        try:
            tracker = Tracker(
                str(tracker_json["sender_id"]), self.domain, list(tracker_json.get("events") or [])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DialogError(f"not a stored tracker: {exc}") from exc
        meta = tracker.get_slot(SESSION_METADATA_SLOT) or {}
        language = str(
            meta.get("language") or tracker.get_slot("language") or self.default_language
        )
        return Conversation(self, tracker, language, dict(meta))


class Conversation:
    """One conversation (one call). Not shared between threads; the agent is."""

    def __init__(
        self, agent: Agent, tracker: Tracker, language: str, metadata: dict[str, Any]
    ) -> None:
        self.agent = agent
        self.tracker = tracker
        self.language = language
        self.metadata = metadata
        self._lock = threading.Lock()
        self._ctx = RunContext(
            rng=random.Random(tracker.sender_id),
            initial_slots=dict(metadata.get("initial_slots") or {}),
            session_metadata={k: v for k, v in metadata.items() if k != "initial_slots"},
            channel=metadata.get("channel"),
        )

    @property
    def ended(self) -> bool:
        for event in reversed(self.tracker.events):
            if event["event"] == "action" and event.get("name") == ACTION_HANGUP:
                return True
            if event["event"] in ("session_started", "restart"):
                return False
        return False

    def start(self) -> Turn:
        """Start the session and run whatever the rules predict at conversation start."""
        with self._lock:
            first = len(self.tracker.events)
            self._start_session()
            self._predict_and_run()
            return self._turn(first)

    def handle(
        self,
        text: str,
        *,
        confidence: float | None = None,
        alternatives: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Turn:
        """One user message (text from the keyboard or the speech recogniser)."""
        if not isinstance(text, str):
            raise DialogError("the user message must be text")
        with self._lock:
            if self.ended:
                raise DialogError("the conversation has ended")
            first = len(self.tracker.events)
            if not any(e["event"] == "session_started" for e in self.tracker.events) or (
                self._session_expired()
            ):
                self._start_session()
                self.tracker.update(ev.action(ACTION_LISTEN))
            parse = self.agent.nlu(self.language).parse(
                text, confidence=confidence, alternatives=alternatives, metadata=metadata
            )
            self.add_user_message(text, parse, metadata)
            self._predict_and_run()
            return self._turn(first)

    def add_user_message(
        self, text: str | None, parse: dict[str, Any], metadata: dict[str, Any] | None = None
    ) -> None:
        """Log the user's message and the slots it fills (Rasa's action_extract_slots)."""
        if self.tracker.latest_action_name != ACTION_LISTEN:
            self.tracker.update(ev.action(ACTION_LISTEN))
        self.tracker.update(ev.user(text, parse, metadata, input_channel=self._ctx.channel))
        for event in self.agent.runner.extract_slot_events(self.tracker, self._ctx):
            self.tracker.update(event)

    # --- internals ------------------------------------------------------------------------
    def _session_expired(self) -> bool:
        minutes = self.agent.domain.session_config.expiration_minutes
        if minutes <= 0:
            return False
        last_user = next((e for e in reversed(self.tracker.events) if e["event"] == "user"), None)
        return bool(last_user) and time.time() - float(last_user["timestamp"]) > minutes * 60

    def _start_session(self) -> None:
        self.tracker.update(ev.action(ACTION_SESSION_START, "session"))
        outcome = self.agent.runner.run(ACTION_SESSION_START, self.tracker, self._ctx)
        for event in outcome.events:
            if event["event"] == "action" and event.get("name") == ACTION_LISTEN:
                continue  # custom session starts end with a listen; we predict instead
            self.tracker.update(event)
        if not any(e["event"] == "session_started" for e in outcome.events):
            self.tracker.update(ev.session_started())

    def _predict_and_run(self) -> None:
        rejections: dict[str, int] = {}
        for _ in range(self.agent.max_predictions):
            prediction = self.agent.policies.predict(self.tracker)
            name = prediction.action
            if rejections.get(name, 0) >= 2:
                name = self.agent.policies.fallback_action
            if name == self.tracker.active_loop_name and prediction.policy != "LoopPolicy":
                # a rule or story returns to the loop after an unhappy path: the loop asks
                # again instead of validating the message that interrupted it
                self.tracker.update({"event": "loop_interrupted", "is_interrupted": True})
            if name == ACTION_LISTEN:
                self.tracker.update(
                    ev.action(ACTION_LISTEN, prediction.policy, prediction.confidence)
                )
                return
            outcome = self.agent.runner.run(name, self.tracker, self._ctx)
            if outcome.rejected:
                rejections[name] = rejections.get(name, 0) + 1
                self.tracker.update(ev.rejected(name, prediction.policy, prediction.confidence))
                continue
            if not any(e["event"] == "action_execution_rejected" for e in outcome.events):
                self.tracker.update(ev.action(name, prediction.policy, prediction.confidence))
            for event in outcome.events:
                self.tracker.update(event)
            if name == ACTION_HANGUP:
                return
            if any(e["event"] == "restart" for e in outcome.events):
                self._start_session()
                self.tracker.update(ev.action(ACTION_LISTEN))
                return
        log.warning(
            "%s: stopped after %d predictions without listening",
            self.tracker.sender_id,
            self.agent.max_predictions,
        )
        self.tracker.update(ev.action(ACTION_LISTEN, "limit"))

    def _turn(self, first: int) -> Turn:
        new = self.tracker.events[first:]
        messages = [
            BotMessage(
                text=e.get("text") or "",
                response=(e.get("metadata") or {}).get("utter_action"),
                data=dict(e.get("data") or {}),
                metadata={
                    k: v for k, v in (e.get("metadata") or {}).items() if k != "utter_action"
                },
            )
            for e in new
            if e["event"] == "bot"
        ]
        ended = self.ended
        return Turn(messages, list(new), ended, None if ended else self.expecting())

    def expecting(self) -> dict[str, Any]:
        """What the bot waits for, so speech recognition can be biased."""
        loop = self.tracker.active_loop_name
        last_response = next(
            (
                (e.get("metadata") or {}).get("utter_action")
                for e in reversed(self.tracker.events)
                if e["event"] == "bot"
            ),
            None,
        )
        expecting = {
            "active_loop": loop,
            "requested_slot": self.tracker.get_slot(REQUESTED_SLOT) if loop else None,
            "language": self.language,
            "last_response": last_response,
        }
        # a project with a "country" slot: the country whose forms of answers are complete
        # (a tax number of its length and checksum)
        if (country := self.tracker.get_slot("country")) is not None:
            expecting["country"] = country
        return expecting
