"""Rules, stories and test stories (Rasa 3.x YAML) as lists of steps.

Story blocks are joined at checkpoints as Rasa's story graph joins them, and a checkpoint
that joins nothing (misspelt, or never reached) is reported as Rasa warns about it: see
`read_story_graph`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from voicebot.dialog.nlu.data import parse_annotated
from voicebot.dialog.yamlio import LineDict, load_yaml, where

log = logging.getLogger(__name__)

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
    # a test story's `or` of slot_was_set steps: any one of these must hold (`slots` is the
    # first of them); empty for a plain slot_was_set step
    alternatives: list[dict[str, Any]] = field(default_factory=list)


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
    # a joined story that stops at a checkpoint no block continues from (Rasa keeps it too)
    cut_at: list[str] = field(default_factory=list)
    block_name: str = ""  # the block (of the last part) without its `or` variant suffix
    block_id: int | None = None  # which block of the files the last part comes from
    checkpoint_locations: dict[str, str] = field(default_factory=dict, repr=False)


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


@dataclass
class _Checkpoint:
    name: str
    location: str = ""


def _step(raw: Any, location: str, test: bool) -> list[Any]:
    """The step(s) one YAML step is: a Step, a list of options (`or`), or a _Checkpoint."""
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
        return [_or_step(raw["or"], location, test)]
    if "checkpoint" in raw:
        return [_Checkpoint(str(raw["checkpoint"]), location)]
    raise StoryError(f"{location}: unknown step {dict(raw)!r}")


def _or_step(raw: Any, location: str, test: bool) -> Any:
    """`or` of user steps: a list, one story variant per option. `or` of slot_was_set steps
    (Rasa allows both): in a test story one step any of whose options may hold, since the bot
    sets one value; in a training story a list, one variant per option, as Rasa trains them."""
    if not isinstance(raw, list) or not raw:
        raise StoryError(f"{location}: 'or' needs a list of steps")
    options = [s for option in raw for s in _step(option, location, test)]
    if all(isinstance(o, UserStep) for o in options):
        return options
    if all(isinstance(o, SlotStep) for o in options):
        if not test:
            return options
        return SlotStep(dict(options[0].slots), location, [dict(o.slots) for o in options])
    raise StoryError(
        f"{location}: 'or' takes either user/intent steps or slot_was_set steps, not a mix"
    )


@dataclass
class CheckpointWarning:
    """A checkpoint that joins nothing (Rasa warns: 'Unsatisfied start/end checkpoint')."""

    location: str  # file:line of the checkpoint step (or of the block)
    message: str

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}"


@dataclass
class StoryGraph:
    stories: list[Story]  # whole stories: blocks joined at checkpoints, `or` expanded
    warnings: list[CheckpointWarning] = field(default_factory=list)


_MAX_JOINED = 2000  # stories made by joining checkpoints, at most (a guard against cycles)
_MAX_DEPTH = 20  # parts in one joined story, at most


@dataclass
class _Segment:
    """A part of a block between checkpoints, with the checkpoints around it."""

    steps: list[Any]
    start: list[_Checkpoint]
    end: list[_Checkpoint]


def _split_checkpoints(steps: list[Any]) -> list[_Segment]:
    """A block's steps cut at its checkpoints. Leading checkpoints are where the block
    continues another; trailing ones where it goes on; a checkpoint in the middle counts as
    both, as in Rasa: it ends the part before it (which goes on with every block starting
    with it) and starts the part after it (which any block ending with it continues)."""
    segments: list[_Segment] = []
    start: list[_Checkpoint] = []
    current: list[Any] = []
    pending: list[_Checkpoint] = []
    for step in steps:
        if isinstance(step, _Checkpoint):
            pending.append(step)
            continue
        if pending and current:
            segments.append(_Segment(current, start, pending))
            start, current = pending, []
        elif pending:
            start = [*start, *pending]
        pending = []
        current.append(step)
    if current or not segments:
        segments.append(_Segment(current, start, pending))
    else:
        segments[-1].end += pending
    return segments


def _expand(steps: list[Any]) -> list[list[Step]]:
    """`or` steps (lists of options) become one variant per option."""
    variants: list[list[Step]] = [[]]
    for step in steps:
        if isinstance(step, list):
            variants = [[*v, option] for v in variants for option in step]
        else:
            variants = [[*v, step] for v in variants]
    return variants


def _variant_name(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name} (or {index}/{count})"


def join_checkpoints(blocks: list[Story]) -> list[Story]:
    """The whole stories the blocks make (see _join)."""
    return _join(blocks, [])


def _join(blocks: list[Story], warnings: list[CheckpointWarning]) -> list[Story]:
    """Rasa's story graph: a block that ends in checkpoint X goes on with every block that
    starts with X; whole stories are the paths from a block without a start checkpoint to a
    block that ends without one, or whose checkpoint no block continues (then the story is
    cut short there, as Rasa keeps it, and `cut_at` names the checkpoint). A path that would
    run into a part already on it ends there."""
    continuing: dict[str, list[Story]] = {}
    for block in blocks:
        for name in block.start_checkpoints:
            continuing.setdefault(name, []).append(block)
    _warn_unjoined(blocks, continuing, warnings)
    joined: list[Story] = []

    def walk(story: Story, path: list[int]) -> None:
        if len(joined) >= _MAX_JOINED:
            return
        unjoined = [n for n in story.end_checkpoints if n not in continuing]
        nexts: dict[int, Story] = {}
        for name in story.end_checkpoints:
            for block in continuing.get(name, []):
                if id(block) not in path:
                    nexts.setdefault(id(block), block)
        too_deep = len(path) >= _MAX_DEPTH
        if not nexts or unjoined or too_deep:
            joined.append(replace(story, cut_at=unjoined))
        if too_deep:
            return
        for block in nexts.values():
            # the part after a checkpoint in the middle of the same block adds no new name
            same = block.block_id is not None and block.block_id == story.block_id
            name = (
                story.name + block.name[len(block.block_name) :]
                if same
                else f"{story.name} > {block.name}"
            )
            walk(
                replace(
                    story,
                    name=name,
                    steps=[*story.steps, *block.steps],
                    wait_for_user_input=block.wait_for_user_input,
                    end_checkpoints=block.end_checkpoints,
                    block_name=block.block_name,
                    block_id=block.block_id,
                ),
                [*path, id(block)],
            )

    for block in blocks:
        if not block.start_checkpoints:
            walk(block, [id(block)])
    return joined


def _warn_unjoined(
    blocks: list[Story], continuing: dict[str, list[Story]], warnings: list[CheckpointWarning]
) -> None:
    """Rasa's warnings on checkpoints that join nothing: a start checkpoint that no
    reachable block ends with (the steps after it never run), an end checkpoint no block
    starts with (the story stops there), and no block to start from at all."""
    if not blocks:
        return
    ended = {name for block in blocks for name in block.end_checkpoints}
    reached: set[str] = set()
    reachable: set[int] = set()
    changed = True
    while changed:
        changed = False
        for block in blocks:
            if id(block) in reachable:
                continue
            if not block.start_checkpoints or set(block.start_checkpoints) & reached:
                reachable.add(id(block))
                reached.update(block.end_checkpoints)
                changed = True
    seen: set[tuple[str, str]] = set()

    def warn(location: str, message: str) -> None:
        if (location, message) not in seen:
            seen.add((location, message))
            warnings.append(CheckpointWarning(location, message))

    if all(block.start_checkpoints for block in blocks):
        warn(
            blocks[0].location,
            "there is no starting story block: every block starts with a checkpoint, so "
            "none of them is run",
        )
    for block in blocks:
        what = f"{block.kind} '{block.block_name or block.name}'"
        for name in block.start_checkpoints:
            if name in reached:
                continue
            location = block.checkpoint_locations.get(name, block.location)
            if name not in ended:
                warn(
                    location,
                    f"unsatisfied start checkpoint '{name}' in {what}: no story block ends "
                    "with it, so the steps after it are never run (misspelt? remove it or "
                    "add a block that ends with it)",
                )
            else:
                warn(
                    location,
                    f"start checkpoint '{name}' in {what} is never reached: the blocks "
                    "that end with it cannot be reached from a story start",
                )
        for name in block.end_checkpoints:
            if name not in continuing:
                warn(
                    block.checkpoint_locations.get(name, block.location),
                    f"unsatisfied end checkpoint '{name}' in {what}: no story block starts "
                    "with it, so the story stops there (misspelt? remove it or add a block "
                    "that starts with it)",
                )


def _read_block(item: LineDict, kind: str, test: bool, block_id: int) -> list[Story]:
    """A block's parts (cut at checkpoints), each `or` variant of a part its own Story."""
    name = str(item.get(kind))
    raw_steps = item.get("steps")
    if not isinstance(raw_steps, list):
        raise StoryError(f"{where(item)}: {kind} '{name}' needs a list of 'steps'")
    steps: list[Any] = []
    for index, raw in enumerate(raw_steps):
        steps += _step(raw, where(raw_steps, index), test)
    conditions: list[SlotStep | LoopStep] = []
    raw_conditions = item.get("condition") or []
    for index, raw in enumerate(raw_conditions):
        for step in _step(raw, where(raw_conditions, index), test):
            if not isinstance(step, SlotStep | LoopStep):
                raise StoryError(f"{where(raw_conditions, index)}: a condition is a slot or loop")
            conditions.append(step)
    parts: list[Story] = []
    for number, segment in enumerate(_split_checkpoints(steps)):
        variants = _expand(segment.steps)
        checkpoints = segment.start + segment.end
        for index, variant in enumerate(variants, 1):
            parts.append(
                Story(
                    name=_variant_name(name, index, len(variants)),
                    kind=kind,
                    steps=variant,
                    conditions=conditions if number == 0 else [],
                    conversation_start=bool(item.get("conversation_start", False)),
                    wait_for_user_input=bool(item.get("wait_for_user_input", True)),
                    location=where(item),
                    start_checkpoints=[c.name for c in segment.start],
                    end_checkpoints=[c.name for c in segment.end],
                    block_name=name,
                    block_id=block_id,
                    checkpoint_locations={c.name: c.location for c in checkpoints},
                )
            )
    return parts


def read_story_graph(files: list[Path], *, test: bool = False) -> StoryGraph:
    """All rules and stories in `files` (test stories with `test=True`) joined at their
    checkpoints, with a warning for each checkpoint that joins nothing."""
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
                if not isinstance(block, LineDict) or kind not in block:
                    raise StoryError(f"{where(blocks)}: each entry of '{key}' needs '{kind}'")
                found += _read_block(block, kind, test, len(found))
    warnings: list[CheckpointWarning] = []
    return StoryGraph(_join(found, warnings), warnings)


_logged: set[str] = set()


def load_stories(files: list[Path], *, test: bool = False) -> list[Story]:
    """All rules and stories in `files` (test stories with `test=True`), joined at their
    checkpoints; a checkpoint that joins nothing is logged as a warning (once a process)."""
    graph = read_story_graph(files, test=test)
    for warning in graph.warnings:
        if str(warning) not in _logged:
            _logged.add(str(warning))
            log.warning("%s", warning)
    return graph.stories
