"""Scripted merchant conversations played against the real dialog agent (text in), scored
field by field against the store configuration each one should end with.

A conversation file gives the merchant's answers keyed by the question they answer
(the form's requested slot) and the expected configuration; see evaluation/README.md.
The merchant answers whatever the bot asks, so a re-asked question costs a turn (the
merchant says the last answer again) instead of throwing the script out of step."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from voicebot.actions.store_config import store_config_from_tracker

if TYPE_CHECKING:
    from voicebot.dialog.agent import Agent

MAX_TURNS = 60  # a conversation still running after this many merchant turns is stuck
CONFIRM_SLOTS = ("tax_id_confirmed", "contact_email_confirmed", "prefill_confirmed")
# Asked for the domain after saying it with the yes ("Yes, moda dot com"), a merchant says
# it again.
SAID_BEFORE = {"domain": "has_domain"}
DEFAULTS_FILE = "defaults.yml"


class ConversationFileError(ValueError):
    """A conversation file that cannot be played: the message names the file and why."""


@dataclass
class Script:
    path: Path
    language: str
    split: str
    answers: dict[str, list[str]]
    expected: dict[str, Any]
    slots: dict[str, Any]
    now: str
    confirm: str


@dataclass
class Miss:
    conversation: str
    field: str
    expected: Any
    got: Any
    words: str | None  # what the merchant said to that question


@dataclass
class ConversationResult:
    script: Script
    fields_right: int
    fields_total: int
    turns: int
    outcome: str | None
    misses: list[Miss]
    transcript: list[str]


@dataclass
class GroupScore:
    language: str
    split: str
    conversations: int = 0
    fields_right: int = 0
    fields_total: int = 0
    turns: int = 0
    completed: int = 0
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.fields_right / self.fields_total if self.fields_total else 0.0

    @property
    def turns_per_conversation(self) -> float:
        return self.turns / self.conversations if self.conversations else 0.0

    def add(self, result: ConversationResult) -> None:
        self.conversations += 1
        self.fields_right += result.fields_right
        self.fields_total += result.fields_total
        self.turns += result.turns
        self.completed += result.outcome == "completed"
        missed = {m.field for m in result.misses}
        for name in result.script.expected:
            self.per_field[name][1] += 1
            self.per_field[name][0] += name not in missed
        self.misses += result.misses


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConversationFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConversationFileError(f"{path}: expected a mapping at the top level")
    return data


def load_scripts(root: Path) -> list[Script]:
    """Every conversation under root/<lang>/<split>/*.yml (root may be a language or split
    directory, or one file), with the language directory's defaults.yml applied."""
    root = Path(root)
    if not root.exists():
        raise ConversationFileError(f"{root}: no such directory")
    if root.is_file():
        return [_load_script(root)]
    paths = sorted(p for p in root.rglob("*.yml") if p.name != DEFAULTS_FILE)
    if not paths:
        raise ConversationFileError(f"{root}: no conversation files (*.yml)")
    return [_load_script(p) for p in paths]


def _defaults_for(path: Path) -> dict[str, Any]:
    for parent in path.parents:
        candidate = parent / DEFAULTS_FILE
        if candidate.exists():
            return _load_yaml(candidate)
    return {}


def _load_script(path: Path) -> Script:
    data = _load_yaml(path)
    defaults = _defaults_for(path)
    language = data.get("language")
    answers = data.get("answers")
    expected = data.get("expected")
    if not isinstance(language, str):
        raise ConversationFileError(f"{path}: 'language' is missing")
    if not isinstance(answers, dict) or not all(
        isinstance(v, list) and all(isinstance(t, str) for t in v) for v in answers.values()
    ):
        raise ConversationFileError(f"{path}: 'answers' must map questions to lists of text")
    if not isinstance(expected, dict) or not expected:
        raise ConversationFileError(f"{path}: 'expected' must map fields to values")
    # The split is the directory a file sits in (train, test, or a set written later);
    # a file directly in a language directory belongs to none.
    split = "all" if path.parent.name == language else path.parent.name
    return Script(
        path=path,
        language=language,
        split=split,
        answers={k: list(v) for k, v in answers.items()},
        expected=dict(expected),
        slots={**(defaults.get("slots") or {}), **(data.get("slots") or {})},
        now=str(data.get("now") or defaults.get("now") or "2026-11-23T09:30:00+00:00"),
        confirm=str(data.get("confirm") or defaults.get("confirm") or "yes"),
    )


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def field_matches(expected: Any, got: Any, flagged: bool) -> bool:
    """Lists compare as sets ("none" as no value); {kept_words: X} wants the merchant's own
    words containing X, flagged for staff, not a date; everything else compares equal."""
    if isinstance(expected, dict) and "kept_words" in expected:
        return (
            isinstance(got, str)
            and not _is_date(got)
            and str(expected["kept_words"]).lower() in got.lower()
            and flagged
        )
    if isinstance(expected, list):
        # "none" (nowhere yet, nothing to ship) is the empty list said as a value
        def values(items: list[Any]) -> set[str]:
            return set(map(str, items)) - {"none"}

        return isinstance(got, list) and values(expected) == values(got)
    if isinstance(expected, bool) or expected is None:
        return got is expected
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return float(expected) == float(got)
    return str(expected) == str(got) if got is not None else False


def play(agent: Agent, script: Script) -> ConversationResult:
    """The whole call: the merchant answers each question from the script."""
    conv = agent.new_conversation(
        f"eval-{script.path.stem}",
        language=script.language,
        slots={"call_started_at": script.now, **script.slots},
    )
    transcript = [f"bot> {m.text}" for m in conv.start().messages]
    queues = {k: list(v) for k, v in script.answers.items()}
    last_said: dict[str, str] = {}
    turns = 0
    while not conv.ended and turns < MAX_TURNS:
        asked = conv.tracker.get_slot("requested_slot") or ""
        if queues.get(asked):
            text = queues[asked].pop(0)
        elif asked in CONFIRM_SLOTS and asked not in script.answers:
            text = script.confirm
        elif asked in last_said:
            text = last_said[asked]  # asked again: the merchant says it again
        elif SAID_BEFORE.get(asked) in last_said:
            text = last_said[SAID_BEFORE[asked]]
        else:
            transcript.append(f"(nothing scripted for {asked or 'an open question'})")
            break
        last_said[asked] = text
        turns += 1
        transcript.append(f"you> {text}")
        turn = conv.handle(text, confidence=0.9, metadata={"turn_index": turns - 1})
        transcript += [f"bot> {m.text}" for m in turn.messages]
    config = store_config_from_tracker(conv.tracker.to_json())
    misses: list[Miss] = []
    for name, want in script.expected.items():
        result = config.fields.get(name)
        got = result.value if result else conv.tracker.get_slot(name)
        flagged = bool(result and result.flagged)
        if not field_matches(want, got, flagged):
            words = script.answers.get(name)
            misses.append(
                Miss(script.path.stem, name, want, got, " / ".join(words) if words else None)
            )
    return ConversationResult(
        script=script,
        fields_right=len(script.expected) - len(misses),
        fields_total=len(script.expected),
        turns=turns,
        outcome=config.outcome,
        misses=misses,
        transcript=transcript,
    )


def evaluate_conversations(
    agent: Agent, scripts: list[Script]
) -> tuple[dict[tuple[str, str], GroupScore], list[ConversationResult]]:
    """Scores per (language, split), and each conversation's result."""
    groups: dict[tuple[str, str], GroupScore] = {}
    results: list[ConversationResult] = []
    for script in scripts:
        if script.language not in agent.languages:
            raise ConversationFileError(
                f"{script.path}: no NLU for language '{script.language}'"
                f" (have: {', '.join(agent.languages)})"
            )
        result = play(agent, script)
        results.append(result)
        key = (script.language, script.split)
        groups.setdefault(key, GroupScore(*key)).add(result)
    return groups, results


def format_value(value: Any) -> str:
    text = repr(value)
    return re.sub(r"\s+", " ", text)
