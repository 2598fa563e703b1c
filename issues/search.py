"""The ledger's text search, and what it may find for a reader who sees text masked.

A read-only dashboard user sees phone and ID-card numbers masked (`issues.privacy`:
138****5678), but a search runs over the stored text: `q=1381234` finding an issue told them
the hidden digits, one guess at a time. For such a reader a number in the query matches only
a whole number of the text (not a run of digits inside a longer one, separators counted as part
of it), and a query holding a number as long as the shortest masked one is refused: nothing a
mask hides can be probed. Whole numbers are matched with SQLite's GLOB and PostgreSQL's
regular expressions (LIKE has no character classes).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

# What a number is written with: digits (full-width too) and the separators residents put in
# phone numbers; a number in the query is matched only where none of these touch it.
_NUMERIC = "0-9０-９ .　－-"
_NUMERIC_RE = re.compile(f"[{_NUMERIC}]+")
LONGEST = 6  # digits a masked reader may search for in one number: masked ones have 7 or more


class NumberTooLong(ValueError):
    """A masked reader's query holds a number as long as a masked one."""


def _digits(run: str) -> int:
    return sum(c.isdigit() for c in run)


def _numbers(text: str) -> list[re.Match[str]]:
    return [m for m in _NUMERIC_RE.finditer(text) if _digits(m.group())]


def searchable(text: str) -> bool:
    """Whether a reader who sees text masked may search for `text`: no number in it has more
    than LONGEST digits."""
    return all(_digits(m.group()) <= LONGEST for m in _numbers(text))


def text_matches(columns: list[Any], text: str, masked: bool) -> ColumnElement[bool]:
    """Any of `columns` contains `text` (its % and _ taken literally); for a `masked` reader,
    a number at either end of `text` only as a whole number of the column."""
    runs = _numbers(text)
    if masked and not searchable(text):
        raise NumberTooLong(text)
    contains = [c.contains(text, autoescape=True) for c in columns]
    left = masked and bool(runs) and runs[0].start() == 0
    right = masked and bool(runs) and runs[-1].end() == len(text)
    if not (left or right):
        return or_(*contains)
    return or_(*(and_(c_in, _Whole(c, text, left, right))
                 for c, c_in in zip(columns, contains, strict=True)))


class _Whole(ColumnElement[bool]):
    """`column` holds `text` with nothing numeric just before it (`left`) or just after it
    (`right`): compiled per database below."""

    type = Boolean()
    inherit_cache = False  # a rare search: not worth a cache key of its own

    def __init__(self, column: Any, text: str, left: bool, right: bool) -> None:
        self.column, self.text, self.left, self.right = column, text, left, right


# Not numeric: _NUMERIC's set negated (its own hyphen last, where it is not a range).
_EDGE = f"[^{_NUMERIC}]"


@compiles(_Whole, "sqlite")
def _whole_sqlite(element: _Whole, compiler: SQLCompiler, **kw: Any) -> str:
    core = "".join(f"[{c}]" if c in "*?[" else c for c in element.text)
    lefts = [f"*{_EDGE}", ""] if element.left else ["*"]  # "": at the very start
    rights = [f"{_EDGE}*", ""] if element.right else ["*"]
    col = compiler.process(element.column, **kw)
    return "(" + " OR ".join(f"{col} GLOB {compiler.process(literal(a + core + b), **kw)}"
                             for a in lefts for b in rights) + ")"


@compiles(_Whole, "postgresql")
def _whole_postgresql(element: _Whole, compiler: SQLCompiler, **kw: Any) -> str:
    pattern = (f"(^|{_EDGE})" if element.left else "") + re.escape(element.text) + \
        (f"({_EDGE}|$)" if element.right else "")
    col = compiler.process(element.column, **kw)
    return f"({col} ~ {compiler.process(literal(pattern), **kw)})"
