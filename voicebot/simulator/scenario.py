"""Scenario files: who the simulated merchant is and how they answer.

A scenario is YAML (see scenarios/*.yml). Replies are matched against what the persona
*heard* the bot say (its own transcription of the bot's audio): the first reply whose
``when`` words appear wins; a reply may instead name the slot the bot is asking for
(``slot``), used when the words do not match (the simulator reads the requested slot from
the call's saved dialog state, as a stand-in for a merchant who understood the question
even though the test machine's speech recognition did not).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the problem."""


@dataclass
class Reply:
    when: list[str] = field(default_factory=list)
    slot: str | None = None
    say: str | None = None
    dtmf: str | None = None
    silence: bool = False
    hang_up: bool = False
    times: int | None = None  # at most this many uses
    used: int = 0

    def matches_words(self, heard: str) -> bool:
        return any(_normal(w) in heard for w in self.when)

    @property
    def available(self) -> bool:
        return self.times is None or self.used < self.times


@dataclass
class Interruption:
    bot_turn: int  # 1-based: the bot's n-th turn (the greeting is turn 1)
    after_ms: int
    say: str


@dataclass
class Scenario:
    name: str
    language: str
    merchant: dict[str, Any]
    replies: list[Reply]
    fallback: Reply
    description: str = ""
    voice: str | None = None
    reply_delay_ms: int = 400
    noise_db: float | None = None
    answered_by: str = "human"
    amd_after_ms: int = 2500
    interruptions: list[Interruption] = field(default_factory=list)
    max_bot_turns: int = 60
    expect: dict[str, Any] = field(default_factory=dict)
    # "transcribe": the persona recognises the bot's audio; "slot": it only follows the slot the
    # bot asks for (benchmarks, so the persona's own recognition does not load the machine).
    hear: str = "transcribe"

    def pick(self, heard: str, requested_slot: str | None) -> Reply:
        """The reply to what the bot just said."""
        text = _normal(heard)
        for reply in self.replies:
            if reply.available and reply.when and reply.matches_words(text):
                reply.used += 1
                return reply
        if requested_slot:
            for reply in self.replies:
                if reply.available and reply.slot == requested_slot:
                    reply.used += 1
                    return reply
        return self.fallback


TOP_LEVEL_KEYS = {
    "name",
    "description",
    "language",
    "merchant",
    "persona",
    "line",
    "replies",
    "interruptions",
    "fallback",
    "max_bot_turns",
    "expect",
}
PERSONA_KEYS = {"voice", "reply_delay_ms", "noise_db", "hear"}
LINE_KEYS = {"answered_by", "amd_after_ms"}


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\.(?!\w)", " ", text)  # sentence dots go, dots inside addresses stay
    return " " + re.sub(r"[^\w@.]+", " ", text).strip() + " "


def _reply(data: Any, where: str) -> Reply:
    if isinstance(data, str):
        return Reply(say=data)
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a reply must be a mapping or a sentence")
    unknown = set(data) - {"when", "slot", "say", "dtmf", "silence", "hang_up", "times"}
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    when = data.get("when") or []
    if isinstance(when, str):
        when = [when]
    reply = Reply(
        when=[str(w) for w in when],
        slot=data.get("slot"),
        say=data.get("say"),
        dtmf=str(data["dtmf"]) if data.get("dtmf") is not None else None,
        silence=bool(data.get("silence", False)),
        hang_up=bool(data.get("hang_up", False)),
        times=data.get("times"),
    )
    actions = sum(bool(x) for x in (reply.say, reply.dtmf, reply.silence, reply.hang_up))
    if actions != 1:
        raise ScenarioError(f"{where}: give exactly one of say, dtmf, silence, hang_up")
    return reply


def load_scenario(name_or_path: str | Path) -> Scenario:
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS_DIR / f"{name_or_path}.yml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SCENARIOS_DIR.glob("*.yml")))
        raise ScenarioError(f"no scenario {str(name_or_path)!r} (known: {known})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: the top level must be a mapping")
    for key in ("language", "merchant"):
        if key not in data:
            raise ScenarioError(f"{path}: '{key}' is missing")
    persona = data.get("persona") or {}
    line = data.get("line") or {}
    # a misspelt or misplaced key would be ignored and the call run otherwise than written
    for where, given, known in (
        ("", data, TOP_LEVEL_KEYS),
        ("persona.", persona, PERSONA_KEYS),
        ("line.", line, LINE_KEYS),
    ):
        if unknown := sorted(set(given) - known):
            raise ScenarioError(f"{path}: unknown key {where}{unknown[0]} (known: {sorted(known)})")
    replies = [
        _reply(r, f"{path.name} replies[{i}]") for i, r in enumerate(data.get("replies") or [])
    ]
    interruptions = [
        Interruption(int(i["bot_turn"]), int(i.get("after_ms", 1000)), str(i["say"]))
        for i in data.get("interruptions") or []
    ]
    return Scenario(
        name=str(data.get("name") or path.stem),
        description=str(data.get("description") or ""),
        language=str(data["language"]),
        merchant=dict(data["merchant"]),
        replies=replies,
        fallback=_reply(data.get("fallback") or {"silence": True}, f"{path.name} fallback"),
        voice=persona.get("voice"),
        reply_delay_ms=int(persona.get("reply_delay_ms", 400)),
        noise_db=persona.get("noise_db"),
        answered_by=str(line.get("answered_by", "human")),
        amd_after_ms=int(line.get("amd_after_ms", 2500)),
        interruptions=interruptions,
        max_bot_turns=int(data.get("max_bot_turns", 60)),
        expect=dict(data.get("expect") or {}),
        hear=str(persona.get("hear", "transcribe")),
    )


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yml"))
