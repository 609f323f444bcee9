"""The languages the bot can call in, read from spoken_languages.yml: which languages exist, which
countries speak them, and Twilio's <Say> code for each. Imports nothing of voicebot, so the
CRM, the dialog and the telephony edge share one list."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class SpokenLanguage:
    code: str
    name: str
    countries: tuple[str, ...]
    twilio_say: str | None  # None: Twilio has no voice for it


@dataclass(frozen=True)
class SpokenLanguages:
    by_code: dict[str, SpokenLanguage]
    fallback: str

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.by_code)

    def for_country(self, country: str | None) -> str:
        """The language a merchant of ``country`` (ISO 3166 alpha-2) is called in."""
        wanted = (country or "").upper()
        for language in self.by_code.values():
            if wanted in language.countries:
                return language.code
        return self.fallback


@cache
def spoken_languages() -> SpokenLanguages:
    text = resources.files("voicebot").joinpath("spoken_languages.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    by_code = {
        str(code): SpokenLanguage(
            code=str(code),
            name=str(spec["name"]),
            countries=tuple(str(c).upper() for c in spec.get("countries") or ()),
            twilio_say=spec.get("twilio_say"),
        )
        for code, spec in data["languages"].items()
    }
    fallback = str(data["fallback"])
    if fallback not in by_code:
        raise ValueError(
            f"spoken_languages.yml: the fallback {fallback!r} is not one of the languages"
        )
    return SpokenLanguages(by_code, fallback)


def supported_languages() -> tuple[str, ...]:
    return spoken_languages().codes
