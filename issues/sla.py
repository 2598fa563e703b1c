"""SLA lights: green below 75 % of the allowed time, yellow from there, red when overdue.

The yellow point of each clock is stored with its due time (`warn_at`), when the due time is
set: like the due time, it follows the settings in force when the clock started, and the
database can count and find lights by index (`issues.lights`).
"""

from __future__ import annotations

from datetime import datetime

from issues.lifecycle import OPEN_STATUSES, Status


def warn_at(start: datetime, due: datetime, yellow_ratio: float) -> datetime:
    """When a clock running from start to due turns yellow."""
    return start + (due - start) * yellow_ratio


def light(status: str, ack_due: datetime, resolve_due: datetime,
          ack_warn: datetime | None, resolve_warn: datetime | None,
          now: datetime) -> str | None:
    """The clock that runs now (to acknowledge while open, to resolve after that) → light."""
    if status == Status.OPEN:
        due, warn = ack_due, ack_warn
    elif status in OPEN_STATUSES:
        due, warn = resolve_due, resolve_warn
    else:
        return None
    if now >= due:
        return "red"
    if warn is not None and now >= warn:
        return "yellow"
    return "green"
