"""Repeat complaints: a complaint of the same group, category and place (the
detector's location text) as another received at most `facts.REPEAT_WINDOW` before it. False
detections (withdrawn) are no complaints; a complaint without a place repeats nothing.

Decided at intake and kept on the issue (`Issue.repeat_of`: the complaint it repeats, the
latest such), so the supervision figures count repeats from an index instead of comparing
each issue with the month before it. A complaint that stops or starts being one (withdrawn,
reopened after that) or changes place (an edited message) changes what its place's later
complaints repeat: `refresh` decides those again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Executable, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from issues.facts import REPEAT_WINDOW
from issues.lifecycle import Status
from issues.models import Issue
from issues.unit_of_work import among, among_values, run

_ISSUES = cast(Table, Issue.__table__)

Place = tuple[int, str, str]  # group id, category, location text


def place_of(group_id: int, category: str, location: str | None) -> Place | None:
    return (group_id, category, location) if location else None


@dataclass
class Arrival:
    """A complaint just received: where and when; what it repeats, an earlier complaint
    (`repeat_of`) or one received with it (`repeats`, whose id is known once inserted)."""

    place: Place | None
    at: datetime
    id: int = 0
    repeat_of: int | None = None
    repeats: Arrival | None = None


def decide(s: Session, new: Sequence[Arrival]) -> None:
    """What each of the complaints received together repeats, in their order: read the
    complaints before them in one statement, then compare them with those and each other
    (inside intake's synchronous unit, `issues.unit_of_work.run`)."""
    placed = sorted((a for a in new if a.place is not None), key=lambda a: a.at)
    if not placed:
        return
    places = {a.place for a in placed if a.place is not None}
    alone = len(places) == 1
    rows = run(s, _before(alone), {
        **among_values("groups", {p[0] for p in places}, alone),
        **among_values("categories", {p[1] for p in places}, alone),
        **among_values("places", {p[2] for p in places}, alone),
        "since": placed[0].at - REPEAT_WINDOW}).all()
    latest: dict[Place, tuple[int, datetime] | Arrival] = {}
    n = 0
    for a in placed:
        assert a.place is not None
        while n < len(rows) and rows[n][4] <= a.at:
            g, c, loc, i, at = rows[n]
            latest[(g, c, loc or "")] = (i, at)
            n += 1
        prev = latest.get(a.place)
        if isinstance(prev, Arrival):
            a.repeats = prev if a.at - prev.at <= REPEAT_WINDOW else None
        elif prev is not None and a.at - prev[1] <= REPEAT_WINDOW:
            a.repeat_of = prev[0]
        latest[a.place] = a


@cache
def _before(alone: bool) -> Executable:
    """The complaints received at some places, or at one (`alone`), since :since (built
    once: every complaint asks)."""
    return (select(Issue.group_id, Issue.category, Issue.location_text, Issue.id,
                   Issue.created_at)
            .where(among(Issue.group_id, "groups", alone),
                   among(Issue.category, "categories", alone),
                   among(Issue.location_text, "places", alone),
                   Issue.created_at >= bindparam("since"), Issue.status != Status.WITHDRAWN)
            .order_by(Issue.created_at, Issue.id))


def link(s: Session, new: Sequence[Arrival]) -> None:
    """Write what complaints received together repeat of each other, now they have ids."""
    pairs = [{"b_id": a.id, "b_of": a.repeats.id} for a in new if a.repeats is not None]
    if pairs:
        s.execute(update(_ISSUES).where(_ISSUES.c.id == bindparam("b_id"))
                  .values(repeat_of=bindparam("b_of")), pairs)


async def refresh(s: AsyncSession, issue: Issue, place: Place | None) -> None:
    """`place`'s complaints from `issue`'s receipt to one window after it repeat what the
    rule says now (after `issue` was withdrawn, brought back, or moved to or from `place`).
    Pending changes are flushed first, so the rule sees them."""
    if place is None:
        if issue.repeat_of is not None:
            issue.repeat_of = None
        return
    await s.flush()
    group_id, category, location = place
    around = issue.created_at
    rows = (await s.execute(
        select(Issue.id, Issue.created_at, Issue.status, Issue.repeat_of)
        .where(Issue.group_id == group_id, Issue.category == category,
               Issue.location_text == location,
               Issue.created_at >= around - REPEAT_WINDOW,
               Issue.created_at <= around + REPEAT_WINDOW)
        .order_by(Issue.created_at, Issue.id))).all()
    prev: tuple[int, datetime] | None = None
    changes = []
    for i, at, status, now_of in rows:
        want = None
        if status != Status.WITHDRAWN:
            if prev is not None and at - prev[1] <= REPEAT_WINDOW:
                want = prev[0]
            prev = (i, at)
        if at < around or want == now_of:
            continue
        if i == issue.id:
            issue.repeat_of = want
        else:
            changes.append({"b_id": i, "b_of": want})
    if changes:
        await s.execute(update(_ISSUES).where(_ISSUES.c.id == bindparam("b_id"))
                        .values(repeat_of=bindparam("b_of")), changes)
