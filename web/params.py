"""Query parameters of the dashboard, checked: a number that is not one, out of range, or a
date the calendar does not have is a 400 that names the parameter, never a 500 from deep in
the database driver (`page=99999999999999999999`, `group=²`, `since=0001-01-01`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

INT64 = 2**63 - 1  # Telegram user and chat ids
INT32 = 2**31 - 1  # our own row ids
MAX_PAGE = 1_000_000


def bad(key: str, value: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f"参数无效：{key}={value[:40]}", content_type="text/plain")


def int_param(q: Mapping[str, str], key: str, low: int, high: int) -> int | None:
    """An integer in [low, high]; None when absent or empty."""
    raw = q.get(key, "").strip()
    if not raw:
        return None
    digits = raw[1:] if raw.startswith("-") else raw
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise bad(key, raw)
    value = int(raw)
    if not low <= value <= high:
        raise bad(key, raw)
    return value


def day_param(q: Mapping[str, str], key: str, tz: ZoneInfo, *, end: bool = False,
              ) -> datetime | None:
    """A local calendar day (YYYY-MM-DD) as its first instant; with `end`, the first instant
    after it. None when absent or empty."""
    raw = q.get(key, "").strip()
    if not raw:
        return None
    try:
        at = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=tz)
        if end:
            at += timedelta(days=1)
        at.astimezone(UTC)  # the ends of the calendar do not fit once in UTC
    except (ValueError, OverflowError):
        raise bad(key, raw) from None
    return at


def page_param(q: Mapping[str, str]) -> int:
    return int_param(q, "page", 1, MAX_PAGE) or 1


def choice_param(q: Mapping[str, str], key: str, choices: tuple[str, ...]) -> str | None:
    """One of `choices`; None when absent or empty."""
    raw = q.get(key, "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise bad(key, raw)
    return raw
