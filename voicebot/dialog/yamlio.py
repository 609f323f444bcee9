"""YAML loading that remembers where things came from, so errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlError(ValueError):
    """A YAML file that cannot be read; the message names the file and line."""


class LineDict(dict):
    """A mapping that knows its file, its own line and the line of each key (1-based)."""

    file: str = ""
    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


class LineList(list):
    """A sequence that knows its file, its own line and the line of each item."""

    file: str = ""
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


def _make_loader(file: str) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):  # a class per file so the file name travels with the nodes
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
        loader.flatten_mapping(node)
        result = LineDict()
        result.file, result.line, result.key_lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
        result = LineList(loader.construct_object(child, deep=True) for child in node.value)
        result.file, result.line = file, node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; mappings and lists carry `.file` and `.line`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=_make_loader(str(path)))  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise YamlError(f"{where}: invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}: invalid YAML: {exc}") from exc


def where(node: Any, key: Any = None) -> str:
    """`file:line` of a node (or of one of its keys) for messages."""
    file = getattr(node, "file", "") or "?"
    if key is not None and isinstance(node, LineDict):
        return f"{file}:{node.line_of(key)}"
    if isinstance(key, int) and isinstance(node, LineList):
        return f"{file}:{node.line_of(key)}"
    return f"{file}:{getattr(node, 'line', 0)}"
