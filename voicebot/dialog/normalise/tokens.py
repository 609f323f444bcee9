"""Tokenising recognised speech: lower case, words and digit groups, punctuation dropped."""

from __future__ import annotations

import re

# Digit groups keep their inner separators ("1,2", "10:30", "1.200"); words keep apostrophes.
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|[-–@_.]")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())
