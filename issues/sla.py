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


def was_late(status: str, ack_due: datetime, resolve_due: datetime,
             acknowledged_at: datetime | None, resolved_at: datetime | None,
             now: datetime) -> bool:
    """Was late: a clock ran out before its step was taken. An open issue's running clocks
    count up to now; a finished one keeps what happened (an issue withdrawn or rejected was
    never going to be resolved, so only its acknowledgement counts)."""
    still_open = status in OPEN_STATUSES
    acked = acknowledged_at or (now if still_open else None)
    if acked is not None and acked > ack_due:
        return True
    if status in (Status.REJECTED, Status.WITHDRAWN):
        return False
    done = resolved_at or (now if still_open else None)
    return done is not None and done > resolve_due
