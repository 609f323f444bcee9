"""`voicebot dialog validate`: domain and training data problems, each with file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from voicebot.dialog.domain import BUILTIN_ACTIONS, REQUESTED_SLOT, Domain, load_domain
from voicebot.dialog.nlu.data import NLUData, load_nlu_files
from voicebot.dialog.project import discover
from voicebot.dialog.stories import (
    ActionStep,
    LoopStep,
    SlotStep,
    Story,
    UserStep,
    read_story_graph,
)

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Issue:
    level: str  # "error" | "warning"
    location: str  # file:line
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.level}: {self.message}"


def validate_project(project_dir: Path) -> list[Issue]:
    """Every problem found; an unreadable file is reported as one error, not raised."""
    issues: list[Issue] = []
    try:
        project = discover(project_dir)
        domain = load_domain(project.domain_path)
    except ValueError as exc:
        return [Issue("error", _location_of(str(exc)), _message_of(str(exc)))]
    issues += _check_domain(domain)
    nlu: dict[str, NLUData] = {}
    for language, files in project.nlu_files.items():
        try:
            nlu[language] = load_nlu_files(files)
        except ValueError as exc:
            issues.append(Issue("error", _location_of(str(exc)), _message_of(str(exc))))
    for language, data in nlu.items():
        issues += _check_nlu(domain, data, language)
    for files, test in ((project.data_files, False), (project.test_files, True)):
        try:
            graph = read_story_graph(files, test=test)
        except ValueError as exc:
            issues.append(Issue("error", _location_of(str(exc)), _message_of(str(exc))))
            continue
        # checkpoints that join nothing: warnings, as Rasa gives them
        issues += [Issue("warning", w.location, w.message) for w in graph.warnings]
        issues += _check_stories(domain, graph.stories)
    return issues


def _location_of(message: str) -> str:
    head = message.split(": ", 1)[0]
    return head if ":" in head or "/" in head else "?"


def _message_of(message: str) -> str:
    parts = message.split(": ", 1)
    return parts[1] if len(parts) == 2 and parts[0] == _location_of(message) else message


def _check_domain(domain: Domain) -> list[Issue]:
    issues: list[Issue] = []
    intents = set(domain.all_intents)
    for slot in domain.slots.values():
        for mapping in slot.mappings:
            where = slot.location
            kind = mapping.get("type")
            if kind == "from_entity" and mapping.get("entity") not in domain.entities:
                issues.append(
                    Issue(
                        "error",
                        where,
                        f"slot '{slot.name}' maps from entity "
                        f"'{mapping.get('entity')}' which is not in entities",
                    )
                )
            for key in ("intent", "not_intent"):
                value = mapping.get(key)
                for intent in value if isinstance(value, list) else [value] if value else []:
                    if intent not in intents:
                        issues.append(
                            Issue(
                                "error",
                                where,
                                f"slot '{slot.name}' mapping uses unknown intent '{intent}'",
                            )
                        )
            for condition in mapping.get("conditions") or []:
                loop = condition.get("active_loop")
                if loop and loop not in domain.forms:
                    issues.append(
                        Issue(
                            "error",
                            where,
                            f"slot '{slot.name}' mapping condition names unknown form '{loop}'",
                        )
                    )
                requested = condition.get("requested_slot")
                if requested and requested not in domain.slots:
                    issues.append(
                        Issue(
                            "error",
                            where,
                            f"slot '{slot.name}' mapping condition "
                            f"names unknown slot '{requested}'",
                        )
                    )
    for form in domain.forms.values():
        for slot_name in form.required_slots:
            if slot_name not in domain.slots:
                issues.append(
                    Issue(
                        "error",
                        form.location,
                        f"form '{form.name}' requires slot '{slot_name}' which is not in slots",
                    )
                )
                continue
            asks = [
                f"utter_ask_{form.name}_{slot_name}",
                f"utter_ask_{slot_name}",
                f"action_ask_{form.name}_{slot_name}",
                f"action_ask_{slot_name}",
            ]
            if not any(a in domain.responses or a in domain.actions for a in asks):
                issues.append(
                    Issue(
                        "warning",
                        form.location,
                        f"form '{form.name}' has no "
                        f"utter_ask_{slot_name} response to ask for '{slot_name}'",
                    )
                )
    for name, variations in domain.responses.items():
        where = domain.locations.get(f"response:{name}", "?")
        for variation in variations:
            for item in variation.get("condition") or []:
                if item.get("name") not in domain.slots:
                    issues.append(
                        Issue(
                            "error",
                            where,
                            f"response '{name}' has a condition on "
                            f"unknown slot '{item.get('name')}'",
                        )
                    )
            for placeholder in _PLACEHOLDER.findall(str(variation.get("text") or "")):
                if placeholder not in domain.slots:
                    issues.append(
                        Issue(
                            "warning",
                            where,
                            f"response '{name}' uses "
                            f"{{{placeholder}}} which is not a slot (a custom action "
                            "must pass it)",
                        )
                    )
    for name in domain.actions:
        if name.startswith("utter_") and name not in domain.responses:
            issues.append(
                Issue(
                    "error",
                    domain.locations.get(f"action:{name}", "?"),
                    f"action '{name}' looks like a response but no response has that name",
                )
            )
    return issues


def _check_nlu(domain: Domain, data: NLUData, language: str) -> list[Issue]:
    issues: list[Issue] = []
    intents = set(domain.all_intents)
    entities = set(domain.entities)
    seen: set[str] = set()
    for example in data.examples:
        seen.add(example.intent)
        if example.intent not in intents:
            issues.append(
                Issue(
                    "error",
                    example.location,
                    f"[{language}] intent '{example.intent}' is not in the domain",
                )
            )
        for entity in example.entities:
            if entity["entity"] not in entities:
                issues.append(
                    Issue(
                        "error",
                        example.location,
                        f"[{language}] entity '{entity['entity']}' is not in the domain",
                    )
                )
    for intent in domain.intents:
        if intent not in seen:
            issues.append(
                Issue(
                    "warning",
                    domain.locations.get(f"intent:{intent}", "?"),
                    f"[{language}] intent '{intent}' has no NLU examples",
                )
            )
    return issues


def _check_stories(domain: Domain, stories: list[Story]) -> list[Issue]:
    issues: list[Issue] = []
    intents = set(domain.all_intents)
    actions = set(domain.action_names) | set(BUILTIN_ACTIONS)
    reported: set[tuple[str, str]] = set()

    def add(location: str, message: str) -> None:
        if (location, message) not in reported:
            reported.add((location, message))
            issues.append(Issue("error", location, message))

    for story in stories:
        for step in [*story.conditions, *story.steps]:
            if isinstance(step, UserStep):
                if step.intent and step.intent not in intents:
                    add(
                        step.location,
                        f"{story.kind} '{story.name}' uses unknown intent '{step.intent}'",
                    )
                for entity in step.entities:
                    if entity["entity"] not in domain.entities:
                        add(
                            step.location,
                            f"{story.kind} '{story.name}' uses unknown entity '{entity['entity']}'",
                        )
            elif isinstance(step, ActionStep):
                if step.name.startswith("bot:"):
                    continue
                if step.name not in actions:
                    what = "response" if step.name.startswith("utter_") else "action"
                    add(
                        step.location,
                        f"{story.kind} '{story.name}' uses {what} '{step.name}' "
                        "which is not defined in the domain",
                    )
            elif isinstance(step, SlotStep):
                for name in [n for option in step.alternatives or [step.slots] for n in option]:
                    if name not in domain.slots and name != REQUESTED_SLOT:
                        add(
                            step.location, f"{story.kind} '{story.name}' sets unknown slot '{name}'"
                        )
            elif isinstance(step, LoopStep) and step.name and step.name not in domain.forms:
                add(
                    step.location,
                    f"{story.kind} '{story.name}' activates unknown form '{step.name}'",
                )
    return issues
