"""Settings of the practices beyond intake (`practices:` in config/settings.yaml): how often a
supervised issue is reminded, volunteers' points, the follow-up of unrated issues, votes'
default length, and the 12345 hotline's routing table.

`issues.settings` builds them: its `load_settings` calls `load_practices` with its duration
parser and turns a ValueError into its SettingsError."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class HotlineRoute:
    """Orders whose address (or text) matches `pattern` go to `group`: a chat id, or a
    group's title as the ledger knows it."""

    pattern: re.Pattern[str]
    group: int | str


@dataclass(frozen=True)
class HotlineSettings:
    routes: tuple[HotlineRoute, ...] = ()
    fallback_group: int | str | None = None  # orders no route matches
    # The hotline's category words (any level of its path) → our category code.
    categories: dict[str, str] = field(default_factory=dict)
    # A hotline system's own column names (as its export writes them) → our field names.
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PracticeSettings:
    supervise_every: timedelta = timedelta(hours=2)
    points_per_help: int = 1
    followup_after: timedelta = timedelta(hours=24)
    followup_wait: timedelta = timedelta(hours=48)
    vote_duration: timedelta = timedelta(hours=24)
    hotline: HotlineSettings = field(default_factory=HotlineSettings)


def _group(value: object, where: str) -> int | str:
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    if not text:
        raise ValueError(f"{where}: a chat id or a group's title is needed")
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _hotline(raw: dict[str, Any]) -> HotlineSettings:
    routes = []
    for n, item in enumerate(raw.get("routes") or [], 1):
        where = f"practices.hotline.routes[{n}]"
        if not isinstance(item, dict) or not item.get("place"):
            raise ValueError(f"{where}: needs place (a pattern) and group")
        try:
            pattern = re.compile(str(item["place"]))
        except re.error as exc:
            raise ValueError(f"{where}: place is no pattern: {exc}") from None
        routes.append(HotlineRoute(pattern, _group(item.get("group"), where)))
    fallback = raw.get("fallback_group")
    return HotlineSettings(
        routes=tuple(routes),
        fallback_group=_group(fallback, "practices.hotline.fallback_group")
        if fallback not in (None, "") else None,
        categories={str(k): str(v) for k, v in (raw.get("categories") or {}).items()},
        columns=_columns(raw.get("columns") or {}))


def _columns(raw: dict[str, Any]) -> dict[str, str]:
    fields = ("number", "time", "text", "category", "address", "phone")
    for name, to in raw.items():
        if to not in fields:
            raise ValueError(f"practices.hotline.columns.{name}: {to!r} is none of "
                             + ", ".join(fields))
    return {str(k).strip(): str(v) for k, v in raw.items()}


def load_practices(raw: dict[str, Any],
                   parse_duration: Callable[[object], timedelta]) -> PracticeSettings:
    sup, vol = raw.get("supervision") or {}, raw.get("volunteers") or {}
    fol, votes = raw.get("followup") or {}, raw.get("votes") or {}
    base = PracticeSettings()

    def span(raw: dict[str, Any], key: str, default: timedelta) -> timedelta:
        return parse_duration(raw.get(key, default.total_seconds()))

    return PracticeSettings(
        supervise_every=span(sup, "remind_every", base.supervise_every),
        points_per_help=int(vol.get("points_per_help", base.points_per_help)),
        followup_after=span(fol, "after", base.followup_after),
        followup_wait=span(fol, "wait", base.followup_wait),
        vote_duration=span(votes, "default_duration", base.vote_duration),
        hotline=_hotline(raw.get("hotline") or {}))
