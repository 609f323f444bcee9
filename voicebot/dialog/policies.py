"""Choosing the next action: Rasa's RulePolicy semantics (default actions, the form loop,
rules with conditions, conversation start and `wait_for_user_input`), MemoizationPolicy over
stories, and a fallback. The tracker history is reduced to a list of turns (user intents and
actions) with the slot/loop state after each, and rule and story snippets are matched against
its tail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voicebot.dialog.domain import (
    ACTION_BACK,
    ACTION_DEFAULT_FALLBACK,
    ACTION_LISTEN,
    ACTION_RESTART,
    ACTION_SESSION_START,
    ACTION_VALIDATE_SLOT_MAPPINGS,
    Domain,
)
from voicebot.dialog.events import Event
from voicebot.dialog.stories import ANY_VALUE, ActionStep, LoopStep, SlotStep, Story, UserStep
from voicebot.dialog.tracker import Tracker

# Actions that are bookkeeping, not conversation turns.
_INVISIBLE_ACTIONS = {
    ACTION_LISTEN,
    ACTION_SESSION_START,
    "action_extract_slots",
    ACTION_VALIDATE_SLOT_MAPPINGS,
}
_DEFAULT_INTENT_ACTIONS = {
    "restart": ACTION_RESTART,
    "back": ACTION_BACK,
    "session_start": ACTION_SESSION_START,
}
_UNSET = object()


@dataclass
class State:
    loop: str | None
    slots: dict[str, Any]


@dataclass
class Turn:
    kind: str  # "user" | "action"
    name: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    after: State | None = None


@dataclass
class Constraint:
    loop: Any = _UNSET  # _UNSET: not constrained
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class Snippet:
    turns: list[Turn]
    constraints: dict[int, Constraint]  # index -1: before the first turn
    action: str
    at_start: bool
    source: Story

    @property
    def weight(self) -> int:
        return len(self.turns) * 10 + sum(
            len(c.slots) + (c.loop is not _UNSET) for c in self.constraints.values()
        )


@dataclass
class Prediction:
    action: str
    policy: str
    confidence: float = 1.0
    source: str | None = None  # the rule/story that predicted it


def collapse_loop_repeats(applied: list[Event]) -> list[Event]:
    """Rasa's view of a form's happy path: repeated runs of the same loop between user
    answers count as one (so rules and stories about forms stay short)."""
    loop_names = {e.get("name") for e in applied if e["event"] == "active_loop" and e.get("name")}
    result: list[Event] = []
    for event in applied:
        if (
            event["event"] == "action"
            and event.get("name") in loop_names
            and not _first_run_or_unhappy(event["name"], result)
        ):
            offset = 0
            for previous in reversed(result[:]):
                if previous["event"] == "action" and previous.get("name") == event["name"]:
                    break
                if previous["event"] in ("action", "user"):
                    del result[len(result) - 1 - offset]
                else:
                    offset += 1
            continue
        result.append(event)
    return result


def _first_run_or_unhappy(loop: str, applied: list[Event]) -> bool:
    next_action: str | None = None
    for event in reversed(applied):
        kind = event["event"]
        if kind == "active_loop" and not event.get("name"):
            return True
        if kind == "action_execution_rejected" and event.get("name") == loop:
            return True
        if kind == "user" and next_action is not None and next_action != loop:
            return True
        if kind == "action":
            if event.get("name") == loop:
                return False
            if event.get("name") not in _INVISIBLE_ACTIONS:
                next_action = event.get("name")
    return True


def tracker_turns(
    tracker: Tracker, domain: Domain, collapse: bool = False
) -> tuple[State, list[Turn]]:
    """The start state and the turns since the session started, each with its after-state.
    Rules see every turn; stories see a form's happy path collapsed into its first run."""
    state = State(None, domain.initial_slot_values())
    start = State(state.loop, dict(state.slots))
    turns: list[Turn] = []

    def close_previous() -> None:
        snapshot = State(state.loop, dict(state.slots))
        if turns:
            turns[-1].after = snapshot

    applied = tracker.applied_events()
    for event in collapse_loop_repeats(applied) if collapse else applied:
        kind = event["event"]
        if kind == "user":
            close_previous()
            intent = (event.get("parse_data") or {}).get("intent") or {}
            entities = (event.get("parse_data") or {}).get("entities") or []
            turns.append(Turn("user", intent.get("name") or "", entities))
        elif kind == "action" and event.get("name") not in _INVISIBLE_ACTIONS:
            close_previous()
            turns.append(Turn("action", event["name"]))
        elif kind == "slot":
            state.slots[event["name"]] = event.get("value")
            if not turns:
                start.slots[event["name"]] = event.get("value")
        elif kind == "active_loop":
            state.loop = event.get("name") or None
            if not turns:
                start.loop = state.loop
        elif kind == "reset_slots":
            state.slots = domain.initial_slot_values()
    close_previous()
    return start, turns


def _slot_matches(domain: Domain, name: str, expected: Any, actual: Any) -> bool:
    if expected is ANY_VALUE:
        return actual is not None
    slot = domain.slots.get(name)
    slot_type = slot.type if slot else "any"
    if expected is None or actual is None:
        return expected is None and actual is None
    if slot_type == "bool":
        return bool(actual) == bool(expected)
    if slot_type == "categorical":
        return str(actual).lower() == str(expected).lower()
    if slot_type == "float":
        try:
            return float(actual) == float(expected)
        except (TypeError, ValueError):
            return False
    # text, list, any: Rasa featurises only "is set"
    return True


