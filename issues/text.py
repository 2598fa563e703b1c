"""What counts as something written: a report of only spaces, zero-width characters or blank
fillers says nothing and opens nothing."""

from __future__ import annotations

import re
import unicodedata

# Categories that show nothing: controls, format characters (zero-width space and joiners,
# the byte-order mark), separators; and letters drawn blank (Hangul fillers, braille blank).
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
_CLAUSE_END = re.compile(r"[,，。.!！?？;；:：、\n]+|\s{2,}")
SUMMARY = 20  # characters: a summary stands in a list line and a reminder


def visible(text: str) -> bool:
    """Whether `text` has at least one character a reader would see."""
    return any(c not in _BLANK_LETTERS and unicodedata.category(c) not in _INVISIBLE_CATEGORIES
               for c in text)


def first_clause(text: str, limit: int = SUMMARY) -> str:
    """A summary of a report whose words were not read (a hotline order, an Open311 request,
    when no reader is given to the service): its first clause, whole when it fits, and else
    its first `limit` characters."""
    for part in _CLAUSE_END.split(text):
        if part.strip():
            return part.strip()[:limit]
    return text.strip()[:limit]
