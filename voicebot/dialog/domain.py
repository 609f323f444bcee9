"""The Rasa 3.x domain: intents, entities, slots with mappings, forms, responses, actions,
session config. Accepts a single domain.yml or a directory of domain files (merged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.dialog.yamlio import LineDict, load_yaml, where

REQUESTED_SLOT = "requested_slot"
SESSION_METADATA_SLOT = "session_started_metadata"

ACTION_LISTEN = "action_listen"
ACTION_RESTART = "action_restart"
ACTION_SESSION_START = "action_session_start"
ACTION_DEFAULT_FALLBACK = "action_default_fallback"
ACTION_DEACTIVATE_LOOP = "action_deactivate_loop"
ACTION_REVERT_FALLBACK = "action_revert_fallback_events"
ACTION_ASK_AFFIRMATION = "action_default_ask_affirmation"
ACTION_ASK_REPHRASE = "action_default_ask_rephrase"
ACTION_TWO_STAGE_FALLBACK = "action_two_stage_fallback"
ACTION_UNLIKELY_INTENT = "action_unlikely_intent"
ACTION_BACK = "action_back"
ACTION_EXTRACT_SLOTS = "action_extract_slots"
ACTION_VALIDATE_SLOT_MAPPINGS = "action_validate_slot_mappings"
# Not in Rasa: the bot ends the phone call (the call layer hangs up after speaking).
ACTION_HANGUP = "action_hangup"

BUILTIN_ACTIONS = [
    ACTION_LISTEN,
    ACTION_RESTART,
    ACTION_SESSION_START,
    ACTION_DEFAULT_FALLBACK,
    ACTION_DEACTIVATE_LOOP,
    ACTION_REVERT_FALLBACK,
    ACTION_ASK_AFFIRMATION,
    ACTION_ASK_REPHRASE,
    ACTION_TWO_STAGE_FALLBACK,
    ACTION_UNLIKELY_INTENT,
    ACTION_BACK,
    ACTION_EXTRACT_SLOTS,
    ACTION_HANGUP,
]
DEFAULT_INTENTS = ["restart", "back", "out_of_scope", "session_start", "nlu_fallback"]
SLOT_TYPES = {"text", "bool", "float", "categorical", "list", "any"}
MAPPING_TYPES = {"from_entity", "from_intent", "from_text", "from_trigger_intent", "custom"}


class DomainError(ValueError):
    """The domain cannot be used; the message names the file and line."""


@dataclass
class Slot:
    name: str
    type: str
    mappings: list[dict[str, Any]]
    initial_value: Any = None
    influence_conversation: bool = True
    values: list[Any] = field(default_factory=list)  # categorical
    min_value: float = 0.0
    max_value: float = 1.0
    location: str = ""

    def coerce(self, value: Any) -> Any:
        """Keep list slots lists, as Rasa does; leave every other value as the action set it."""
        if self.type == "list" and value is not None and not isinstance(value, list):
            return [value]
        return value


@dataclass
class Form:
    name: str
    required_slots: list[str]
    ignored_intents: list[str] = field(default_factory=list)
    location: str = ""


@dataclass
class SessionConfig:
    expiration_minutes: float = 60.0
    carry_over_slots: bool = True


@dataclass
class Domain:
    intents: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    entity_roles: dict[str, list[str]] = field(default_factory=dict)
    entity_groups: dict[str, list[str]] = field(default_factory=dict)
    slots: dict[str, Slot] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    session_config: SessionConfig = field(default_factory=SessionConfig)
    # where each name was defined, for `dialog validate`
    locations: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    # --- look-ups -------------------------------------------------------------------------
    @property
    def all_intents(self) -> list[str]:
        return self.intents + [i for i in DEFAULT_INTENTS if i not in self.intents]

    @property
    def action_names(self) -> list[str]:
        """Every action the bot can run: built-ins, responses, forms and custom actions."""
        names = list(BUILTIN_ACTIONS)
        for name in [*self.responses, *self.forms, *self.actions]:
            if name not in names:
                names.append(name)
        return names

    def is_custom_action(self, name: str) -> bool:
        return name in self.actions and name not in self.responses and name not in self.forms

    def initial_slot_values(self) -> dict[str, Any]:
        return {name: slot.initial_value for name, slot in self.slots.items()}

    def as_rasa_dict(self) -> dict[str, Any]:
        """The domain as Rasa's `Domain.as_dict()`: what rasa-sdk actions receive."""
        return {
            "version": "3.1",
            "intents": list(self.all_intents),
            "entities": list(self.entities),
            "slots": {
                name: {
                    "type": slot.type,
                    "initial_value": slot.initial_value,
                    "influence_conversation": slot.influence_conversation,
                    "mappings": slot.mappings,
                    **({"values": slot.values} if slot.type == "categorical" else {}),
                }
                for name, slot in self.slots.items()
            },
            "responses": self.responses,
            "actions": list(self.actions),
            "forms": {
                name: {"required_slots": list(form.required_slots)}
                | ({"ignored_intents": form.ignored_intents} if form.ignored_intents else {})
                for name, form in self.forms.items()
            },
            "session_config": {
                "session_expiration_time": self.session_config.expiration_minutes,
                "carry_over_slots_to_new_session": self.session_config.carry_over_slots,
            },
        }


def domain_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    return [path]


