"""Rasa NLU YAML: intents with annotated examples, synonyms, regexes and lookup tables."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.dialog.yamlio import LineDict, load_yaml, where

# [text](entity) | [text](entity:value) | [text]{"entity": ...} | [text][{...}, {...}]
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)"
    r"|(?P<dict>\{[^}]+?\})"
    r"|\[(?P<list>\{.*?\}(?:\s*,\s*\{.*?\})*)\])"
)


class NLUDataError(ValueError):
    """Training data that cannot be used; the message names file and line."""


@dataclass
class Example:
    text: str
    intent: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    location: str = ""


@dataclass
class NLUData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # lower-case surface -> value
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    def merge(self, other: NLUData) -> None:
        self.examples += other.examples
        self.synonyms.update(other.synonyms)
        for name, patterns in other.regexes.items():
            self.regexes.setdefault(name, []).extend(patterns)
        for name, items in other.lookups.items():
            self.lookups.setdefault(name, []).extend(items)
        self.files += other.files

    def subset(self, examples: list[Example]) -> NLUData:
        return NLUData(examples, dict(self.synonyms), self.regexes, self.lookups, self.files)


def parse_annotated(text: str, location: str = "") -> tuple[str, list[dict[str, Any]]]:
    """Strip Rasa entity annotations; return the plain text and entities with offsets."""
    plain, entities, last = [], [], 0
    offset = 0
    for match in _ANNOTATION.finditer(text):
        plain.append(text[last : match.start()])
        offset += match.start() - last
        surface = match.group("text")
        start, end = offset, offset + len(surface)
        specs: list[dict[str, Any]]
        if match.group("entity"):
            specs = [{"entity": match.group("entity").strip()}]
            if match.group("value"):
                specs[0]["value"] = match.group("value").strip()
        else:
            raw = match.group("dict") or f"[{match.group('list')}]"
            try:
                loaded = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise NLUDataError(f"{location}: bad entity annotation {raw}: {exc.msg}") from exc
            specs = loaded if isinstance(loaded, list) else [loaded]
        for spec in specs:
            if not isinstance(spec, dict) or "entity" not in spec:
                raise NLUDataError(f"{location}: entity annotation without 'entity': {spec}")
            entity = {"entity": str(spec["entity"]), "start": start, "end": end}
            entity["value"] = spec.get("value", surface)
            for key in ("role", "group"):
                if spec.get(key) is not None:
                    entity[key] = str(spec[key])
            entities.append(entity)
        plain.append(surface)
        offset += len(surface)
        last = match.end()
    plain.append(text[last:])
    return "".join(plain), entities


def _example_lines(block: Any, item: LineDict) -> list[tuple[str, str]]:
    """The examples of one block with their locations (`- text` lines or a list)."""
    if block is None:
        return []
    first_line = item.line_of("examples") + 1
    found: list[tuple[str, str]] = []
    if isinstance(block, str):
        for number, line in enumerate(block.splitlines()):
            stripped = line.strip()
            if stripped.startswith("- "):
                found.append((stripped[2:].strip(), f"{item.file}:{first_line + number}"))
            elif stripped == "-":
                continue
            elif stripped:
                raise NLUDataError(
                    f"{item.file}:{first_line + number}: examples must start with '- ': {line!r}"
                )
        return found
    if isinstance(block, list):
        for index, entry in enumerate(block):
            text = entry.get("text") if isinstance(entry, dict) else entry
            if text is None:
                continue
            found.append((str(text).strip(), where(block, index)))
        return found
    raise NLUDataError(f"{where(item, 'examples')}: 'examples' must be a block of '- ' lines")


def load_nlu_section(items: Any, file: Path) -> NLUData:
    data = NLUData(files=[file])
    if not isinstance(items, list):
        raise NLUDataError(f"{file}: 'nlu' must be a list")
    for item in items:
        if not isinstance(item, dict):
            raise NLUDataError(f"{where(items)}: each 'nlu' entry must be a mapping")
        lines = _example_lines(item.get("examples"), item)
        if "intent" in item:
            intent = str(item["intent"]).split("/", 1)[0]  # retrieval intents: the base intent
            for text, location in lines:
                plain, entities = parse_annotated(text, location)
                data.examples.append(Example(plain, intent, entities, location))
                for entity in entities:
                    surface = plain[entity["start"] : entity["end"]]
                    if str(entity["value"]) != surface:
                        data.synonyms[surface.lower()] = entity["value"]
        elif "synonym" in item:
            for text, _ in lines:
                data.synonyms[text.lower()] = str(item["synonym"])
        elif "regex" in item:
            data.regexes.setdefault(str(item["regex"]), []).extend(t for t, _ in lines)
        elif "lookup" in item:
            data.lookups.setdefault(str(item["lookup"]), []).extend(t for t, _ in lines)
        else:
            raise NLUDataError(
                f"{where(item)}: unknown NLU entry (expected intent, synonym, regex or lookup)"
            )
    return data


def load_nlu_files(files: list[Path]) -> NLUData:
    """Read the `nlu:` sections of the given files (other sections are ignored)."""
    merged = NLUData()
    for file in files:
        content = load_yaml(file)
        if isinstance(content, dict) and content.get("nlu"):
            merged.merge(load_nlu_section(content["nlu"], file))
    return merged
