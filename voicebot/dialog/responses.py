"""Turning a response name into a bot message: conditional variations, random choice,
`{slot}` interpolation (Rasa's natural language generator, template part)."""

from __future__ import annotations

import random
import re
from typing import Any

from voicebot.dialog.domain import Domain

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_\-]*)\}")


def condition_holds(condition: list[dict[str, Any]], slots: dict[str, Any]) -> bool:
    for item in condition:
        if item.get("type", "slot") != "slot":
            return False
        expected, actual = item.get("value"), slots.get(str(item.get("name")))
        if isinstance(expected, str) and isinstance(actual, str):
            if expected.lower() != actual.lower():
                return False
        elif expected != actual:
            return False
    return True


def choose_variation(
    variations: list[dict[str, Any]],
    slots: dict[str, Any],
    rng: random.Random,
    channel: str | None = None,
) -> dict[str, Any] | None:
    """Conditional variations whose conditions hold win over plain ones, as in Rasa."""

    def for_channel(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        specific = [v for v in items if channel and v.get("channel") == channel]
        return specific or [v for v in items if not v.get("channel")]

    conditional = [
        v for v in variations if v.get("condition") and condition_holds(v["condition"], slots)
    ]
    candidates = for_channel(conditional) or for_channel(
        [v for v in variations if not v.get("condition")]
    )
    return rng.choice(candidates) if candidates else None


def fill(text: str, values: dict[str, Any]) -> str:
    """Replace `{name}` with the value; unknown names stay as written."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def _fill_deep(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, list):
        return [_fill_deep(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill_deep(v, values) for k, v in value.items()}
    return value


def render(
    domain: Domain,
    name: str,
    slots: dict[str, Any],
    rng: random.Random,
    extra: dict[str, Any] | None = None,
    channel: str | None = None,
) -> dict[str, Any] | None:
    """The message for response `name` (a dict with `text` and other keys) or None if the
    domain has no usable variation."""
    variations = domain.responses.get(name)
    if not variations:
        return None
    chosen = choose_variation(variations, slots, rng, channel)
    if chosen is None:
        return None
    values = {**slots, **(extra or {})}
    message = {k: _fill_deep(v, values) for k, v in chosen.items() if k != "condition"}
    message.setdefault("text", None)
    return message
