"""Rules, stories and test stories (Rasa 3.x YAML) as lists of steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.dialog.nlu.data import parse_annotated
from voicebot.dialog.yamlio import LineDict, load_yaml, where

ANY_VALUE = object()  # `slot_was_set: [name]`: any value but none


class StoryError(ValueError):
    """A rule or story that cannot be read; the message names file and line."""


@dataclass
class UserStep:
    intent: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None  # test stories: what the user types
    location: str = ""
    annotated: str | None = None  # the text as written, with its [entity](annotations)


@dataclass
class ActionStep:
    name: str
    location: str = ""


@dataclass
class SlotStep:
    slots: dict[str, Any]
    location: str = ""


@dataclass
class LoopStep:
    name: str | None
    location: str = ""


Step = UserStep | ActionStep | SlotStep | LoopStep


@dataclass
class Story:
    name: str
    kind: str  # "rule" | "story"
    steps: list[Step]
    conditions: list[SlotStep | LoopStep] = field(default_factory=list)
    conversation_start: bool = False
    wait_for_user_input: bool = True
    location: str = ""
    start_checkpoints: list[str] = field(default_factory=list)
    end_checkpoints: list[str] = field(default_factory=list)


def _entities(raw: Any, location: str) -> list[dict[str, Any]]:
    found = []
    for item in raw or []:
        if isinstance(item, str):
            found.append({"entity": item})
        elif isinstance(item, dict) and "entity" in item:
            found.append(
                {k: v for k, v in item.items() if k in ("entity", "value", "role", "group")}
            )
        elif isinstance(item, dict) and len(item) == 1:
            name, value = next(iter(item.items()))
            found.append({"entity": str(name), "value": value})
        else:
            raise StoryError(f"{location}: cannot read entity {item!r}")
    return found


def _slots(raw: Any, location: str) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            slots[item] = ANY_VALUE
        elif isinstance(item, dict):
            slots.update({str(k): v for k, v in item.items()})
        else:
            raise StoryError(f"{location}: cannot read slot_was_set entry {item!r}")
    return slots


def _step(raw: Any, location: str, test: bool) -> list[Step | list[UserStep]]:
    if not isinstance(raw, dict):
        raise StoryError(f"{location}: a step must be a mapping")
    if "user" in raw or "intent" in raw:
        text = raw.get("user")
        written = str(text).strip() if text is not None else None
        entities = _entities(raw.get("entities"), location)
        if written is not None:
            text, annotated = parse_annotated(written, location)
            entities = entities or [
                {k: v for k, v in e.items() if k in ("entity", "value", "role", "group")}
                for e in annotated
            ]
        intent = raw.get("intent")
        if intent is None and not test:
            raise StoryError(f"{location}: a user step needs 'intent'")
        return [UserStep(str(intent) if intent else "", entities, text, location, written)]
    if "action" in raw:
        return [ActionStep(str(raw["action"]), location)]
    if "bot" in raw:
        return [ActionStep(f"bot:{raw['bot']}", location)]
    if "slot_was_set" in raw:
        return [SlotStep(_slots(raw["slot_was_set"], location), location)]
    if "active_loop" in raw:
        name = raw["active_loop"]
        return [LoopStep(str(name) if name else None, location)]
    if "or" in raw:
        options = [s for option in raw["or"] for s in _step(option, location, test)]
        if not all(isinstance(o, UserStep) for o in options):
            raise StoryError(f"{location}: 'or' supports only intent steps")
        return [options]
    if "checkpoint" in raw:
        return [_Checkpoint(str(raw["checkpoint"]))]  # type: ignore[list-item]
    raise StoryError(f"{location}: unknown step {dict(raw)!r}")


@dataclass
class _Checkpoint:
    name: str


_MAX_JOINED = 2000  # stories made by joining checkpoints, at most (a guard against cycles)


def _split_checkpoints(steps: list[Any]) -> tuple[list[str], list[Any], list[str]]:
    """Leading checkpoints (where a block continues), the steps, trailing checkpoints (where
    it goes on); a checkpoint in the middle of the steps is both."""
    start: list[str] = []
    while steps and isinstance(steps[0], _Checkpoint):
        start.append(steps.pop(0).name)
    end: list[str] = []
    while steps and isinstance(steps[-1], _Checkpoint):
        end.insert(0, steps.pop().name)
    return start, [s for s in steps if not isinstance(s, _Checkpoint)], end


def join_checkpoints(blocks: list[Story]) -> list[Story]:
    """Rasa's story graph: a block that ends in checkpoint X goes on with every block that
    starts with X; whole stories are the paths from a block without a start checkpoint to a
    block whose checkpoints no block continues."""
    continuing: dict[str, list[Story]] = {}
    for block in blocks:
        for name in block.start_checkpoints:
            continuing.setdefault(name, []).append(block)
    joined: list[Story] = []

    def walk(story: Story, depth: int) -> None:
        nexts = [b for name in story.end_checkpoints for b in continuing.get(name, [])]
        if not nexts or depth > 20 or len(joined) >= _MAX_JOINED:
            joined.append(story)
            return
        for block in nexts:
            walk(
                Story(
                    name=f"{story.name} > {block.name}",
                    kind=story.kind,
                    steps=[*story.steps, *block.steps],
                    conditions=story.conditions,
                    conversation_start=story.conversation_start,
                    wait_for_user_input=block.wait_for_user_input,
                    location=story.location,
                    end_checkpoints=block.end_checkpoints,
                ),
                depth + 1,
            )

    for block in blocks:
        if not block.start_checkpoints:
            walk(block, 0)
    return joined


def _expand(steps: list[Step | list[UserStep]]) -> list[list[Step]]:
    """`or` steps become one variant per option."""
    variants: list[list[Step]] = [[]]
    for step in steps:
        if isinstance(step, list):
            variants = [[*v, option] for v in variants for option in step]
        else:
            variants = [[*v, step] for v in variants]
    return variants


def _read_block(item: LineDict, kind: str, test: bool) -> list[Story]:
    name = str(item.get(kind))
    raw_steps = item.get("steps")
    if not isinstance(raw_steps, list):
        raise StoryError(f"{where(item)}: {kind} '{name}' needs a list of 'steps'")
    steps: list[Any] = []
    for index, raw in enumerate(raw_steps):
        steps += _step(raw, where(raw_steps, index), test)
    start, steps, end = _split_checkpoints(steps)
    conditions: list[SlotStep | LoopStep] = []
    raw_conditions = item.get("condition") or []
    for index, raw in enumerate(raw_conditions):
        for step in _step(raw, where(raw_conditions, index), test):
            if not isinstance(step, SlotStep | LoopStep):
                raise StoryError(f"{where(raw_conditions, index)}: a condition is a slot or loop")
            conditions.append(step)
    return [
        Story(
            name=name,
            kind=kind,
            steps=variant,
            conditions=conditions,
            conversation_start=bool(item.get("conversation_start", False)),
            wait_for_user_input=bool(item.get("wait_for_user_input", True)),
            location=where(item),
            start_checkpoints=start,
            end_checkpoints=end,
        )
        for variant in _expand(steps)
    ]


def load_stories(files: list[Path], *, test: bool = False) -> list[Story]:
    """All rules and stories in `files` (test stories with `test=True`)."""
    found: list[Story] = []
    for file in files:
        content = load_yaml(file)
        if not isinstance(content, dict):
            continue
        for kind, key in (("rule", "rules"), ("story", "stories")):
            blocks = content.get(key) or []
            if not isinstance(blocks, list):
                raise StoryError(f"{where(content, key)}: '{key}' must be a list")
            for block in blocks:
                if not isinstance(block, dict) or kind not in block:
                    raise StoryError(f"{where(blocks)}: each entry of '{key}' needs '{kind}'")
                found += _read_block(block, kind, test)
    return join_checkpoints(found)
