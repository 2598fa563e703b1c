"""The ledger's filter for one supervision figure (`IssueFilter.fact`, one of
issues.facts.FACTS): the issues a number on the dashboard counts, by the same rules as the
figures (issues.supervision), read from the facts each issue keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, or_, select

from issues.facts import RATING_BANDS, reopen_where
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import Event, Issue
from issues.views import IssueFilter

FINISHED = (Status.RESOLVED, Status.CLOSED)  # resolved now (a resolution note stands)
_Row = TypeVarTuple("_Row")


def _judged(clock: str, late: bool, now: datetime) -> ColumnElement[bool]:
    """Judged for a clock ("ack", "resolve") as the supervision figures judge it: in time, or
    late (stopped past its due time, or still running past it); rejected issues never are."""
    at, due, on_time = ((Issue.acknowledged_at, Issue.ack_due_at, Issue.ack_on_time)
                        if clock == "ack" else
                        (Issue.resolved_at, Issue.resolve_due_at, Issue.resolve_on_time))
    if not late:
        return and_(on_time == 1, Issue.status != Status.REJECTED)
    waiting = and_(at.is_(None), Issue.status.in_(OPEN_STATUSES), due <= now)
    return and_(Issue.status != Status.REJECTED, or_(on_time == 0, waiting))


def with_fact(q: Select[*_Row], f: IssueFilter, now: datetime) -> Select[*_Row]:
    """`f.fact`'s issues (see issues.facts.FACTS), in `f.since`..`f.until`: the time of the
    rating or the reopening for those, else the time of receipt."""
    at: Any = Issue.created_at  # or the rating's time
    fact = f.fact
    if fact in RATING_BANDS:
        q, at = q.where(Issue.rating.between(*RATING_BANDS[fact])), Issue.rated_at
    elif fact == "reopened":
        ev = select(Event.id).where(Event.issue_id == Issue.id, reopen_where())
        ev = ev.where(Event.at >= f.since) if f.since else ev
        ev = ev.where(Event.at < f.until) if f.until else ev
        return q.where(ev.exists())
    elif fact == "acked":
        q = q.where(Issue.acknowledged_at.is_not(None))
    elif fact == "done":
        q = q.where(Issue.status.in_(FINISHED))
    elif fact == "repeat":
        q = q.where(Issue.repeat_of.is_not(None))
    elif fact is not None:  # ack_on_time, ack_late, resolve_on_time, resolve_late
        clock, _, judged = fact.partition("_")
        q = q.where(_judged(clock, judged == "late", now))
    if f.since:
        q = q.where(at >= f.since)
    if f.until:
        q = q.where(at < f.until)
    return q
