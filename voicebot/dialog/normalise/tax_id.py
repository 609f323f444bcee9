"""Company tax numbers: Polish NIP with its checksum, and the VAT/tax formats of other
countries (through python-stdnum) for merchants based abroad."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

from .digits import parse_digit_string, split_prefix, spoken_prefix

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
# A merchant's own country's number is stored as that country writes it: the Russian INN and
# the Slovenian davčna številka are bare digits (SI + digits is the VAT id), the Czech DIČ
# carries its CZ. A number of another country keeps its country prefix.
BARE_AT_HOME = {"PL", "RU", "SI", "US", "CA", "AU"}
# python-stdnum's module for a country's business tax number, where it is not called "vat"
# (the US EIN/TIN, the Canadian BN, the Australian ABN)
TAX_MODULES = ("vat", "tin", "bn", "abn")
# a country python-stdnum cannot check: a number of this many letters and digits is taken as
# said (read back, confirmed by the merchant, reviewed by staff), not verified
UNVERIFIED_LENGTHS = range(5, 21)


@dataclass(frozen=True)
class TaxIdCheck:
    valid: bool
    value: str  # compact form, with the country prefix for non-Polish numbers
    country: str
    reason: str = ""  # why invalid ("length", "checksum", "format"), or "unverified" (valid)


def nip_checksum_ok(nip: str) -> bool:
    """The Polish NIP rule: weighted sum of the first nine digits mod 11 equals the tenth."""
    if len(nip) != 10 or not nip.isdigit():
        return False
    check = sum(int(d) * w for d, w in zip(nip, NIP_WEIGHTS, strict=False)) % 11
    return check != 10 and check == int(nip[9])


def check_tax_id(raw: str, country: str = "PL") -> TaxIdCheck:
    """Validate a tax number written or already normalised to digits (and letters)."""
    prefix, rest = split_prefix(raw)
    home = country.upper()
    country = (prefix if prefix and prefix != home else country).upper()
    compact = "".join(ch for ch in rest.upper() if ch.isalnum())
    if country == "PL":
        if len(compact) != 10 or not compact.isdigit():
            return TaxIdCheck(False, compact, country, "length")
        ok = nip_checksum_ok(compact)
        return TaxIdCheck(ok, compact, country, "" if ok else "checksum")
    module = next(
        (m for name in TAX_MODULES if (m := get_cc_module(country.lower(), name)) is not None),
        None,
    )
    if module is None:
        if len(compact) in UNVERIFIED_LENGTHS:
            return TaxIdCheck(True, compact, country, "unverified")
        return TaxIdCheck(False, compact, country, "length")
    try:
        value = module.validate(compact)
    except ValidationError as exc:
        reason = type(exc).__name__.removeprefix("Invalid").lower() or "format"
        return TaxIdCheck(False, compact, country, reason)
    bare = country == home and country in BARE_AT_HOME
    return TaxIdCheck(True, value if bare else f"{country}{value}", country)


def parse_tax_id(text: str, lang: str, country: str = "PL") -> TaxIdCheck | None:
    """A tax number as spoken ("pięćset dwadzieścia sześć zero zero ..."), checked for the
    merchant's country. None when no digits were said."""
    text = spoken_prefix(text, lang)
    prefix, rest = split_prefix(text)
    if prefix and prefix.lower() in {"na", "to", "my", "is", "it", "no", "ok"}:
        prefix, rest = "", text  # a short word, not a country code
    checks = [
        check_tax_id(f"{prefix} {digits}" if prefix else digits, country)
        for spliced in (True, False)
        if (digits := parse_digit_string(rest, lang, min_digits=5, corrections=spliced))
    ]
    if not checks:
        return None
    # a group said again after a self-correction replaces the one before it; when the
    # number that makes is not valid, the digits as said, all of them (as before)
    return next((c for c in checks if c.valid), checks[-1])
