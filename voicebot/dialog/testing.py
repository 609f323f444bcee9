"""Running Rasa test stories against the engine. Each `user:` text goes through NLU and
must give the story's intent (and entities); the bot really runs its actions, and the actions
it runs must be the story's actions in order. `slot_was_set` and `active_loop` steps are
checked against the tracker; `slot_was_set` before the first user or action step sets the
conversation's starting slots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from voicebot.dialog.agent import Agent
from voicebot.dialog.domain import ACTION_LISTEN, ACTION_SESSION_START
from voicebot.dialog.events import Event
from voicebot.dialog.stories import ANY_VALUE, ActionStep, LoopStep, SlotStep, Story, UserStep
from voicebot.dialog.tracker import Tracker


@dataclass
class StoryResult:
    story: Story
    passed: bool
    divergence: str | None = None
    transcript: list[str] = field(default_factory=list)


@dataclass
class _Executed:
    name: str
    slots: dict[str, Any]
    loop: str | None


def _executed_actions(
    tracker: Tracker, new_events: list[Event], first_index: int
) -> list[_Executed]:
    """Actions the bot ran in a turn, each with the slots and loop after its events."""
    found: list[_Executed] = []
    replay = Tracker(tracker.sender_id, tracker._domain, tracker.events[:first_index])
    for event in new_events:
        replay.update(event)
        if event["event"] == "action" and event.get("name") not in (
            ACTION_LISTEN,
            ACTION_SESSION_START,
        ):
            found.append(_Executed(event["name"], dict(replay.slots), replay.active_loop_name))
        elif found:
            found[-1].slots, found[-1].loop = dict(replay.slots), replay.active_loop_name
    return found


def _same(expected: Any, actual: Any) -> bool:
    if expected is ANY_VALUE:
        return actual is not None
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.lower() == actual.lower()
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return bool(expected == actual)


def run_story(agent: Agent, story: Story, language: str, index: int = 0) -> StoryResult:
    steps = list(story.steps)
    initial: dict[str, Any] = {}
    while steps and isinstance(steps[0], SlotStep):
        initial.update({k: v for k, v in steps.pop(0).slots.items() if v is not ANY_VALUE})
    conv = agent.new_conversation(f"test-story-{index}", language=language, slots=initial)
    transcript: list[str] = []

    def fail(step: Any, message: str) -> StoryResult:
        return StoryResult(story, False, f"{step.location}: {message}", transcript)

    start = len(conv.tracker.events)
    turn = conv.start()
    pending = _executed_actions(conv.tracker, turn.events, start)
    transcript += [f"  bot: {m.text}" for m in turn.messages]
    state_slots, state_loop = dict(conv.tracker.slots), conv.tracker.active_loop_name
    for step in steps:
        if isinstance(step, UserStep):
            if pending:
                return fail(
                    step, f"expected the user to speak, but the bot ran '{pending[0].name}'"
                )
            if conv.ended:
                return fail(step, "expected the user to speak, but the bot ended the conversation")
            text = step.text if step.text is not None else _intent_message(step)
            start = len(conv.tracker.events)
            turn = conv.handle(text)
            transcript.append(f"  user: {text}")
            user_event = next(e for e in turn.events if e["event"] == "user")
            parsed = user_event.get("parse_data") or {}
            got_intent = (parsed.get("intent") or {}).get("name")
            if step.intent and got_intent != step.intent:
                return fail(
                    step,
                    f"'{text}' was understood as intent '{got_intent}', expected '{step.intent}'",
                )
            for want in step.entities:
                if not any(
                    e.get("entity") == want["entity"]
                    and ("value" not in want or _same(want["value"], e.get("value")))
                    for e in parsed.get("entities") or []
                ):
                    got = [(e.get("entity"), e.get("value")) for e in parsed.get("entities") or []]
                    return fail(step, f"'{text}': expected entity {want}, NLU found {got}")
            transcript += [f"  bot: {m.text}" for m in turn.messages]
            pending = _executed_actions(conv.tracker, turn.events, start)
            replay = Tracker(
                conv.tracker.sender_id,
                agent.domain,
                conv.tracker.events[: start + _user_end(turn.events)],
            )
            state_slots, state_loop = dict(replay.slots), replay.active_loop_name
        elif isinstance(step, ActionStep):
            if not pending:
                return fail(step, f"expected action '{step.name}', but the bot waited for the user")
            executed = pending.pop(0)
            if executed.name != step.name:
                return fail(
                    step, f"expected action '{step.name}', but the bot ran '{executed.name}'"
                )
            state_slots, state_loop = executed.slots, executed.loop
        elif isinstance(step, SlotStep):
            for name, expected in step.slots.items():
                if not _same(expected, state_slots.get(name)):
                    shown = "any value" if expected is ANY_VALUE else repr(expected)
                    return fail(
                        step,
                        f"expected slot '{name}' = {shown}, but it is {state_slots.get(name)!r}",
                    )
        elif isinstance(step, LoopStep) and state_loop != step.name:
            return fail(step, f"expected active loop {step.name!r}, but it is {state_loop!r}")
    return StoryResult(story, True, None, transcript)


def _user_end(events: list[Event]) -> int:
    """Index just after the user message and the slots it filled."""
    for index, event in enumerate(events):
        if (
            event["event"] == "action"
            and event.get("name") != ACTION_LISTEN
            and index > 0
            and any(e["event"] == "user" for e in events[:index])
        ):
            return index
    return len(events)


def _intent_message(step: UserStep) -> str:
    entities: dict[str, Any] = {}
    for entity in step.entities:
        if "value" in entity:
            entities[entity["entity"]] = entity["value"]
    return f"/{step.intent}" + (json.dumps(entities) if entities else "")


def run_stories(agent: Agent, stories: list[Story], language: str) -> list[StoryResult]:
    return [run_story(agent, story, language, i) for i, story in enumerate(stories)]
