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
    # held-out NLU test files (`nlu:` sections under tests/) by language, for evaluation
    nlu_test_files: dict[str, list[Path]] = field(default_factory=dict)
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


def _top_keys(path: Path) -> set[str]:
    content = load_yaml(path)
    return set(content) if isinstance(content, dict) else set()


_SKIP_DIRS = {"tests", "actions", "models", "results", ".rasa", "__pycache__", "nlu_data", "nlu"}
_SKIP_FILES = {"config.yml", "endpoints.yml", "credentials.yml"}


def _project_base(root: Path) -> Path:
    for base in (root, root / "dialogs"):
        if any((base / n).exists() for n in ("domain.yml", "domain.yaml", "domain")):
            return base
    raise ProjectError(f"{root}: no domain.yml, domain/, dialogs/domain.yml or dialogs/domain/")


def _data_files(base: Path, domain_files: set[Path]) -> list[Path]:
    """data/ in the Rasa layout; otherwise every YAML file under the project directory
    except the domain, settings, tests, actions and NLU directories."""
    if (base / "data").is_dir():
        return _yaml_files(base / "data")
    found = []
    for path in _yaml_files(base):
        relative = path.relative_to(base).parts
        if path in domain_files or set(relative[:-1]) & _SKIP_DIRS:
            continue
        if len(relative) == 1 and path.name in _SKIP_FILES:
            continue
        found.append(path)
    return found


def file_language(path: Path, languages: list[str]) -> str | None:
    """A file or directory named after a language (tests/pl/..., test_en.yml, nlu_pl.yml)."""
    for part in reversed(path.parts):
        stem = Path(part).stem
        for token in [stem, *stem.replace("-", "_").split("_")]:
            if token in languages:
                return token
    return None


def discover(root: Path) -> Project:
    root = root.resolve()
    if not root.is_dir():
        raise ProjectError(f"{root}: not a directory")
    base = _project_base(root)
    domain_path = next(
        base / n for n in ("domain.yml", "domain.yaml", "domain") if (base / n).exists()
    )
    project = Project(root=base, domain_path=domain_path)
    domain_files = set(_yaml_files(domain_path)) if domain_path.is_dir() else {domain_path}

    config_path = base / "config.yml"
    if config_path.exists() and _top_keys(config_path) & _RASA_CONFIG_KEYS:
        project.config = dict(load_yaml(config_path) or {})

    rasa_language_nlu: list[Path] = []
    for path in _data_files(base, domain_files):
        keys = _top_keys(path)
        if path.name.startswith("test_"):
            if "stories" in keys:
                project.test_files.append(path)
            continue
        if keys & {"rules", "stories"}:
            project.data_files.append(path)
        if "nlu" in keys:
            rasa_language_nlu.append(path)
    tests_dir = base / "tests"
    # tests/ may be pytest's own directory (the Rasa layout at a repository root): then only
    # its top-level YAML files are test stories
    pytest_dir = any(tests_dir.glob("*.py"))
    candidates = (
        sorted(tests_dir.glob("*.yml")) + sorted(tests_dir.glob("*.yaml"))
        if pytest_dir
        else _yaml_files(tests_dir)
    )
    nlu_tests: list[Path] = []
    for path in candidates:
        keys = _top_keys(path)
        if path not in project.test_files and "stories" in keys:
            project.test_files.append(path)
        if "nlu" in keys:
            nlu_tests.append(path)

    nlu_dir = _first(base / "nlu_data", base / "nlu", base.parent / "nlu_data")
    if nlu_dir is not None and nlu_dir.is_dir():
        for entry in sorted(nlu_dir.iterdir()):
            is_yaml = entry.suffix in (".yml", ".yaml")
            if entry.is_file() and is_yaml and _LANG_FILE.match(entry.stem):
                project.nlu_files.setdefault(entry.stem, []).append(entry)
            elif entry.is_dir() and _LANG_FILE.match(entry.name):
                project.nlu_files.setdefault(entry.name, []).extend(_yaml_files(entry))
    if rasa_language_nlu:
        project.nlu_files.setdefault(project.language, []).extend(rasa_language_nlu)
    for path in nlu_tests:
        language = file_language(path, list(project.nlu_files)) or project.language
        project.nlu_test_files.setdefault(language, []).append(path)

    endpoints_path = base / "endpoints.yml"
    if endpoints_path.exists():
        endpoints = load_yaml(endpoints_path) or {}
        action_endpoint = endpoints.get("action_endpoint") if isinstance(endpoints, dict) else None
        if isinstance(action_endpoint, dict):
            project.action_endpoint_url = action_endpoint.get("url")
            project.actions_module = action_endpoint.get("actions_module")
    if project.actions_module is None:
        if (base / "actions" / "__init__.py").exists() or (base / "actions.py").exists():
            project.actions_module, project.actions_path = "actions", base
    elif (base / project.actions_module.split(".")[0]).exists():
        project.actions_path = base
    return project
