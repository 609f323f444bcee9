"""Spoken-form normalisers: pure functions from recognised speech (lower case words) to
values, and back to words for reading values out. One YAML file of rules per language."""

from .corrections import after_correction, corrected
from .dates import SpokenDateTime, parse_datetime
from .digits import parse_digit_string
from .email import is_valid_domain, is_valid_email, parse_domain, parse_email, spell_address
from .languages import UnknownLanguageError, available_languages, language
from .launch import ASAP, LaunchDate, parse_launch_date
from .numbers import NumberSpan, Quantity, find_numbers, parse_number, parse_quantity
from .speak import say_date, say_datetime, say_digits, say_number, say_time
from .tax_id import TaxIdCheck, check_tax_id, nip_checksum_ok, parse_tax_id
from .yesno import parse_yes_no

__all__ = [
    "ASAP",
    "LaunchDate",
    "NumberSpan",
    "Quantity",
    "SpokenDateTime",
    "TaxIdCheck",
    "UnknownLanguageError",
    "after_correction",
    "available_languages",
    "check_tax_id",
    "corrected",
    "find_numbers",
    "is_valid_domain",
    "is_valid_email",
    "language",
    "nip_checksum_ok",
    "parse_datetime",
    "parse_digit_string",
    "parse_domain",
    "parse_email",
    "parse_launch_date",
    "parse_number",
    "parse_quantity",
    "parse_tax_id",
    "parse_yes_no",
    "say_date",
    "say_datetime",
    "say_digits",
    "say_number",
    "say_time",
    "spell_address",
]
