"""Facts about an issue that supervision counts, kept on the issue when they happen.

A district's month is some 70,000 issues; its figures (issues.supervision) must come back in a
fraction of a second. Reading them is cheap only when nothing is computed per row at read time:
no time arithmetic (SQLite keeps times as text), no self-join to find repeats, no join to
find ratings. So each fact is written once, when it happens, and read from one index:

- when a clock stops (accepted, resolved) its seconds since receipt and whether it was in time
  (`clock`; the model sets them whenever the time is set or cleared, `models.Issue`);
- at intake, the earlier complaint of the same group, category and place received at most
  `REPEAT_WINDOW` before that this one repeats (`issues.repeats`);
- when the resident rates, the rating and its time (the latest rating is the issue's).

`fill` computes them, set-based and with the same definitions, for rows written without them
(the district generator of the benches). Migration 0017 filled the rows written before they
existed with its own copy, as the definitions were then.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import TextClause, text
from sqlalchemy.engine import Connection

from issues.lifecycle import OPEN_STATUSES, Status

REPEAT_WINDOW = timedelta(days=30)
# What a period's figures read, in the order of the covering index (created_at leads: a
# period is a range of it).
PERIOD_COLUMNS = ("created_at", "group_id", "status", "assignee_id", "department_code",
                  "ack_seconds", "ack_on_time", "resolve_seconds", "resolve_on_time",
                  "repeat_of")
# The same per group, in time order: SQLite counts a period group by group from it without
# sorting, the seconds of its stopped clocks included (issues.supervision ranks them); it also
# serves what (group_id, created_at) served.
GROUP_COLUMNS = ("group_id", "created_at", "status", "ack_on_time", "resolve_on_time",
                 "repeat_of", "ack_seconds", "resolve_seconds")
# What a period's counts by status and category read (issues.stats: received, accepted,
# resolved; the categories), in the order of their covering index.
COUNT_COLUMNS = ("created_at", "status", "category", "acknowledged_at")
RATED_COLUMNS = ("rated_at", "group_id", "status", "assignee_id", "department_code", "rating")
# Ratings per group in time order (SQLite's group by group count, as GROUP_COLUMNS).
GROUP_RATED_COLUMNS = ("group_id", "rated_at", "status", "rating")
# The open issues only (a partial index: a few thousand rows of a million), with what their
# lights and their lateness are read from.
OPEN_COLUMNS = ("status", "group_id", "created_at", "ack_due_at", "ack_warn_at",
                "acknowledged_at", "resolve_due_at", "resolve_warn_at", "resolved_at",
                "assignee_id", "department_code")
# A reopening: from a finished status back to an open one (an unsatisfied rating or /reopen).
REOPENED_FROM = (Status.RESOLVED, Status.CLOSED, Status.REJECTED)


# The ledger's filters for the figures (IssueFilter.fact), so that every number on the
# dashboard lists the issues it counts: accepted, resolved, accepted (resolved) in time or late
# (late: a stopped clock past its due time, or an open issue still waiting past it), repeats,
# reopened (in the period), rated (in the period) and the three bands of ratings.
FACTS = ("acked", "done", "ack_on_time", "ack_late", "resolve_on_time", "resolve_late",
         "repeat", "reopened", "rated", "satisfied", "basic", "unsatisfied")
RATING_BANDS = {"rated": (1, 5), "satisfied": (4, 5), "basic": (3, 3), "unsatisfied": (1, 2)}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


# Written out, not bound: SQLite uses a partial index only for a query that repeats its
# condition literally.
REOPEN_SQL = f"{_in('from_status', REOPENED_FROM)} AND {_in('to_status', OPEN_STATUSES)}"


# The same for the partial index of open issues.
OPEN_SQL = _in("status", OPEN_STATUSES)


def reopen_where() -> TextClause:
    return text(REOPEN_SQL)


def open_where() -> TextClause:
    return text(OPEN_SQL)


def clock(start: datetime | None, stop: datetime | None,
          due: datetime | None) -> tuple[int | None, int | None]:
    """(whole seconds from start to stop, 1 if stopped by the due time else 0); (None, None)
    while the clock runs. Seconds round to the nearest, as `fill` does in SQL."""
    if stop is None or start is None or due is None:
        return None, None
    return math.floor((stop - start).total_seconds() + 0.5), int(stop <= due)


def fill(conn: Connection) -> None:
    """Every fact of every issue from its history, for rows written before the facts were
    kept: clocks from their times, repeats by the same rule as intake (the previous
    complaint of the same group, category and place, not withdrawn, within the window),
    the latest rating."""
    sqlite = conn.dialect.name == "sqlite"

    def seconds(later: str) -> str:
        if sqlite:
            return f"CAST(round((julianday({later}) - julianday(created_at)) * 86400) AS INTEGER)"
        return f"CAST(round(extract(epoch FROM {later} - created_at)) AS INTEGER)"

    def on_time(at: str, due: str) -> str:
        return f"CASE WHEN {at} IS NULL THEN NULL WHEN {at} <= {due} THEN 1 ELSE 0 END"

    conn.execute(text(
        f"UPDATE issues SET ack_seconds = {seconds('acknowledged_at')}, "
        f"ack_on_time = {on_time('acknowledged_at', 'ack_due_at')}, "
        f"resolve_seconds = {seconds('resolved_at')}, "
        f"resolve_on_time = {on_time('resolved_at', 'resolve_due_at')} "
        "WHERE acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL"))
    window = REPEAT_WINDOW.total_seconds()
    gap = ("(julianday(p.created_at) - julianday(p.before_at)) * 86400" if sqlite
           else "extract(epoch FROM p.created_at - p.before_at)")
    conn.execute(text(
        "UPDATE issues SET repeat_of = p.before_id FROM ("
        "SELECT id, created_at, lag(id) OVER w AS before_id, lag(created_at) OVER w AS before_at "
        f"FROM issues WHERE status <> '{Status.WITHDRAWN}' AND location_text <> '' "
        "WINDOW w AS (PARTITION BY group_id, category, location_text ORDER BY created_at, id)"
        f") AS p WHERE p.id = issues.id AND p.before_id IS NOT NULL AND {gap} <= {window}"))
    conn.execute(text(
        "UPDATE issues SET rating = r.score, rated_at = r.at FROM ("
        "SELECT issue_id, score, at, row_number() OVER "
        "(PARTITION BY issue_id ORDER BY at DESC, id DESC) AS n FROM ratings"
        ") AS r WHERE r.issue_id = issues.id AND r.n = 1"))
