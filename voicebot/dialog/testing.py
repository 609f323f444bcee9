"""Running Rasa test stories against the engine. Each `user:` text goes through NLU and
must give the story's intent (and entities); the bot really runs its actions, and the actions
it runs must be the story's actions in order. `slot_was_set` and `active_loop` steps are
checked against the tracker; `slot_was_set` before the first user or action step sets the
conversation's starting slots.

As `rasa test` does, the failed stories are written back as YAML with the wrong prediction
marked on the step (`# predicted: ...`), and the intents of all test messages are reported
(precision, recall, F1 per intent, what each was confused with) as JSON."""

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
    failed_step: int | None = None  # index in story.steps
    predicted: str | None = None  # what the bot did there, as Rasa marks it


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


def _slots_hold(expected: dict[str, Any], slots: dict[str, Any]) -> bool:
    return all(_same(value, slots.get(name)) for name, value in expected.items())


def _shown_slots(slots: dict[str, Any], names: list[str]) -> str:
    shown = [
        f"'{n}' = {'any value' if v is ANY_VALUE else repr(v)}"
        for n, v in slots.items()
        if n in names
    ]
    return "(" + ", ".join(shown) + ")" if len(shown) > 1 else shown[0]


def run_story(agent: Agent, story: Story, language: str, index: int = 0) -> StoryResult:
    steps = list(story.steps)
    initial: dict[str, Any] = {}
    while steps and isinstance(first := steps[0], SlotStep) and not first.alternatives:
        steps.pop(0)
        initial.update({k: v for k, v in first.slots.items() if v is not ANY_VALUE})
    conv = agent.new_conversation(f"test-story-{index}", language=language, slots=initial)
    transcript: list[str] = []

    def fail(step: Any, message: str, predicted: str | None = None) -> StoryResult:
        index = next((i for i, s in enumerate(story.steps) if s is step), None)
        return StoryResult(
            story, False, f"{step.location}: {message}", transcript, index, predicted
        )

    start = len(conv.tracker.events)
    turn = conv.start()
    pending = _executed_actions(conv.tracker, turn.events, start)
    transcript += [f"  bot: {m.text}" for m in turn.messages]
    state_slots, state_loop = dict(conv.tracker.slots), conv.tracker.active_loop_name
    for step in steps:
        if isinstance(step, UserStep):
            if pending:
                return fail(
                    step,
                    f"expected the user to speak, but the bot ran '{pending[0].name}'",
                    pending[0].name,
                )
            if conv.ended:
                return fail(
                    step, "expected the user to speak, but the bot ended the conversation", "-"
                )
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
                    f"{got_intent}: {_annotated(text, parsed.get('entities') or [])}",
                )
            for want in step.entities:
                if not any(
                    e.get("entity") == want["entity"]
                    and ("value" not in want or _same(want["value"], e.get("value")))
                    for e in parsed.get("entities") or []
                ):
                    got = [(e.get("entity"), e.get("value")) for e in parsed.get("entities") or []]
                    return fail(
                        step,
                        f"'{text}': expected entity {want}, NLU found {got}",
                        f"{got_intent}: {_annotated(text, parsed.get('entities') or [])}",
                    )
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
                return fail(
                    step,
                    f"expected action '{step.name}', but the bot waited for the user",
                    ACTION_LISTEN,
                )
            executed = pending.pop(0)
            if executed.name != step.name:
                return fail(
                    step,
                    f"expected action '{step.name}', but the bot ran '{executed.name}'",
                    executed.name,
                )
            state_slots, state_loop = executed.slots, executed.loop
        elif isinstance(step, SlotStep):
            options = step.alternatives or [step.slots]
            if not any(_slots_hold(option, state_slots) for option in options):
                names = list(dict.fromkeys(n for option in options for n in option))
                if len(options) == 1:
                    names = [next(n for n in names if not _same(step.slots[n], state_slots.get(n)))]
                wanted = " or ".join(_shown_slots(option, names) for option in options)
                actual = ", ".join(f"'{n}' is {state_slots.get(n)!r}" for n in names)
                return fail(
                    step,
                    f"expected slot {wanted}, but {actual}",
                    ", ".join(
                        f"{n}: {json.dumps(state_slots.get(n), ensure_ascii=False)}" for n in names
                    ),
                )
        elif isinstance(step, LoopStep) and state_loop != step.name:
            return fail(
                step,
                f"expected active loop {step.name!r}, but it is {state_loop!r}",
                str(state_loop),
            )
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


