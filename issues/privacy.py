"""One masking function for every public rendering: group posts, department relays, Open311
and the dashboard's read-only role all show text through `mask` (or `public_view`).

Residents write phone numbers in every format (`138 0013 8001`, `+86-138…`, `0086…`,
full-width digits, landlines with area codes) and ID-card numbers with spaces; libphonenumber
(`phonenumbers`) knows China's numbering plan, so it finds the phones, and a separator-tolerant
pattern finds the ID-card numbers. Masked digits become `*`; the layout of the number stays,
so a reader still sees that a number was there and its last four digits.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

from issues.views import IssueView, PersonRef

MASK = "*"
_MIN_DIGITS = 7  # fewer digits than the shortest number we mask: nothing to do
_SEP = r"[ \-]?"
_DATE = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE_SPLIT = rf"(?:18|19|20)\d{{2}}{_SEP}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# 18-character ID (area, birth date, sequence, a digit or X), written as one run or grouped
# 6-8-4 or 6-4-4-4 by spaces or hyphens; never part of a longer run of digits or letters.
_ID_CARD = re.compile(
    rf"(?<![0-9A-Za-z])\d{{6}}{_SEP}(?:{_DATE}|{_DATE_SPLIT}){_SEP}\d{{3}}[\dXx](?![0-9A-Za-z])")
# The old 15-digit ID (a two-digit year), looked for once phone numbers are masked.
_OLD_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])\d{8}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])")
# A mainland mobile number with optional single separators, caught even where libphonenumber
# declines (next to Latin letters, as in "tel13800138000").
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[ .\-]?\d){8}(?!\d)")
# Numbers that belong to no one (hotlines, toll-free, shared-cost) stay readable.
_SERVICE_TYPES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST,
                  PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UAN}


def _narrow(text: str) -> str:
    """The text with full-width forms (１, －, ＋, the ideographic space) and other decimal
    digits as ASCII; one character for one, so positions stay the same."""
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
        elif "\uff01" <= c <= "\uff5e":
            out.append(chr(ord(c) - 0xFEE0))
        elif c == "\u3000":
            out.append(" ")
        elif unicodedata.decimal(c, None) is not None:
            out.append(str(unicodedata.decimal(c)))
        else:
            out.append(c)
    return "".join(out)


def _digit_positions(chars: list[str], start: int, end: int) -> list[int]:
    return [k for k in range(start, end) if chars[k] in "0123456789Xx"]


def _personal(number: phonenumbers.PhoneNumber, raw: str) -> bool:
    """A valid number that is not a hotline; or one written with an area or country code
    (a digit short or long is still someone's number, while dates, room lists and
    coordinates, which never start with 0 or +, are left alone)."""
    if phonenumbers.is_valid_number(number):
        return phonenumbers.number_type(number) not in _SERVICE_TYPES
    return raw.lstrip("(").startswith(("0", "+")) and len(
        phonenumbers.national_significant_number(number)) >= 9


def mask(text: str) -> str:
    """Phone and ID-card numbers in `text` with their middle digits replaced by `*`."""
    if sum(c.isdecimal() for c in text) < _MIN_DIGITS:
        return text
    norm = _narrow(text)
    chars = list(text)
    flat = list(norm)

    def hide(positions: list[int]) -> None:
        for k in positions:
            chars[k] = flat[k] = MASK

    for m in _ID_CARD.finditer(norm):
        digits = _digit_positions(flat, m.start(), m.end())
        hide(digits[6:14] + digits[-1:])
    for m in _MOBILE.finditer("".join(flat)):
        hide(_digit_positions(flat, m.start(), m.end())[3:7])
    for match in PhoneNumberMatcher("".join(flat), "CN", leniency=Leniency.POSSIBLE):
        if not _personal(match.number, match.raw_string):
            continue
        national = phonenumbers.national_significant_number(match.number)
        digits = _digit_positions(flat, match.start, match.end)
        # The national number is the span's last digits (after +86, 0086 or a trunk 0).
        first = len(digits) - len(national)
        hide(digits[first + 3:len(digits) - 4])
    for m in _OLD_ID_CARD.finditer("".join(flat)):
        digits = _digit_positions(flat, m.start(), m.end())
        hide(digits[6:12] + digits[-1:])
    return "".join(chars)


def mask_optional(text: str | None) -> str | None:
    return None if text is None else mask(text)


def public_view(issue: IssueView) -> IssueView:
    """The issue as anyone outside the ledger may see it: every free text masked."""
    return dataclasses.replace(
        issue, text=mask(issue.text), summary=mask(issue.summary),
        location_text=mask_optional(issue.location_text),
        reject_reason=mask_optional(issue.reject_reason),
        events=tuple(dataclasses.replace(e, note=mask_optional(e.note))
                     for e in issue.events),
    )


def mask_name(name: str) -> str:
    """A resident's name for readers outside the group: its first character, the rest
    starred (Li Ayi → L*****, a three-character Chinese name → its surname and two stars), so
    a reader tells people apart without learning who they are."""
    name = name.strip()
    return name[:1] + MASK * max(1, len(name) - 1) if name else name


def unnamed_view(issue: IssueView) -> IssueView:
    """`public_view`, and the reporter's name masked wherever it shows (as reporter, and as
    whoever acted: her rating, her reason, her reopening). Staff keep their names. A report
    from another channel named after the channel ("12345") names nobody and stays."""
    issue = public_view(issue)
    who = issue.reporter
    if who.user_id is None and who.name.lower() == str(issue.channel).lower():
        return issue

    def hidden(p: PersonRef | None) -> PersonRef | None:
        if p is None or (p.user_id, p.name) != (who.user_id, who.name):
            return p
        return dataclasses.replace(p, name=mask_name(p.name), username=None)

    masked = hidden(who)
    assert masked is not None
    return dataclasses.replace(
        issue, reporter=masked,
        events=tuple(dataclasses.replace(e, actor=hidden(e.actor)) for e in issue.events))

