"""Running one action: responses (`utter_*`), forms, Rasa's built-in actions and rasa-sdk
custom actions. Returns the events the action produced; the caller logs `ActionExecuted`."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

from voicebot.dialog import events as ev
from voicebot.dialog.custom_actions import ActionRejected, CustomActionError, CustomActionRunner
from voicebot.dialog.domain import (
    ACTION_ASK_AFFIRMATION,
    ACTION_ASK_REPHRASE,
    ACTION_BACK,
    ACTION_DEACTIVATE_LOOP,
    ACTION_DEFAULT_FALLBACK,
    ACTION_EXTRACT_SLOTS,
    ACTION_HANGUP,
    ACTION_LISTEN,
    ACTION_RESTART,
    ACTION_REVERT_FALLBACK,
    ACTION_SESSION_START,
    ACTION_TWO_STAGE_FALLBACK,
    ACTION_UNLIKELY_INTENT,
    ACTION_VALIDATE_SLOT_MAPPINGS,
    BUILTIN_ACTIONS,
    REQUESTED_SLOT,
    SESSION_METADATA_SLOT,
    Domain,
)
from voicebot.dialog.events import Event
from voicebot.dialog.responses import render
from voicebot.dialog.slot_mapping import extract_slots, trigger_intent_slots
from voicebot.dialog.tracker import Tracker

log = logging.getLogger(__name__)
_NOT_OVERRIDABLE = {ACTION_LISTEN, ACTION_EXTRACT_SLOTS}
_MESSAGE_DATA_KEYS = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")


class UnknownActionError(LookupError):
    """The policies predicted an action nobody can run."""


@dataclass
class Outcome:
    events: list[Event] = field(default_factory=list)
    rejected: bool = False
    error: str | None = None


@dataclass
class RunContext:
    """Per-conversation things an action may need."""

    rng: random.Random
    initial_slots: dict[str, Any] = field(default_factory=dict)
    session_metadata: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None


class ActionRunner:
    def __init__(self, domain: Domain, custom: CustomActionRunner | None) -> None:
        self.domain = domain
        self.custom = custom
        self._domain_dict = domain.as_rasa_dict()
        self._custom_names = custom.names() if custom is not None else set()

    # --- what exists ----------------------------------------------------------------------
    def has_custom(self, name: str) -> bool:
        if self.custom is None:
            return False
        return self._custom_names is None or name in self._custom_names

    def is_known(self, name: str) -> bool:
        return (
            name in BUILTIN_ACTIONS
            or name in self.domain.responses
            or name in self.domain.forms
            or name in self.domain.actions
        )

    # --- running --------------------------------------------------------------------------
    def run(self, name: str, tracker: Tracker, ctx: RunContext) -> Outcome:
        try:
            return self._run(name, tracker, ctx)
        except ActionRejected:
            return Outcome(rejected=True)
        except (CustomActionError, UnknownActionError) as exc:
            log.error("action %s failed: %s", name, exc)
            return Outcome(error=str(exc))

    def _run(self, name: str, tracker: Tracker, ctx: RunContext) -> Outcome:
        overridden = (
            name in self.domain.actions and name not in _NOT_OVERRIDABLE and self.has_custom(name)
        )
        if not overridden:
            builtin = self._builtin(name, tracker, ctx)
            if builtin is not None:
                return Outcome(builtin)
            if name in self.domain.forms:
                return self._run_form(name, tracker, ctx)
            if name in self.domain.responses:
                return Outcome(self.utter(name, tracker, ctx))
        if self.has_custom(name) and name in self.domain.actions:
            return Outcome(self.run_custom(name, tracker, ctx))
        if name.startswith("utter_"):
            raise UnknownActionError(f"response '{name}' is not defined in the domain")
        raise UnknownActionError(
            f"action '{name}' is not in the domain or has no custom action implementation"
        )

    def utter(
        self, name: str, tracker: Tracker, ctx: RunContext, extra: dict[str, Any] | None = None
    ) -> list[Event]:
        message = render(self.domain, name, tracker.slots, ctx.rng, extra, ctx.channel)
        if message is None:
            log.warning("response %s has no variation for the current slots", name)
            return []
        return [self._bot_event(message, name)]

    @staticmethod
    def _bot_event(message: dict[str, Any], response: str | None) -> Event:
        data = {k: message[k] for k in _MESSAGE_DATA_KEYS if message.get(k)}
        metadata = dict(message.get("metadata") or {})
        if response:
            metadata["utter_action"] = response
        return ev.bot(message.get("text"), data, metadata)

    def run_custom(self, name: str, tracker: Tracker, ctx: RunContext) -> list[Event]:
        assert self.custom is not None
        result = self.custom.run(name, tracker.current_state(), self._domain_dict)
        events: list[Event] = []
        for response in result.get("responses") or []:
            events += self._response_to_events(response, tracker, ctx)
        for event in result.get("events") or []:
            try:
                events.append(ev.normalise(event))
            except ValueError as exc:
                log.error("custom action %s returned a bad event: %s", name, exc)
        return events

    def _response_to_events(
        self, response: dict[str, Any], tracker: Tracker, ctx: RunContext
    ) -> list[Event]:
        template = response.get("response") or response.get("template")
        known = {
            "text",
            "buttons",
            "elements",
            "custom",
            "template",
            "response",
            "image",
            "attachment",
            "quick_replies",
        }
        extra = {k: v for k, v in response.items() if k not in known}
        if template:
            message = render(self.domain, template, tracker.slots, ctx.rng, extra, ctx.channel)
            if message is None:
                log.error("custom action uttered unknown response %s", template)
                if not response.get("text"):
                    return []
                message = {}
            merged = {**message, **{k: v for k, v in response.items() if v and k in known}}
            if response.get("text"):
                merged["text"] = response["text"]
            # as in Rasa, a custom action's `metadata=` rides on the bot event (the call
            # layer reads how to say it, e.g. more slowly, from there)
            if isinstance(response.get("metadata"), dict):
                merged["metadata"] = {**(message.get("metadata") or {}), **response["metadata"]}
            return [self._bot_event(merged, template)]
        if any(response.get(k) for k in ("text", *_MESSAGE_DATA_KEYS)):
            data = dict(response)
            if response.get("custom"):
                data["custom"] = response["custom"]
            return [self._bot_event(data, None)]
        return []

    # --- built-ins ------------------------------------------------------------------------
    def _builtin(self, name: str, tracker: Tracker, ctx: RunContext) -> list[Event] | None:
        if name in (ACTION_LISTEN, ACTION_UNLIKELY_INTENT, ACTION_REVERT_FALLBACK):
            return []
        if name == ACTION_HANGUP:
            return self._optional_utter("utter_hangup", tracker, ctx)
        if name == ACTION_RESTART:
            return [*self._optional_utter("utter_restart", tracker, ctx), ev.restarted()]
        if name == ACTION_SESSION_START:
            return self.session_start_events(tracker, ctx)
        if name in (ACTION_DEFAULT_FALLBACK, ACTION_TWO_STAGE_FALLBACK):
            return [
                *self._optional_utter("utter_default", tracker, ctx),
                ev.user_utterance_reverted(),
            ]
        if name == ACTION_DEACTIVATE_LOOP:
            return [ev.active_loop(None), ev.slot(REQUESTED_SLOT, None)]
        if name == ACTION_BACK:
            return [
                *self._optional_utter("utter_back", tracker, ctx),
                ev.user_utterance_reverted(),
                ev.user_utterance_reverted(),
            ]
        if name == ACTION_ASK_REPHRASE:
            return self._optional_utter("utter_ask_rephrase", tracker, ctx)
        if name == ACTION_ASK_AFFIRMATION:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            extra = {"intent": intent}
            return (
                self.utter("utter_ask_affirmation", tracker, ctx, extra)
                if ("utter_ask_affirmation" in self.domain.responses)
                else [ev.bot(f"Did you mean '{intent}'?", {}, {})]
            )
        if name == ACTION_EXTRACT_SLOTS:
            return self.extract_slot_events(tracker, ctx)
        return None

    def _optional_utter(self, response: str, tracker: Tracker, ctx: RunContext) -> list[Event]:
        return self.utter(response, tracker, ctx) if response in self.domain.responses else []

    def session_start_events(self, tracker: Tracker, ctx: RunContext) -> list[Event]:
        carried: dict[str, Any] = {}
        if self.domain.session_config.carry_over_slots:
            initial = self.domain.initial_slot_values()
            carried = {
                k: v
                for k, v in tracker.slots.items()
                if k != REQUESTED_SLOT and v != initial.get(k)
            }
        slots = {**carried, **ctx.initial_slots}
        found = [ev.session_started()]
        if ctx.session_metadata:
            found.append(ev.slot(SESSION_METADATA_SLOT, ctx.session_metadata))
        found += [ev.slot(k, v) for k, v in slots.items() if k in self.domain.slots]
        return found

    def extract_slot_events(self, tracker: Tracker, ctx: RunContext) -> list[Event]:
        found = extract_slots(self.domain, tracker)
        if ACTION_VALIDATE_SLOT_MAPPINGS in self.domain.actions and self.has_custom(
            ACTION_VALIDATE_SLOT_MAPPINGS
        ):
            temp = Tracker(
                tracker.sender_id,
                self.domain,
                [*tracker.events, ev.action(ACTION_VALIDATE_SLOT_MAPPINGS), *found],
            )
            try:
                validated = self.run_custom(ACTION_VALIDATE_SLOT_MAPPINGS, temp, ctx)
            except ActionRejected:
                validated = []
            names = {e["name"] for e in validated if e["event"] == "slot"}
            found = validated + [e for e in found if e["name"] not in names]
        return found

    # --- forms ----------------------------------------------------------------------------
    def _run_form(self, form_name: str, tracker: Tracker, ctx: RunContext) -> Outcome:
        form = self.domain.forms[form_name]
        events: list[Event] = []
        activating = tracker.active_loop_name != form_name
        if activating:
            events.append(ev.active_loop(form_name))
            temp = _with(tracker, self.domain, events)
            triggered = trigger_intent_slots(self.domain, temp, form_name)
            temp = _with(tracker, self.domain, events + triggered)
            prefilled = {
                s: temp.get_slot(s) for s in form.required_slots if temp.get_slot(s) is not None
            }
            events += self._validate(form_name, prefilled, tracker, events, ctx)
        elif tracker.latest_action_name == ACTION_LISTEN and not tracker.active_loop.get(
            "is_interrupted"
        ):
            requested = tracker.get_slot(REQUESTED_SLOT)
            required = set(form.required_slots) | ({requested} if requested else set())
            candidates = {
                e["name"]: e.get("value")
                for e in tracker.events_since_latest_user()
                if e["event"] == "slot" and e["name"] in required
            }
            validated = self._validate(form_name, candidates, tracker, events, ctx)
            filled = any(e["event"] == "slot" and e["name"] != REQUESTED_SLOT for e in validated)
            if requested and not filled and not _manually_rejected(validated):
                raise ActionRejected(f"{form_name}: nothing extracted for '{requested}'")
            events += validated
        else:
            # back to the form after an interruption: ask again, validate nothing
            events += self._validate(form_name, {}, tracker, events, ctx)
        if _manually_rejected(events):
            return Outcome(events)
        if not _is_done(events):
            events += self._request_next_slot(form_name, tracker, events, ctx)
        if _is_done(events):
            events.append(ev.active_loop(None))
        return Outcome(events)

    def _validate(
        self,
        form_name: str,
        candidates: dict[str, Any],
        tracker: Tracker,
        events_so_far: list[Event],
        ctx: RunContext,
    ) -> list[Event]:
        slot_events = [ev.slot(k, v) for k, v in candidates.items()]
        validator = f"validate_{form_name}"
        if validator not in self.domain.actions or not self.has_custom(validator):
            return slot_events
        requested = (
            tracker.get_slot(REQUESTED_SLOT) if tracker.active_loop_name == form_name else None
        )
        temp = Tracker(
            tracker.sender_id,
            self.domain,
            [
                *tracker.events,
                *events_so_far,
                ev.slot(REQUESTED_SLOT, requested),
                ev.action(form_name),
                *slot_events,
            ],
        )
        validated = self.run_custom(validator, temp, ctx)
        names = {e["name"] for e in validated if e["event"] == "slot"}
        # a candidate the validator did not mention stays valid, as in Rasa
        return validated + [e for e in slot_events if e["name"] not in names]

    def _request_next_slot(
        self, form_name: str, tracker: Tracker, events_so_far: list[Event], ctx: RunContext
    ) -> list[Event]:
        form = self.domain.forms[form_name]
        slot_name = next(
            (
                e.get("value")
                for e in events_so_far
                if e["event"] == "slot" and e["name"] == REQUESTED_SLOT
            ),
            None,
        )
        found: list[Event] = []
        temp = _with(tracker, self.domain, events_so_far)
        if not slot_name:
            slot_name = next((s for s in form.required_slots if temp.get_slot(s) is None), None)
            found.append(ev.slot(REQUESTED_SLOT, slot_name))
        if not slot_name:
            return [ev.slot(REQUESTED_SLOT, None)]
        temp = _with(tracker, self.domain, events_so_far + found)
        for candidate in (
            f"action_ask_{form_name}_{slot_name}",
            f"utter_ask_{form_name}_{slot_name}",
            f"action_ask_{slot_name}",
            f"utter_ask_{slot_name}",
        ):
            if candidate in self.domain.responses:
                return found + self.utter(candidate, temp, ctx)
            if candidate in self.domain.actions and self.has_custom(candidate):
                return found + self.run_custom(candidate, temp, ctx)
        log.debug("no response or action asks for slot %s", slot_name)
        return found


def _with(tracker: Tracker, domain: Domain, extra: list[Event]) -> Tracker:
    return Tracker(tracker.sender_id, domain, [*tracker.events, *extra]) if extra else tracker


def _manually_rejected(events: list[Event]) -> bool:
    return any(e["event"] == "action_execution_rejected" for e in events)


def _is_done(events: list[Event]) -> bool:
    if _manually_rejected(events):
        return False
    last_requested = next(
        (e for e in reversed(events) if e["event"] == "slot" and e["name"] == REQUESTED_SLOT), None
    )
    last_loop = next((e for e in reversed(events) if e["event"] == "active_loop"), None)
    return bool(
        (last_requested is not None and last_requested.get("value") is None)
        or (last_loop is not None and not last_loop.get("name"))
    )