def _compile(story: Story, max_history: int | None) -> list[Snippet]:
    """One snippet per prediction the rule or story makes."""
    turns: list[Turn] = []
    constraints: dict[int, Constraint] = {-1: Constraint()}
    for condition in story.conditions:
        _constrain(constraints[-1], condition)
    snippets: list[Snippet] = []
    is_rule = story.kind == "rule"
    seen_user = False

    def add(action: str) -> None:
        prefix, cons = list(turns), dict(constraints)
        # Stories match on their tail (like Rasa's AugmentedMemoizationPolicy), so a story
        # need not start where the conversation started.
        if not is_rule and max_history is not None and len(prefix) > max_history:
            cut = len(prefix) - max_history
            prefix = prefix[cut:]
            cons = {i - cut: c for i, c in cons.items() if i - cut >= -1}
        at_start = story.conversation_start
        snippets.append(Snippet(prefix, cons, action, at_start, story))

    for step in story.steps:
        if isinstance(step, UserStep):
            if not is_rule and turns and turns[-1].kind == "action":
                add(ACTION_LISTEN)
            turns.append(Turn("user", step.intent, step.entities))
            constraints[len(turns) - 1] = Constraint()
            seen_user = True
        elif isinstance(step, ActionStep):
            if step.name in _INVISIBLE_ACTIONS:
                continue
            first_action_is_condition = (
                is_rule and not seen_user and not turns and (not story.conversation_start)
            )
            if not first_action_is_condition:
                add(step.name)
            turns.append(Turn("action", step.name))
            constraints[len(turns) - 1] = Constraint()
        else:
            _constrain(constraints[len(turns) - 1], step)
    if is_rule and story.wait_for_user_input and turns and turns[-1].kind == "action":
        add(ACTION_LISTEN)
    return snippets


def _constrain(constraint: Constraint, step: SlotStep | LoopStep) -> None:
    if isinstance(step, LoopStep):
        constraint.loop = step.name
    else:
        constraint.slots.update(step.slots)


class PolicyEnsemble:
    def __init__(
        self,
        domain: Domain,
        stories: list[Story],
        *,
        max_history: int = 5,
        fallback_action: str = ACTION_DEFAULT_FALLBACK,
    ) -> None:
        self.domain = domain
        self.fallback_action = fallback_action
        self.rule_snippets: list[Snippet] = []
        self.story_snippets: list[Snippet] = []
        for story in stories:
            if story.kind == "rule":
                self.rule_snippets += _compile(story, None)
            else:
                self.story_snippets += _compile(story, max_history)

    def predict(self, tracker: Tracker) -> Prediction:
        if tracker.followup_action:
            return Prediction(tracker.followup_action, "followup")
        user_turn = awaiting_response(tracker)
        if user_turn:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent in _DEFAULT_INTENT_ACTIONS:
                return Prediction(_DEFAULT_INTENT_ACTIONS[intent], "RulePolicy")
        loop = tracker.active_loop_name
        latest = self._latest_visible_action(tracker)
        if loop and not tracker.is_loop_rejected:
            # a loop has priority over rules until it rejects (Rasa's loop happy path)
            if latest != loop or user_turn:
                return Prediction(loop, "LoopPolicy")
            return Prediction(ACTION_LISTEN, "LoopPolicy")
        for policy, snippets, collapse in (
            ("RulePolicy", self.rule_snippets, False),
            ("MemoizationPolicy", self.story_snippets, True),
        ):
            if not snippets:
                continue
            start, turns = tracker_turns(tracker, self.domain, collapse)
            best = self._best(snippets, start, turns)
            if best is not None:
                return Prediction(best.action, policy, 1.0, best.source.name)
        if user_turn:
            return Prediction(self.fallback_action, "RulePolicy", 0.3)
        return Prediction(ACTION_LISTEN, "RulePolicy", 0.3)

    @staticmethod
    def _latest_visible_action(tracker: Tracker) -> str | None:
        for event in reversed(tracker.applied_events()):
            if event["event"] == "action" and event.get("name") != "action_extract_slots":
                return event.get("name")
        return None

    def _best(self, snippets: list[Snippet], start: State, turns: list[Turn]) -> Snippet | None:
        best: Snippet | None = None
        for snippet in snippets:
            if (best is None or snippet.weight > best.weight) and self._matches(
                snippet, start, turns
            ):
                best = snippet
        return best

    def _matches(self, snippet: Snippet, start: State, turns: list[Turn]) -> bool:
        n = len(snippet.turns)
        if n > len(turns) or (snippet.at_start and n != len(turns)):
            return False
        offset = len(turns) - n
        for i, expected in enumerate(snippet.turns):
            actual = turns[offset + i]
            if actual.kind != expected.kind or actual.name != expected.name:
                return False
            if expected.kind == "user" and not _entities_match(expected.entities, actual.entities):
                return False
        for index, constraint in snippet.constraints.items():
            if index == -1:
                state = turns[offset - 1].after if offset > 0 else start
            else:
                state = turns[offset + index].after
            if state is None or not self._state_matches(constraint, state):
                return False
        return True

    def _state_matches(self, constraint: Constraint, state: State) -> bool:
        if constraint.loop is not _UNSET and constraint.loop != state.loop:
            return False
        return all(
            _slot_matches(self.domain, name, expected, state.slots.get(name))
            for name, expected in constraint.slots.items()
        )


def _entities_match(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> bool:
    for want in expected:
        if not any(
            got.get("entity") == want["entity"]
            and ("value" not in want or str(got.get("value")) == str(want["value"]))
            and ("role" not in want or got.get("role") == want["role"])
            and ("group" not in want or got.get("group") == want["group"])
            for got in actual
        ):
            return False
    return True


def awaiting_response(tracker: Tracker) -> bool:
    """True when the latest turn is the user's: no action has run since their message."""
    for event in reversed(tracker.applied_events()):
        kind = event["event"]
        if kind == "user":
            return True
        if kind == "action" and event.get("name") != "action_extract_slots":
            return False
    return False