def load_domain(path: Path) -> Domain:
    """Read a domain file or a directory of domain files (merged in name order)."""
    files = domain_files(path)
    if not files:
        raise DomainError(f"{path}: no domain files found")
    domain = Domain(files=files)
    for file in files:
        data = load_yaml(file)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise DomainError(f"{where(data)}: a domain file must be a mapping")
        _merge_file(domain, data)
    _add_default_slots(domain)
    return domain


def _merge_file(domain: Domain, data: LineDict) -> None:
    for item in data.get("intents") or []:
        name = next(iter(item)) if isinstance(item, dict) else str(item)
        if name not in domain.intents:
            domain.intents.append(name)
            domain.locations[f"intent:{name}"] = where(data.get("intents"))
    _merge_entities(domain, data.get("entities") or [])
    for name, spec in (data.get("slots") or {}).items():
        domain.slots[str(name)] = _parse_slot(str(name), spec or {}, where(data["slots"], name))
    for name, spec in (data.get("forms") or {}).items():
        domain.forms[str(name)] = _parse_form(str(name), spec or {}, where(data["forms"], name))
    for name, variations in (data.get("responses") or {}).items():
        domain.responses[str(name)] = _parse_variations(str(name), variations, data["responses"])
        domain.locations[f"response:{name}"] = where(data["responses"], name)
    actions = data.get("actions") or []
    for index, item in enumerate(actions):
        name = next(iter(item)) if isinstance(item, dict) else str(item)
        if name not in domain.actions:
            domain.actions.append(name)
            domain.locations[f"action:{name}"] = where(actions, index)
    if "session_config" in data:
        cfg = data["session_config"] or {}
        domain.session_config = SessionConfig(
            expiration_minutes=float(cfg.get("session_expiration_time", 60)),
            carry_over_slots=bool(cfg.get("carry_over_slots_to_new_session", True)),
        )


def _merge_entities(domain: Domain, entities: list[Any]) -> None:
    for item in entities:
        if isinstance(item, dict):
            name = next(iter(item))
            spec = item[name] or {}
            domain.entity_roles[name] = list(spec.get("roles") or [])
            domain.entity_groups[name] = list(spec.get("groups") or [])
        else:
            name = str(item)
        if name not in domain.entities:
            domain.entities.append(name)


def _parse_slot(name: str, spec: dict[str, Any], location: str) -> Slot:
    slot_type = str(spec.get("type", "any"))
    if slot_type.startswith("rasa.") or "." in slot_type:
        slot_type = "any"  # custom slot classes: keep the value, skip featurisation
    if slot_type not in SLOT_TYPES:
        raise DomainError(f"{location}: slot '{name}' has unknown type '{slot_type}'")
    mappings = spec.get("mappings")
    if mappings is None:
        mappings = []
    if not isinstance(mappings, list):
        raise DomainError(f"{location}: slot '{name}': 'mappings' must be a list")
    parsed = []
    for mapping in mappings:
        if not isinstance(mapping, dict) or mapping.get("type") not in MAPPING_TYPES:
            raise DomainError(
                f"{where(mapping) if isinstance(mapping, dict) else location}: slot '{name}' "
                f"has a mapping of unknown type {mapping!r}"
            )
        if mapping["type"] == "from_entity" and not mapping.get("entity"):
            raise DomainError(f"{where(mapping)}: from_entity mapping of '{name}' needs 'entity'")
        parsed.append(dict(mapping))
    values = [str(v).lower() if v is not None else v for v in spec.get("values") or []]
    return Slot(
        name=name,
        type=slot_type,
        mappings=parsed,
        initial_value=spec.get("initial_value"),
        influence_conversation=bool(spec.get("influence_conversation", slot_type != "any")),
        values=values,
        min_value=float(spec.get("min_value", 0.0)),
        max_value=float(spec.get("max_value", 1.0)),
        location=location,
    )


def _parse_form(name: str, spec: dict[str, Any], location: str) -> Form:
    required = spec.get("required_slots") or []
    if isinstance(required, dict):  # Rasa 2 style: slot -> mappings; keep the slot names
        required = list(required)
    ignored = spec.get("ignored_intents") or []
    if isinstance(ignored, str):
        ignored = [ignored]
    return Form(name, [str(s) for s in required], [str(i) for i in ignored], location)


def _parse_variations(name: str, variations: Any, parent: LineDict) -> list[dict[str, Any]]:
    if not isinstance(variations, list) or not variations:
        raise DomainError(f"{where(parent, name)}: response '{name}' needs a list of variations")
    parsed = []
    for variation in variations:
        if isinstance(variation, str):
            variation = {"text": variation}
        if not isinstance(variation, dict):
            raise DomainError(f"{where(parent, name)}: response '{name}' has a bad variation")
        parsed.append(dict(variation))
    return parsed


def _add_default_slots(domain: Domain) -> None:
    if REQUESTED_SLOT not in domain.slots:
        domain.slots[REQUESTED_SLOT] = Slot(
            REQUESTED_SLOT, "any", [], influence_conversation=False, location="(built-in)"
        )
    if SESSION_METADATA_SLOT not in domain.slots:
        domain.slots[SESSION_METADATA_SLOT] = Slot(
            SESSION_METADATA_SLOT, "any", [], influence_conversation=False, location="(built-in)"
        )