def _annotated(text: str, entities: list[dict[str, Any]]) -> str:
    """The text with entities marked as Rasa training data marks them: [4](number)."""
    out, last = [], 0
    for entity in sorted(entities, key=lambda e: e.get("start", 0)):
        start, end = int(entity.get("start", 0)), int(entity.get("end", 0))
        if end <= start or start < last:
            continue
        surface = text[start:end]
        value = entity.get("value")
        label = entity["entity"] if str(value) == surface else f"{entity['entity']}:{value}"
        out += [text[last:start], f"[{surface}]({label})"]
        last = end
    out.append(text[last:])
    return "".join(out)


def _quoted(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _step_lines(step: Any, mark: str | None) -> list[str]:
    comment = f"  # predicted: {mark}" if mark is not None else ""
    if isinstance(step, UserStep):
        lines = []
        if step.text is not None:
            lines.append(f"  - user: {_quoted(step.annotated or step.text)}")
            lines.append(f"    intent: {step.intent}{comment}")
        else:
            lines.append(f"  - intent: {step.intent}{comment}")
        if step.entities and step.text is None:
            lines.append("    entities:")
            for entity in step.entities:
                value = entity.get("value")
                lines.append(
                    f"    - {entity['entity']}: {_quoted(value)}"
                    if value is not None
                    else f"    - {entity['entity']}"
                )
        return lines
    if isinstance(step, ActionStep):
        if step.name.startswith("bot:"):
            return [f"  - bot: {_quoted(step.name[4:])}{comment}"]
        return [f"  - action: {step.name}{comment}"]
    if isinstance(step, SlotStep) and step.alternatives:
        lines = [f"  - or:{comment}"]
        for option in step.alternatives:
            lines.append("    - slot_was_set:")
            for name, value in option.items():
                lines.append(
                    f"        - {name}"
                    if value is ANY_VALUE
                    else f"        - {name}: {_quoted(value)}"
                )
        return lines
    if isinstance(step, SlotStep):
        lines = ["  - slot_was_set:"]
        for name, value in step.slots.items():
            shown = f"    - {name}" if value is ANY_VALUE else f"    - {name}: {_quoted(value)}"
            lines.append(shown + (comment if len(lines) == 1 else ""))
        return lines
    if isinstance(step, LoopStep):
        return [f"  - active_loop: {step.name if step.name else 'null'}{comment}"]
    return []


def failed_stories_yaml(results: list[StoryResult]) -> str:
    """The failed test stories in Rasa's YAML, the wrong prediction marked on its step."""
    failed = [r for r in results if not r.passed]
    if not failed:
        return "# None of the test stories failed - all good!\n"
    lines = ['version: "3.1"', "stories:"]
    for result in failed:
        file = result.story.location.rsplit(":", 1)[0]
        lines.append(f"- story: {_quoted(f'{result.story.name} ({file})')}")
        lines.append("  steps:")
        for index, step in enumerate(result.story.steps):
            mark = result.predicted if index == result.failed_step else None
            lines += _step_lines(step, mark)
    return "\n".join(lines) + "\n"


def intent_report(predictions: list[tuple[str, str]]) -> dict[str, Any]:
    """(expected, predicted) intent pairs -> Rasa's intent_report.json: precision, recall,
    F1 and support per intent, the intents each was confused with, averages and accuracy."""
    from sklearn.metrics import classification_report

    expected = [e for e, _ in predictions]
    predicted = [p for _, p in predictions]
    labels = sorted(set(expected) | set(predicted))
    report: dict[str, Any] = classification_report(
        expected, predicted, labels=labels, output_dict=True, zero_division=0
    )
    confusion: dict[str, dict[str, int]] = {label: {} for label in labels}
    for want, got in predictions:
        if want != got:
            confusion[want][got] = confusion[want].get(got, 0) + 1
    for label in labels:
        report[label]["confused_with"] = dict(
            sorted(confusion[label].items(), key=lambda item: -item[1])
        )
    report["accuracy"] = (
        sum(e == p for e, p in predictions) / len(predictions) if predictions else 0.0
    )
    return report


def story_intents(agent: Agent, stories: list[Story], language_of: Any) -> list[tuple[str, str]]:
    """(expected, predicted) intent of every test message, once per step of the test files
    (stories joined at checkpoints or expanded at `or` share steps); `language_of(story)`
    names the language to parse it in."""
    seen: set[tuple[str, str, str]] = set()
    pairs = []
    for story in stories:
        language = language_of(story)
        for step in story.steps:
            if not isinstance(step, UserStep) or step.text is None or not step.intent:
                continue
            key = (step.location, step.text, language)
            if key in seen:
                continue
            seen.add(key)
            parsed = agent.nlu(language).parse(step.text)
            pairs.append((step.intent, str(parsed["intent"]["name"])))
    return pairs
