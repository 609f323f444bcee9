"""Finding the files of a dialog project. Two layouts are understood:

* the standard Rasa layout: domain.yml (or domain/), data/*.yml, tests/*.yml, config.yml,
  endpoints.yml, actions/ package;
* the voicebot layout: dialogs/domain.yml (or dialogs/domain/), dialogs/**/*.yml for rules and
  stories, dialogs/tests/ for test stories, nlu_data/<lang>.yml (or nlu_data/<lang>/*.yml) with
  one NLU file per language, dialogs/endpoints.yml.

In endpoints.yml, `action_endpoint: {url: ...}` runs custom actions on a rasa-sdk action server
over HTTP; `action_endpoint: {actions_module: PKG}` runs them in process (as Rasa 3.10+ does).
Without either, an `actions` package next to the domain is run in process."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.dialog.yamlio import load_yaml

_RASA_CONFIG_KEYS = {"recipe", "language", "pipeline", "policies", "assistant_id"}
_LANG_FILE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")


class ProjectError(ValueError):
    """The project directory lacks something the engine needs."""


@dataclass
class Project:
    root: Path
    domain_path: Path
    data_files: list[Path] = field(default_factory=list)
    nlu_files: dict[str, list[Path]] = field(default_factory=dict)
    test_files: list[Path] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    action_endpoint_url: str | None = None
    actions_module: str | None = None
    actions_path: Path | None = None  # directory to put on sys.path for actions_module

    @property
    def language(self) -> str:
        return str(self.config.get("language") or "en")

    def policy_option(self, policy: str, key: str, default: Any) -> Any:
        for item in self.config.get("policies") or []:
            if isinstance(item, dict) and item.get("name") == policy and key in item:
                return item[key]
        return default

    def pipeline_option(self, component: str, key: str, default: Any) -> Any:
        for item in self.config.get("pipeline") or []:
            if isinstance(item, dict) and item.get("name") == component and key in item:
                return item[key]
        return default


def _first(*candidates: Path) -> Path | None:
    return next((c for c in candidates if c.exists()), None)


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def _is_test_file(path: Path, base: Path) -> bool:
    parts = path.relative_to(base).parts
    return "tests" in parts[:-1] or path.name.startswith("test_")


def _top_keys(path: Path) -> set[str]:
    content = load_yaml(path)
    return set(content) if isinstance(content, dict) else set()


def discover(root: Path) -> Project:
    root = root.resolve()
    if not root.is_dir():
        raise ProjectError(f"{root}: not a directory")
    domain_path = _first(
        root / "domain.yml",
        root / "domain.yaml",
        root / "domain",
        root / "dialogs" / "domain.yml",
        root / "dialogs" / "domain.yaml",
        root / "dialogs" / "domain",
    )
    if domain_path is None:
        raise ProjectError(f"{root}: no domain.yml, domain/, dialogs/domain.yml or dialogs/domain/")
    project = Project(root=root, domain_path=domain_path)
    domain_files = set(_yaml_files(domain_path)) if domain_path.is_dir() else {domain_path}

    config_path: Path | None = None
    for candidate in [root / "config.yml", root / "dialogs" / "config.yml"]:
        if candidate.exists() and _top_keys(candidate) & _RASA_CONFIG_KEYS:
            config_path = candidate
            break
    if config_path is not None:
        project.config = dict(load_yaml(config_path) or {})

    skip_names = {"config.yml", "endpoints.yml", "credentials.yml"}
    rasa_language_nlu: list[Path] = []
    for base in (root / "data", root / "dialogs"):
        for path in _yaml_files(base):
            if path in domain_files or (path.parent == base and path.name in skip_names):
                continue
            keys = _top_keys(path)
            if _is_test_file(path, base):
                if "stories" in keys:
                    project.test_files.append(path)
                continue
            if keys & {"rules", "stories"}:
                project.data_files.append(path)
            if "nlu" in keys:
                rasa_language_nlu.append(path)
    for path in sorted((root / "tests").glob("*.yml")) + sorted((root / "tests").glob("*.yaml")):
        if path not in project.test_files and "stories" in _top_keys(path):
            project.test_files.append(path)

    nlu_dir = _first(root / "nlu_data", root / "nlu")
    if nlu_dir is not None and nlu_dir.is_dir():
        for entry in sorted(nlu_dir.iterdir()):
            if (
                entry.is_file()
                and entry.suffix in (".yml", ".yaml")
                and _LANG_FILE.match(entry.stem)
            ):
                project.nlu_files.setdefault(entry.stem, []).append(entry)
            elif entry.is_dir() and _LANG_FILE.match(entry.name):
                project.nlu_files.setdefault(entry.name, []).extend(_yaml_files(entry))
    if rasa_language_nlu:
        project.nlu_files.setdefault(project.language, []).extend(rasa_language_nlu)

    endpoints_path = _first(root / "endpoints.yml", root / "dialogs" / "endpoints.yml")
    if endpoints_path is not None:
        endpoints = load_yaml(endpoints_path) or {}
        action_endpoint = endpoints.get("action_endpoint") if isinstance(endpoints, dict) else None
        if isinstance(action_endpoint, dict):
            project.action_endpoint_url = action_endpoint.get("url")
            project.actions_module = action_endpoint.get("actions_module")
    if project.actions_module is None:
        for base in (domain_path.parent, root):
            if (base / "actions" / "__init__.py").exists() or (base / "actions.py").exists():
                project.actions_module, project.actions_path = "actions", base
                break
    elif project.actions_module and (root / project.actions_module.split(".")[0]).exists():
        project.actions_path = root
    return project
