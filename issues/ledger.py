"""The ledger (taizhang): issues as plain views, the filters over them, and lookups.

Every other room that hands an issue back builds its view here (`Ledger.views`), so a view
reads the same wherever it comes from: people, group, department name, rating, photos and the
SLA light as of the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from functools import partial
from typing import TypeVarTuple

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights, people, sla
from issues.errors import NotFound
from issues.fact_filter import FINISHED, with_fact
from issues.groups import group_row
from issues.holders import held_by_any
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import (
    Event,
    Group,
    Issue,
    OrgUnit,
    Photo,
    Rating,
    Report,
)
from issues.practice_facts import practice_facts
from issues.search import text_matches
from issues.unit_of_work import Room
from issues.views import EventView, IssueFilter, IssueView, Page, PersonRef

# Events that take an issue on or move it forward (who took it on, and the latest progress).
TAKING_STEPS = ("acknowledge", "assign", "progress", "resolve", "escalate", "claim")
COUNT_CAP = 10_000  # a page header counts matching issues up to here, then says "10000+"
PAGE_MAX = 500
STREAM_BATCH = 5000  # issues per batch of an export
_STATUS = {s.value: s for s in Status}  # a dict is faster than Status(value) per row
_Row = TypeVarTuple("_Row")


def filtered(q: Select[*_Row], f: IssueFilter,
             now: datetime) -> Select[*_Row]:
    """`q` narrowed to the issues `f` asks for; `now` decides the lights. Withdrawn issues
    (never a request) are left out unless asked for by status."""
    if f.status:
        q = q.where(Issue.status == f.status) if f.status != "open_all" else q.where(
            Issue.status.in_(OPEN_STATUSES))
    else:
        q = q.where(Issue.status != Status.WITHDRAWN)
    if f.statuses is not None:
        q = q.where(Issue.status.in_(f.statuses))
    if f.category:
        q = q.where(Issue.category == f.category)
    if f.chat_ids is not None:
        q = q.where(Issue.group_id.in_(select(Group.id).where(Group.chat_id.in_(f.chat_ids))))
    # Scopes name the group ids in a subquery: no join, so the issue indexes carry it.
    if f.chat_id is not None:
        q = q.where(Issue.group_id == select(Group.id).where(Group.chat_id == f.chat_id)
                    .scalar_subquery())
    if f.org_unit_id is not None:
        # The unit and every unit below it (a street covers its communities' groups).
        tree = select(OrgUnit.id).where(OrgUnit.id == f.org_unit_id).cte(recursive=True)
        tree = tree.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
        q = q.where(Issue.group_id.in_(
            select(Group.id).where(Group.org_unit_id.in_(select(tree.c.id)))))
    if f.assignee_user_id is not None:
        q = q.where(Issue.assignee_id.in_(people.chat_person_ids(f.assignee_user_id)))
    if f.holder_user_id is not None:
        q = q.where(held_by_any(people.chat_person_ids(f.holder_user_id)))
    if f.department_code:
        q = q.where(Issue.department_code == f.department_code)
    q = with_fact(q, f, now)
    if f.text:
        q = q.where(text_matches([Issue.summary, Issue.text, Issue.location_text], f.text,
                                 f.masked))
    if f.light in ("red", "yellow", "green"):
        q = q.where(lights.light_is(f.light, now))
    return q


def chat_report_key(chat_id: int, message_id: int) -> tuple[str, str, str]:
    """(channel, scope, external id) of a group chat message: message ids are per chat."""
    return str(people.CHAT), str(chat_id), str(message_id)


async def issue_row(s: AsyncSession, chat_id: int, number: int) -> tuple[Group, Issue]:
    g = await group_row(s, chat_id)
    issue = (await s.execute(select(Issue).where(
        Issue.group_id == g.id, Issue.number == number))).scalar()
    if issue is None:
        raise NotFound(number=number)
    return g, issue


async def issue_by_id(s: AsyncSession, issue_id: int) -> Issue:
    issue = await s.get(Issue, issue_id)
    if issue is None:
        raise NotFound(number=issue_id)
    return issue


class Ledger(Room):
    """Views of issues and the lookups the bot and the dashboard make."""

    async def views(self, s: AsyncSession, issues: Sequence[Issue],
                    with_events: bool = False) -> list[IssueView]:
        if not issues:
            return []
        ids = [i.id for i in issues]
        person_ids = {i.reporter_id for i in issues} | {i.assignee_id for i in issues
                                                         if i.assignee_id}
        found = await people.refs(s, person_ids)
        groups = {g.id: g for g in (await s.execute(
            select(Group.id, Group.chat_id, Group.title).where(
                Group.id.in_({i.group_id for i in issues})))).all()}
        depts = self.settings.department_names()
        ratings: dict[int, int] = {}
        for issue_id, score in (await s.execute(
            select(Rating.issue_id, Rating.score).where(Rating.issue_id.in_(ids))
            .order_by(Rating.at)
        )).all():
            ratings[issue_id] = score
        photos: dict[int, list[str]] = {}
        for issue_id, file_id in (await s.execute(
            select(Photo.issue_id, Photo.file_id).where(Photo.issue_id.in_(ids))
            .order_by(Photo.id)
        )).all():
            photos.setdefault(issue_id, []).append(file_id)
        taken_by, progress, resolution = await self._steps(s, ids)
        facts = await practice_facts(s, ids, depts)
        found.update(await people.refs(s, set(taken_by.values()) - set(found)))
        events: dict[int, list[EventView]] = {}
        if with_events:
            rows = (await s.execute(select(Event).where(Event.issue_id.in_(ids))
                                    .order_by(Event.at, Event.id))).scalars().all()
            actor_ids = {e.actor_id for e in rows if e.actor_id} - set(found)
            if actor_ids:
                found.update(await people.refs(s, actor_ids))
            for e in rows:
                events.setdefault(e.issue_id, []).append(EventView(
                    e.kind, e.at, found.get(e.actor_id) if e.actor_id else None,
                    e.from_status, e.to_status, e.note, e.data or {}))
        now = self.clock()
        out = []
        for i in issues:
            g = groups[i.group_id]
            reporter = found[i.reporter_id]
            out.append(IssueView(
                id=i.id, chat_id=g.chat_id, group_title=g.title, number=i.number,
                category=i.category, category_name=self.settings.category_name(i.category),
                summary=i.summary, text=i.text, location_text=i.location_text, lat=i.lat,
                lon=i.lon, urgent=i.urgent, urgent_kind=i.urgent_kind,
                status=Status(i.status), reporter=reporter,
                assignee=found.get(i.assignee_id) if i.assignee_id else None,
                department_code=i.department_code,
                department_name=depts.get(i.department_code or ""),
                escalation_level=i.escalation_level, report_count=i.report_count,
                source_message_id=i.source_message_id, card_message_id=i.card_message_id,
                created_at=i.created_at, updated_at=i.updated_at,
                acknowledged_at=i.acknowledged_at, resolved_at=i.resolved_at,
                closed_at=i.closed_at, ack_due_at=i.ack_due_at,
                resolve_due_at=i.resolve_due_at,
                light=sla.light(i.status, i.ack_due_at, i.resolve_due_at, i.ack_warn_at,
                                i.resolve_warn_at, now),
                rating=ratings.get(i.id), reject_reason=i.reject_reason,
                photos=tuple(photos.get(i.id, ())), events=tuple(events.get(i.id, ())),
                was_late=sla.was_late(i.status, i.ack_due_at, i.resolve_due_at,
                                      i.acknowledged_at, i.resolved_at, now),
                progress_note=progress.get(i.id),
                resolution_note=resolution.get(i.id) if i.status in FINISHED else None,
                taken_by=found.get(taken_by[i.id]) if i.id in taken_by else None,
                **facts.get(i.id, {}),
            ))
        return out

    @staticmethod
    async def _steps(s: AsyncSession, ids: list[int]
                     ) -> tuple[dict[int, int], dict[int, str], dict[int, str]]:
        """Per issue: who took it on (the first step out of `open`), the newest progress
        note since it was last resolved — what the card shows of its history (reopened, the
        plan that led to the rejected fix is no news) — and the newest resolution's note
        (the exports' result column)."""
        taken_by: dict[int, int] = {}
        progress: dict[int, str] = {}
        resolution: dict[int, str] = {}
        for issue_id, kind, actor_id, note, from_status in (await s.execute(
            select(Event.issue_id, Event.kind, Event.actor_id, Event.note, Event.from_status)
            .where(Event.issue_id.in_(ids), Event.kind.in_(TAKING_STEPS))
            .order_by(Event.at, Event.id)
        )).all():
            if from_status == Status.OPEN and actor_id is not None:
                taken_by.setdefault(issue_id, actor_id)
            if kind == "progress" and note:
                progress[issue_id] = note
            elif kind == "resolve":
                resolution[issue_id] = note or ""
                progress.pop(issue_id, None)
        return taken_by, progress, resolution

    async def view(self, s: AsyncSession, issue: Issue, with_events: bool = False) -> IssueView:
        return (await self.views(s, [issue], with_events))[0]

    async def list_issues(self, f: IssueFilter | None = None, page: int = 1,
                          page_size: int = 20) -> Page:
        f = f or IssueFilter()
        page = max(1, page)
        page_size = max(1, min(PAGE_MAX, page_size))

        async def run(s: AsyncSession) -> Page:
            now = self.clock()
            # Counting a whole district's ledger for a page header costs more than the page:
            # beyond COUNT_CAP the header says "COUNT_CAP+" (Page.total_capped).
            counted = filtered(select(Issue.id), f, now).limit(COUNT_CAP + 1).subquery()
            total = (await s.execute(select(func.count()).select_from(counted))).scalar_one()
            items = await self._newest(s, f, now, (page - 1) * page_size, page_size)
            return Page(items, min(int(total), COUNT_CAP), page, page_size,
                        total_capped=total > COUNT_CAP)

        return await self.uow.read(run)

    async def assigned(self, chat_id: int, user_id: int, limit: int) -> list[IssueView]:
        """A group's newest issues assigned to a person, with no count, on the event loop
        (`glance`): a few rows by the assignee index, asked for by a resident's every
        acknowledgement in the chat (she may be offered only those, and mostly has none)."""
        f = IssueFilter(chat_id=chat_id, assignee_user_id=user_id)
        return await self.uow.glance(partial(self._newest, f=f, now=self.clock(), offset=0,
                                             limit=limit))

    async def _newest(self, s: AsyncSession, f: IssueFilter, now: datetime, offset: int,
                      limit: int) -> list[IssueView]:
        q = filtered(select(Issue), f, now).order_by(Issue.created_at.desc(), Issue.id.desc())
        rows = (await s.execute(q.offset(offset).limit(limit))).scalars().all()
        return await self.views(s, rows)

    async def newest(self, limit: int) -> list[IssueView]:
        """The newest issues in one statement, as an export reads them (the wall screen's feed)."""
        return await self.uow.read(partial(self._rows_after, IssueFilter(), None, limit, {}))

    async def ledger_rows(self, f: IssueFilter | None = None,
                          limit: int = 200_000) -> list[IssueView]:
        rows: list[IssueView] = []
        async for batch in self.stream(f):
            rows += batch
            if len(rows) >= limit:
                break
        return rows[:limit]

    async def stream(self, f: IssueFilter | None = None,
                     batch: int = STREAM_BATCH) -> AsyncIterator[list[IssueView]]:
        """Every issue the filter asks for, newest first, a batch at a time, for exports: each
        batch is the next range of the (created, id) order after the last one seen (keyset),
        so the millionth row costs what the first did, unlike OFFSET, and nothing is
        counted. Each batch is one statement joining what a ledger row shows (group, rating,
        resolution), then the names of the people it has not met yet; the views carry no
        photos and no history. The next batch is read while the caller writes this one (in
        the database's thread or server)."""
        f = f or IssueFilter()
        names: dict[int, PersonRef] = {}  # a district's residents report many times a year

        def read(after: tuple[datetime, int] | None) -> asyncio.Task[list[IssueView]]:
            return asyncio.ensure_future(self.uow.read(
                partial(self._rows_after, f, after, batch, names)))

        ahead = read(None)
        try:
            while True:
                got = await ahead
                if len(got) == batch:
                    ahead = read((got[-1].created_at, got[-1].id))
                if got:
                    yield got
                if len(got) < batch:
                    return
        finally:  # a caller that stopped early (a closed download): the read in flight ends
            with contextlib.suppress(Exception):
                await ahead

    async def _rows_after(self, f: IssueFilter, after: tuple[datetime, int] | None,
                          batch: int, names: dict[int, PersonRef],
                          s: AsyncSession) -> list[IssueView]:
        """A batch of views; `names` (person id → reference) is kept from batch to batch
        and gets the people this batch meets for the first time: each is read and built once
        per export, not joined twice into every row."""
        now = self.clock()
        i = Issue
        # The newest resolution's note, looked up only for issues resolved now.
        note = case((i.status.in_(FINISHED), select(Event.note).where(
            Event.issue_id == i.id, Event.kind == "resolve")
            .order_by(Event.at.desc(), Event.id.desc()).limit(1).scalar_subquery()))
        q = filtered(select(
            i.id, i.number, i.category, i.summary, i.text, i.location_text, i.lat, i.lon,
            i.urgent, i.status, i.department_code, i.escalation_level, i.report_count,
            i.source_message_id, i.card_message_id, i.created_at, i.updated_at,
            i.acknowledged_at, i.resolved_at, i.closed_at, i.ack_due_at, i.resolve_due_at,
            i.ack_warn_at, i.resolve_warn_at, i.reject_reason, Group.chat_id, Group.title,
            i.reporter_id, i.assignee_id, i.rating, note,
        ).join(Group, Group.id == i.group_id), f, now)
        if after is not None:
            at, last = after
            # A range of the created index, read in its order (no sort), minus the rows of the
            # last instant already seen: "(created, id) before (at, last)".
            q = q.where(i.created_at <= at, or_(i.created_at < at, i.id < last))
        q = q.order_by(i.created_at.desc(), i.id.desc()).limit(batch)
        rows = (await (await s.connection()).execute(q)).all()  # Core rows: no ORM per row
        unknown = {r.reporter_id for r in rows} | {r.assignee_id for r in rows}
        unknown -= names.keys()
        unknown.discard(None)
        if unknown:
            names.update(await people.refs(s, unknown))
        depts = self.settings.department_names()
        name_of = self.settings.category_name
        out = []
        for (id_, number, cat, summary, text, place, lat, lon, urgent, status, dept, level,
             reports, source, card, created, updated, acked, resolved, closed, ack_due,
             resolve_due, ack_warn, resolve_warn, reason, chat_id, title, reporter_id,
             assignee_id, score, resolution) in rows:
            out.append(IssueView(
                id=id_, chat_id=chat_id, group_title=title, number=number, category=cat,
                category_name=name_of(cat), summary=summary, text=text, location_text=place,
                lat=lat, lon=lon, urgent=urgent, status=_STATUS[status],
                reporter=names[reporter_id],
                assignee=None if assignee_id is None else names[assignee_id],
                department_code=dept, department_name=depts.get(dept or ""),
                escalation_level=level, report_count=reports, source_message_id=source,
                card_message_id=card, created_at=created, updated_at=updated,
                acknowledged_at=acked, resolved_at=resolved, closed_at=closed,
                ack_due_at=ack_due, resolve_due_at=resolve_due,
                light=sla.light(status, ack_due, resolve_due, ack_warn, resolve_warn, now),
                rating=score, reject_reason=reason,
                was_late=sla.was_late(status, ack_due, resolve_due, acked, resolved, now),
                resolution_note=resolution))
        return out

    async def count(self, f: IssueFilter | None = None) -> int:
        """How many issues the filter asks for (all of them: for a progress bar)."""
        async def run(s: AsyncSession) -> int:
            counted = filtered(select(Issue.id), f or IssueFilter(), self.clock()).subquery()
            return int((await s.execute(select(func.count()).select_from(counted))
                        ).scalar_one())

        return await self.uow.read(run)

    async def get_issue(self, chat_id: int, number: int, with_events: bool = False) -> IssueView:
        async def run(s: AsyncSession) -> IssueView:
            _, issue = await issue_row(s, chat_id, number)
            return await self.view(s, issue, with_events)

        return await self.uow.read(run)

    async def get_issue_by_id(self, issue_id: int, with_events: bool = False) -> IssueView:
        async def run(s: AsyncSession) -> IssueView:
            return await self.view(s, await issue_by_id(s, issue_id), with_events)

        return await self.uow.read(run)

    async def find_by_source_message(self, chat_id: int, message_id: int) -> IssueView | None:
        """The issue a group chat message reported or seconded."""
        async def run(s: AsyncSession) -> IssueView | None:
            channel, scope, external_id = chat_report_key(chat_id, message_id)
            rep = (await s.execute(select(Report).where(
                Report.channel == channel, Report.scope == scope,
                Report.external_id == external_id))).scalar()
            issue = await s.get(Issue, rep.issue_id) if rep else None
            return await self.view(s, issue) if issue else None

        return await self.uow.read(run)

    async def find_by_card_message(self, chat_id: int, message_id: int) -> IssueView | None:
        async def run(s: AsyncSession) -> IssueView | None:
            issue = (await s.execute(select(Issue).join(Group).where(
                Group.chat_id == chat_id, Issue.card_message_id == message_id))).scalar()
            return await self.view(s, issue) if issue else None

        return await self.uow.read(run)

    async def mine(self, chat_id: int, user_id: int) -> list[IssueView]:
        """Issues a person reported or holds in a group, open ones first."""
        async def run(s: AsyncSession) -> list[IssueView]:
            pid = await people.person_id(s, user_id)
            if pid is None:
                return []
            rows = (await s.execute(select(Issue).join(Group).where(
                Group.chat_id == chat_id,
                or_(Issue.reporter_id == pid, Issue.assignee_id == pid),
            ).order_by(Issue.created_at.desc()).limit(50))).scalars().all()
            views = await self.views(s, rows)
            return sorted(views, key=lambda v: (not v.is_open, -v.number))

        return await self.uow.read(run)
