"""SLA lights: green below 75 % of the allowed time, yellow from there, red when overdue."""

from __future__ import annotations

from datetime import datetime

from issues.views import OPEN_STATUSES


def window(status: str, created: datetime, ack_due: datetime, resolve_due: datetime,
           acknowledged: datetime | None) -> tuple[datetime, datetime] | None:
    """The clock that runs now: to acknowledge while open, to resolve after that."""
    if status == "open":
        return created, ack_due
    if status in OPEN_STATUSES:
        return created, resolve_due
    return None


def light(status: str, created: datetime, ack_due: datetime, resolve_due: datetime,
          acknowledged: datetime | None, now: datetime, yellow_ratio: float) -> str | None:
    w = window(status, created, ack_due, resolve_due, acknowledged)
    if w is None:
        return None
    start, due = w
    if now >= due:
        return "red"
    if now >= yellow_at(start, due, yellow_ratio):
        return "yellow"
    return "green"


def yellow_at(start: datetime, due: datetime, yellow_ratio: float) -> datetime:
    return start + (due - start) * yellow_ratio
