"""The service the bot and the dashboard share. One transaction per public call.

Nothing here knows about Telegram: people are (user id, name, username), groups are chat ids,
messages are message ids. Permissions are decided here, not in the handlers, and every change
writes an audit event in the same transaction as the change itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from issues import lights, sla
from issues.coalesce import Coalescer
from issues.db import Database
from issues.errors import (
    AlreadyRated,
    Conflict,
    InvalidInput,
    InvalidTransition,
    IssueError,
    NotFound,
    PermissionDenied,
)
from issues.intake import IntakeItem, intake_batch
from issues.models import (
    Delivery,
    Department,
    DepartmentMember,
    Event,
    Feedback,
    Group,
    GroupAdmin,
    InboxUpdate,
    Issue,
    OrgUnit,
    Person,
    Photo,
    Rating,
    Report,
)
from issues.settings import Settings, parse_clock, parse_quiet_hours
from issues.views import (
    LEVELS,
    OPEN_STATUSES,
    RATING_WORDS,
    STATUS_NAMES,
    EventView,
    GroupView,
    IntakeResult,
    IssueFilter,
    IssueView,
    Page,
    PersonRef,
    Stats,
    TransitionResult,
)
from nlp.types import CATEGORIES, Detection, category_name

T = TypeVar("T")
MAX_TEXT = 20_000
MANAGERS = frozenset({"owner", "admin", "assignee", "department"})
ACTION_NAMES = {
    "acknowledge": "受理", "assign": "交办", "progress": "更新进展", "resolve": "办结",
    "reject": "不予受理", "reopen": "重新打开", "escalate": "吹哨上报", "claim": "报到认领",
    "rate": "评价", "photo": "补充照片", "locate": "补充位置",
}
# action → (statuses it may start from, roles allowed)
RULES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "acknowledge": (("open",), MANAGERS),
    "assign": (OPEN_STATUSES, MANAGERS),
    "progress": (OPEN_STATUSES, MANAGERS),
    "resolve": (OPEN_STATUSES, MANAGERS),
    "reject": (OPEN_STATUSES, MANAGERS),
    "reopen": (("resolved", "closed", "rejected"), MANAGERS | {"reporter"}),
    "escalate": (OPEN_STATUSES, MANAGERS),
    "claim": (OPEN_STATUSES, frozenset({"department"})),
    "rate": (("resolved",), frozenset({"reporter"})),
    "photo": (tuple(STATUS_NAMES), MANAGERS | {"reporter"}),
    "locate": (tuple(STATUS_NAMES), MANAGERS | {"reporter"}),
}
GROUP_SETTINGS = ("auto_detect", "sensitivity", "timezone", "digest_time", "progress_time",
                  "quiet_hours")
DELIVERY_LEASE = timedelta(seconds=60)
COUNT_CAP = 10_000  # a page header counts matching issues up to here, then says "10000+"


def utcnow() -> datetime:
    return datetime.now(UTC)


class IssueService:
    def __init__(self, db: Database, settings: Settings,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._intake = Coalescer(self._intake_batch, "suqiu-intake")
        self._cards: Coalescer[tuple[int, int], None] = Coalescer(self._set_cards,
                                                                  "suqiu-cards")
        self._group_cache: dict[int, tuple[float, GroupView]] = {}
        self._write_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    # --- plumbing ---------------------------------------------------------------------------
    async def _tx(self, fn: Callable[[AsyncSession], Awaitable[T]], retries: int = 4) -> T:
        """Run fn in one transaction; retry when a concurrent writer got there first."""
        for attempt in range(retries):
            try:
                async with self._serial(), self.db.sessionmaker() as s, s.begin():
                    return await fn(s)
            except (StaleDataError, IntegrityError):
                if attempt == retries - 1:
                    raise
        raise AssertionError("unreachable")

    async def _read(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run fn in a read-only session: on SQLite (WAL) readers never wait for the writer,
        so reads skip the queue of `_serial`."""
        async with self.db.sessionmaker() as s:
            return await fn(s)

    def _serial(self) -> contextlib.AbstractAsyncContextManager[object]:
        """On SQLite, one transaction of this process at a time.

        SQLite has one writer; concurrent transactions of one process would only wait for its
        file lock by sleeping and polling (busy_timeout), or fail when a reader turns writer.
        Queueing them here costs nothing and keeps concurrent chats fast. PostgreSQL runs
        them side by side."""
        if not self.db.is_sqlite:
            return contextlib.nullcontext()
        loop = asyncio.get_running_loop()
        if self._write_lock is None or self._write_lock[0] is not loop:
            self._write_lock = (loop, asyncio.Lock())
        return self._write_lock[1]

    async def _person(self, s: AsyncSession, ref: PersonRef) -> Person:
        p = (await s.execute(select(Person).where(Person.tg_user_id == ref.user_id))).scalar()
        if p is None:
            p = Person(tg_user_id=ref.user_id, name=ref.stored_name(), username=ref.username)
            try:
                async with s.begin_nested():
                    s.add(p)
            except IntegrityError:
                p = (await s.execute(
                    select(Person).where(Person.tg_user_id == ref.user_id))).scalar_one()
        elif (p.name, p.username) != (ref.stored_name(p.name), ref.username):
            p.name, p.username = ref.stored_name(p.name), ref.username
        return p

    async def _person_id(self, s: AsyncSession, user_id: int) -> int | None:
        return (await s.execute(
            select(Person.id).where(Person.tg_user_id == user_id))).scalar()

    async def _group(self, s: AsyncSession, chat_id: int) -> Group:
        g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
        if g is None:
            raise NotFound("group_unknown", chat_id=chat_id)
        return g

    async def _issue(self, s: AsyncSession, chat_id: int, number: int) -> tuple[Group, Issue]:
        g = await self._group(s, chat_id)
        issue = (await s.execute(select(Issue).where(
            Issue.group_id == g.id, Issue.number == number))).scalar()
        if issue is None:
            raise NotFound(number=number)
        return g, issue

    @staticmethod
    def _ref(p: Person | None) -> PersonRef | None:
        return None if p is None else PersonRef(p.tg_user_id, p.name, p.username)

    async def _views(self, s: AsyncSession, issues: Sequence[Issue],
                     with_events: bool = False) -> list[IssueView]:
        if not issues:
            return []
        ids = [i.id for i in issues]
        person_ids = {i.reporter_id for i in issues} | {i.assignee_id for i in issues
                                                         if i.assignee_id}
        people = {p.id: p for p in (await s.execute(
            select(Person).where(Person.id.in_(person_ids)))).scalars()}
        groups = {g.id: g for g in (await s.execute(
            select(Group).where(Group.id.in_({i.group_id for i in issues})))).scalars()}
        depts = {d.code: d.name for d in self.settings.departments}  # the one source of names
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
        events: dict[int, list[EventView]] = {}
        if with_events:
            rows = (await s.execute(select(Event).where(Event.issue_id.in_(ids))
                                    .order_by(Event.at, Event.id))).scalars().all()
            actor_ids = {e.actor_id for e in rows if e.actor_id} - set(people)
            if actor_ids:
                people.update({p.id: p for p in (await s.execute(
                    select(Person).where(Person.id.in_(actor_ids)))).scalars()})
            for e in rows:
                events.setdefault(e.issue_id, []).append(EventView(
                    e.kind, e.at, self._ref(people.get(e.actor_id) if e.actor_id else None),
                    e.from_status, e.to_status, e.note))
        now = self.clock()
        out = []
        for i in issues:
            g = groups[i.group_id]
            reporter = self._ref(people.get(i.reporter_id))
            assert reporter is not None
            out.append(IssueView(
                id=i.id, chat_id=g.chat_id, group_title=g.title, number=i.number,
                category=i.category, category_name=category_name(i.category),
                summary=i.summary, text=i.text, location_text=i.location_text, lat=i.lat,
                lon=i.lon, urgent=i.urgent, status=i.status, reporter=reporter,
                assignee=self._ref(people.get(i.assignee_id)) if i.assignee_id else None,
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
            ))
        return out

    async def _view(self, s: AsyncSession, issue: Issue, with_events: bool = False) -> IssueView:
        return (await self._views(s, [issue], with_events))[0]

    # --- groups and people ------------------------------------------------------------------
    async def register_group(self, chat_id: int, title: str, owner: PersonRef | None,
                             admins: Iterable[PersonRef] = ()) -> GroupView:
        """Create or refresh a group; the owner stays as set unless none is known yet."""
        admins = list(admins)

        async def run(s: AsyncSession) -> GroupView:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            if g is None:
                g = Group(chat_id=chat_id, title=title[:200] or str(chat_id),
                          timezone=self.settings.timezone, settings={}, last_number=0,
                          created_at=self.clock())
                s.add(g)
                await s.flush()
            elif title:
                g.title = title[:200]
            if owner is not None and g.owner_id is None:
                g.owner_id = (await self._person(s, owner)).id
            if admins:
                await self._set_admins(s, g, admins)
            return await self._group_view(s, g)

        return await self._tx(run)

    async def _set_admins(self, s: AsyncSession, g: Group, admins: list[PersonRef]) -> None:
        ids = {(await self._person(s, a)).id for a in admins}
        current = set((await s.execute(select(GroupAdmin.person_id)
                                       .where(GroupAdmin.group_id == g.id))).scalars())
        for pid in current - ids:
            await s.execute(GroupAdmin.__table__.delete().where(
                and_(GroupAdmin.group_id == g.id, GroupAdmin.person_id == pid)))
        for pid in ids - current:
            s.add(GroupAdmin(group_id=g.id, person_id=pid))

    async def sync_admins(self, chat_id: int, admins: Iterable[PersonRef]) -> GroupView:
        async def run(s: AsyncSession) -> GroupView:
            g = await self._group(s, chat_id)
            await self._set_admins(s, g, list(admins))
            return await self._group_view(s, g)

        return await self._tx(run)

    async def _group_view(self, s: AsyncSession, g: Group) -> GroupView:
        self._group_cache.pop(g.chat_id, None)  # read or changed: a cached copy may be stale
        owner = await s.get(Person, g.owner_id) if g.owner_id else None
        admin_people = (await s.execute(select(Person).join(
            GroupAdmin, GroupAdmin.person_id == Person.id).where(GroupAdmin.group_id == g.id)
        )).scalars().all()
        unit = await s.get(OrgUnit, g.org_unit_id) if g.org_unit_id else None
        return GroupView(g.chat_id, g.title, g.timezone, self._ref(owner),
                         tuple(r for r in map(self._ref, admin_people) if r is not None),
                         self._group_settings(g), g.department_code,
                         unit.name if unit else None)

    def _group_settings(self, g: Group) -> dict[str, object]:
        st = self.settings
        base: dict[str, object] = {
            "auto_detect": st.auto_detect, "sensitivity": st.sensitivity,
            "timezone": g.timezone, "digest_time": st.digest_time.strftime("%H:%M"),
            "progress_time": st.progress_time.strftime("%H:%M"),
            "quiet_hours": (f"{st.quiet_hours[0]:%H:%M}-{st.quiet_hours[1]:%H:%M}"
                            if st.quiet_hours else ""),
        }
        base.update(g.settings or {})
        return base

    async def get_group(self, chat_id: int, max_age: float = 0) -> GroupView | None:
        """The group; with max_age, a view read at most that many seconds ago will do.

        Every message in a group needs its settings; the view changes rarely and every change
        made through this service drops the copy at once (another worker's change shows within
        max_age)."""
        hit = self._group_cache.get(chat_id)
        if max_age and hit is not None and time.monotonic() - hit[0] < max_age:
            return hit[1]
        stamp = time.monotonic()

        async def run(s: AsyncSession) -> GroupView | None:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            return None if g is None else await self._group_view(s, g)

        view = await self._read(run)
        if view is not None:
            self._group_cache[chat_id] = (stamp, view)
        return view

    async def list_groups(self) -> list[GroupView]:
        async def run(s: AsyncSession) -> list[GroupView]:
            groups = (await s.execute(select(Group).order_by(Group.id))).scalars().all()
            return [await self._group_view(s, g) for g in groups]

        return await self._read(run)

    async def _group_roles(self, s: AsyncSession, g: Group, person_id: int | None) -> set[str]:
        roles: set[str] = set()
        if person_id is None:
            return roles
        if g.owner_id == person_id:
            roles.add("owner")
        if (await s.execute(select(GroupAdmin).where(
                GroupAdmin.group_id == g.id, GroupAdmin.person_id == person_id))).scalar():
            roles.add("admin")
        return roles

    async def set_owner(self, chat_id: int, actor_id: int, new_owner: PersonRef) -> GroupView:
        async def run(s: AsyncSession) -> GroupView:
            g = await self._group(s, chat_id)
            roles = await self._group_roles(s, g, await self._person_id(s, actor_id))
            if not roles & {"owner", "admin"}:
                raise PermissionDenied(reason="只有群主或管理员可以设置负责人")
            g.owner_id = (await self._person(s, new_owner)).id
            return await self._group_view(s, g)

        return await self._tx(run)

    async def update_group_settings(self, chat_id: int, actor_id: int,
                                    **changes: object) -> GroupView:
        clean = self._validate_settings(changes)

        async def run(s: AsyncSession) -> GroupView:
            g = await self._group(s, chat_id)
            roles = await self._group_roles(s, g, await self._person_id(s, actor_id))
            if not roles & {"owner", "admin"}:
                raise PermissionDenied(reason="只有群主或管理员可以修改设置")
            if "timezone" in clean:
                g.timezone = str(clean["timezone"])
            g.settings = {**(g.settings or {}), **clean}
            return await self._group_view(s, g)

        return await self._tx(run)

    @staticmethod
    def _validate_settings(changes: dict[str, object]) -> dict[str, object]:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        out: dict[str, object] = {}
        for key, value in changes.items():
            if key not in GROUP_SETTINGS:
                raise InvalidInput(reason=f"没有这个设置项：{key}")
            try:
                if key == "auto_detect":
                    out[key] = value if isinstance(value, bool) else str(value).lower() in (
                        "on", "true", "1", "开", "开启", "是")
                elif key == "sensitivity":
                    if value not in ("low", "normal", "high"):
                        raise InvalidInput(reason="灵敏度只能是 low、normal 或 high")
                    out[key] = value
                elif key == "timezone":
                    ZoneInfo(str(value))
                    out[key] = str(value)
                elif key in ("digest_time", "progress_time"):
                    out[key] = parse_clock(value).strftime("%H:%M")
                elif key == "quiet_hours":
                    q = parse_quiet_hours(value)
                    out[key] = f"{q[0]:%H:%M}-{q[1]:%H:%M}" if q else ""
            except (ValueError, ZoneInfoNotFoundError) as exc:
                raise InvalidInput(reason=f"{key} 的值无效：{value}（{exc}）") from None
        return out

    # --- intake -----------------------------------------------------------------------------
    async def intake(self, chat_id: int, message_id: int, reporter: PersonRef, text: str,
                     detection: Detection, *, explicit: bool = False,
                     at: datetime | None = None, group_title: str = "") -> IntakeResult:
        """Open an issue for a message, or second an open duplicate. Idempotent per message."""
        if detection.category not in CATEGORIES:
            raise InvalidInput(reason=f"未知类别：{detection.category}")
        now = at or self.clock()
        text = text[:MAX_TEXT]

        item = IntakeItem(chat_id, message_id, reporter, text, detection, explicit, now,
                          group_title)
        return await self._intake.submit(item)

    async def _intake_batch(self, items: list[IntakeItem]) -> list[IntakeResult]:
        return await self._tx(lambda s: intake_batch(self, s, items))

    # --- lookups ----------------------------------------------------------------------------
    async def get_issue(self, chat_id: int, number: int, with_events: bool = False) -> IssueView:
        async def run(s: AsyncSession) -> IssueView:
            _, issue = await self._issue(s, chat_id, number)
            return await self._view(s, issue, with_events)

        return await self._read(run)

    async def get_issue_by_id(self, issue_id: int, with_events: bool = False) -> IssueView:
        async def run(s: AsyncSession) -> IssueView:
            issue = await s.get(Issue, issue_id)
            if issue is None:
                raise NotFound(number=issue_id)
            return await self._view(s, issue, with_events)

        return await self._read(run)

    async def find_by_source_message(self, chat_id: int, message_id: int) -> IssueView | None:
        async def run(s: AsyncSession) -> IssueView | None:
            rep = (await s.execute(select(Report).where(
                Report.chat_id == chat_id, Report.message_id == message_id))).scalar()
            issue = await s.get(Issue, rep.issue_id) if rep else None
            return await self._view(s, issue) if issue else None

        return await self._read(run)

    async def find_by_card_message(self, chat_id: int, message_id: int) -> IssueView | None:
        async def run(s: AsyncSession) -> IssueView | None:
            issue = (await s.execute(select(Issue).join(Group).where(
                Group.chat_id == chat_id, Issue.card_message_id == message_id))).scalar()
            return await self._view(s, issue) if issue else None

        return await self._read(run)

    async def set_card_message(self, issue_id: int, message_id: int) -> None:
        """Remember the card's message id (cards posted together are remembered together)."""
        await self._cards.submit((issue_id, message_id))

    async def _set_cards(self, cards: list[tuple[int, int]]) -> list[None]:
        table = Issue.__table__

        async def run(s: AsyncSession) -> list[None]:
            await s.execute(
                update(table).where(table.c.id == bindparam("issue"))
                .values(card_message_id=bindparam("card")),
                [{"issue": i, "card": m} for i, m in cards])
            return [None] * len(cards)

        return await self._tx(run)

    async def update_text(self, issue_id: int, text: str, detection: Detection) -> IssueView:
        """An edited report: the text follows the edit; an edit never closes anything."""
        async def run(s: AsyncSession) -> IssueView:
            issue = await s.get(Issue, issue_id)
            if issue is None:
                raise NotFound(number=issue_id)
            issue.text = text[:MAX_TEXT]
            if detection.is_issue:
                issue.summary = (detection.summary or issue.summary)[:200]
                issue.location_text = detection.location or issue.location_text
            issue.updated_at = self.clock()
            s.add(Event(issue_id=issue.id, actor_id=issue.reporter_id, at=self.clock(),
                        kind="edit", from_status=issue.status, to_status=issue.status,
                        note=text[:500]))
            await s.flush()
            return await self._view(s, issue)

        return await self._tx(run)

    # --- transitions ------------------------------------------------------------------------
    async def _roles(self, s: AsyncSession, g: Group, issue: Issue,
                     person_id: int | None) -> set[str]:
        roles = await self._group_roles(s, g, person_id)
        if person_id is None:
            return roles
        if issue.assignee_id == person_id:
            roles.add("assignee")
        if issue.reporter_id == person_id:
            roles.add("reporter")
        if issue.department_code and (await s.execute(select(DepartmentMember).where(
            DepartmentMember.department_code == issue.department_code,
            DepartmentMember.person_id == person_id,
        ))).scalar():
            roles.add("department")
        return roles

    async def _act(self, chat_id: int | None, number: int, actor: PersonRef | int,
                   action: str, change: Callable[[AsyncSession, Issue, Person], Awaitable[
                       tuple[str, str | None]]],
                   *, by_id: bool = False) -> TransitionResult:
        """Load, check permission and status, apply `change`, record the event."""
        statuses, allowed = RULES[action]

        async def run(s: AsyncSession) -> TransitionResult:
            if by_id:
                issue = await s.get(Issue, number)
                if issue is None:
                    raise NotFound(number=number)
                g = await s.get(Group, issue.group_id)
                assert g is not None
            else:
                assert chat_id is not None
                g, issue = await self._issue(s, chat_id, number)
            if isinstance(actor, PersonRef):
                person = await self._person(s, actor)
            else:
                found = (await s.execute(
                    select(Person).where(Person.tg_user_id == actor))).scalar()
                if found is None:
                    raise PermissionDenied(reason=_who_may(allowed, action))
                person = found
            roles = await self._roles(s, g, issue, person.id)
            if not roles & allowed:
                raise PermissionDenied(reason=_who_may(allowed, action), number=issue.number)
            if issue.status not in statuses:
                if action == "rate" and issue.status in ("closed", "in_progress") and (
                    await s.execute(select(Rating).where(Rating.issue_id == issue.id))
                ).scalar():
                    raise AlreadyRated(number=issue.number)
                raise InvalidTransition(number=issue.number, status=STATUS_NAMES[issue.status],
                                        action=ACTION_NAMES[action])
            before = issue.status
            kind, note = await change(s, issue, person)
            now = self.clock()
            issue.updated_at = now
            ev = Event(issue_id=issue.id, actor_id=person.id, at=now, kind=kind,
                       from_status=before, to_status=issue.status, note=note)
            s.add(ev)
            await s.flush()
            view = await self._view(s, issue)
            return TransitionResult(view, EventView(kind, now, self._ref(person), before,
                                                    issue.status, note),
                                    reopened=before in ("resolved", "closed", "rejected")
                                    and issue.status in OPEN_STATUSES)

        try:
            return await self._tx(run)
        except StaleDataError:
            raise Conflict(number=number) from None

    async def acknowledge(self, chat_id: int, number: int, actor: PersonRef | int,
                          note: str | None = None) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            issue.status = "acknowledged"
            issue.acknowledged_at = self.clock()
            return "acknowledge", note

        return await self._act(chat_id, number, actor, "acknowledge", change)

    async def assign(self, chat_id: int, number: int, actor: PersonRef | int,
                     assignee: PersonRef) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            target = await self._person(s, assignee)
            issue.assignee_id = target.id
            if issue.status == "open":
                issue.acknowledged_at = issue.acknowledged_at or self.clock()
            issue.status = "in_progress"
            return "assign", assignee.name

        return await self._act(chat_id, number, actor, "assign", change)

    async def progress(self, chat_id: int, number: int, actor: PersonRef | int,
                       note: str) -> TransitionResult:
        if not note.strip():
            raise InvalidInput(reason="请写上进展内容")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            if issue.status == "open":
                issue.acknowledged_at = self.clock()
            issue.status = "in_progress"
            return "progress", note[:2000]

        return await self._act(chat_id, number, actor, "progress", change)

    async def resolve(self, chat_id: int, number: int, actor: PersonRef | int,
                      note: str | None = None) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            now = self.clock()
            issue.acknowledged_at = issue.acknowledged_at or now
            issue.status = "resolved"
            issue.resolved_at = now
            return "resolve", (note or "")[:2000] or None

        return await self._act(chat_id, number, actor, "resolve", change)

    async def reject(self, chat_id: int, number: int, actor: PersonRef | int, reason: str,
                     *, as_false_positive: bool = False) -> TransitionResult:
        if not reason.strip():
            raise InvalidInput(reason="请写明不予受理的原因")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            issue.status = "rejected"
            issue.reject_reason = reason[:500]
            issue.closed_at = self.clock()
            if as_false_positive:
                s.add(Feedback(chat_id=chat_id or 0, message_id=issue.source_message_id,
                               text=issue.text, label="none", detected=issue.category,
                               at=self.clock()))
            return ("false_positive" if as_false_positive else "reject"), reason[:500]

        return await self._act(chat_id, number, actor, "reject", change)

    async def reopen(self, chat_id: int, number: int, actor: PersonRef | int,
                     reason: str | None = None) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            issue.status = "in_progress" if issue.status != "rejected" else "open"
            issue.resolved_at = None
            issue.closed_at = None
            issue.reject_reason = None
            return "reopen", (reason or "")[:500] or None

        return await self._act(chat_id, number, actor, "reopen", change)

    async def rate(self, chat_id: int, number: int, actor: PersonRef | int,
                   score: int | str) -> TransitionResult:
        value = RATING_WORDS.get(score, score) if isinstance(score, str) else score
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(reason="评价只能是 1–5 分，或 满意/基本满意/不满意") from None
        if not 1 <= value <= 5:
            raise InvalidInput(reason="评价只能是 1–5 分，或 满意/基本满意/不满意")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            now = self.clock()
            s.add(Rating(issue_id=issue.id, person_id=p.id, score=value, at=now))
            if value <= 2:
                issue.status = "in_progress"
                issue.resolved_at = None
                return "rate", f"不满意（{value}分），重新办理"
            issue.status = "closed"
            issue.closed_at = now
            return "rate", f"{_rating_word(value)}（{value}分）"

        return await self._act(chat_id, number, actor, "rate", change)

    async def add_photo(self, chat_id: int, number: int, actor: PersonRef | int,
                        file_id: str) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            s.add(Photo(issue_id=issue.id, file_id=file_id[:300], person_id=p.id,
                        at=self.clock()))
            return "photo", None

        return await self._act(chat_id, number, actor, "photo", change)

    async def set_location(self, chat_id: int, number: int, actor: PersonRef | int,
                           lat: float, lon: float) -> TransitionResult:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(reason="坐标超出范围")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            issue.lat, issue.lon = lat, lon
            return "locate", f"{lat:.5f},{lon:.5f}"

        return await self._act(chat_id, number, actor, "locate", change)

    async def escalate(self, chat_id: int | None, number: int, actor: PersonRef | int,
                       department_code: str | None = None, level: int | None = None,
                       *, by_id: bool = False, note: str | None = None) -> TransitionResult:
        """吹哨: send to a department and/or one level up (grid → community → street)."""
        depts = {d.code: d.name for d in self.settings.departments}
        if department_code is not None and department_code not in depts:
            raise InvalidInput(
                reason=f"没有这个部门：{department_code}（可选：{'、'.join(depts)}）")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            if department_code:
                issue.department_code = department_code
                if await s.get(Department, department_code) is None:
                    s.add(Department(code=department_code, name=depts[department_code]))
            new_level = level if level is not None else (
                issue.escalation_level if department_code else issue.escalation_level + 1)
            issue.escalation_level = max(0, min(len(LEVELS) - 1, new_level))
            if issue.status == "open":
                issue.acknowledged_at = issue.acknowledged_at or self.clock()
            issue.status = "in_progress"
            parts = [depts[department_code]] if department_code else []
            parts.append(f"层级：{LEVELS[issue.escalation_level]}")
            if note:
                parts.append(note)
            return "escalate", "；".join(parts)

        return await self._act(chat_id, number, actor, "escalate", change, by_id=by_id)

    async def claim(self, issue_id: int, actor: PersonRef) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> tuple[str, str | None]:
            issue.assignee_id = p.id
            issue.status = "in_progress"
            return "claim", None

        return await self._act(None, issue_id, actor, "claim", change, by_id=True)

    # --- departments ------------------------------------------------------------------------
    async def register_department_group(self, chat_id: int, dept_code: str, actor: PersonRef,
                                        title: str = "") -> GroupView:
        depts = {d.code: d.name for d in self.settings.departments}
        if dept_code not in depts:
            raise InvalidInput(reason=f"没有这个部门：{dept_code}（可选：{'、'.join(depts)}）")

        async def run(s: AsyncSession) -> GroupView:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            if g is None:
                g = Group(chat_id=chat_id, title=title or depts[dept_code],
                          timezone=self.settings.timezone, settings={}, last_number=0,
                          created_at=self.clock())
                s.add(g)
                await s.flush()
            g.department_code = dept_code
            dept = await s.get(Department, dept_code)
            if dept is None:
                s.add(Department(code=dept_code, name=depts[dept_code], chat_id=chat_id))
            else:
                dept.chat_id = chat_id
            p = await self._person(s, actor)
            if not (await s.execute(select(DepartmentMember).where(
                DepartmentMember.department_code == dept_code,
                DepartmentMember.person_id == p.id,
            ))).scalar():
                s.add(DepartmentMember(department_code=dept_code, person_id=p.id))
            return await self._group_view(s, g)

        return await self._tx(run)

    async def add_department_member(self, dept_code: str, person: PersonRef) -> None:
        async def run(s: AsyncSession) -> None:
            p = await self._person(s, person)
            if not (await s.execute(select(DepartmentMember).where(
                DepartmentMember.department_code == dept_code,
                DepartmentMember.person_id == p.id,
            ))).scalar():
                s.add(DepartmentMember(department_code=dept_code, person_id=p.id))

        await self._tx(run)

    async def department_chat(self, dept_code: str) -> int | None:
        async def run(s: AsyncSession) -> int | None:
            d = await s.get(Department, dept_code)
            return d.chat_id if d else None

        return await self._tx(run)

    # --- SLA --------------------------------------------------------------------------------
    async def crossed_lights(self, since: datetime, now: datetime | None = None,
                             ) -> list[tuple[IssueView, str]]:
        """Open issues whose light turned yellow or red in (since, now]."""
        now = now or self.clock()

        async def run(s: AsyncSession) -> list[tuple[IssueView, str]]:
            out: list[tuple[Issue, str]] = []
            for name in ("red", "yellow"):
                cond = lights.crossed(name, since, now)
                out += [(i, name) for i in (await s.execute(
                    select(Issue).where(cond).order_by(Issue.id))).scalars()]
            views = await self._views(s, [i for i, _ in out])
            return list(zip(views, [c for _, c in out], strict=True))

        return await self._read(run)

    async def due_for_escalation(self, now: datetime | None = None,
                                 limit: int = 200) -> list[IssueView]:
        """Red issues past the grace period that can still go one level up (oldest first,
        at most `limit`: the scheduler takes the rest on its next pass)."""
        now = now or self.clock()
        cutoff = now - self.settings.escalation_grace

        async def run(s: AsyncSession) -> list[IssueView]:
            # One query per clock, each walking its own (status, due) index in due order.
            rows: list[Issue] = []
            for statuses, due in ((("open",), Issue.ack_due_at),
                                  (("acknowledged", "in_progress"), Issue.resolve_due_at)):
                for status in statuses:
                    rows += (await s.execute(select(Issue).where(
                        Issue.status == status, due <= cutoff,
                        Issue.escalation_level < len(LEVELS) - 1,
                    ).order_by(due).limit(limit))).scalars().all()
            rows.sort(key=lambda i: i.ack_due_at if i.status == "open" else i.resolve_due_at)
            return await self._views(s, rows[:limit])

        return await self._tx(run)

    async def auto_escalate(self, issue_id: int) -> TransitionResult:
        """The system raises a red issue one level; recorded as an event without an actor."""
        async def run(s: AsyncSession) -> TransitionResult:
            issue = await s.get(Issue, issue_id)
            if issue is None:
                raise NotFound(number=issue_id)
            before = issue.status
            issue.escalation_level = min(len(LEVELS) - 1, issue.escalation_level + 1)
            now = self.clock()
            # A new clock for the next level: the same allowed time again.
            times = self.settings.sla_for(issue.category, issue.urgent)
            issue.resolve_due_at = max(issue.resolve_due_at, now) + times.resolve
            issue.ack_due_at = max(issue.ack_due_at, now) + times.ack
            ratio = self.settings.yellow_ratio
            issue.ack_warn_at = sla.warn_at(issue.created_at, issue.ack_due_at, ratio)
            issue.resolve_warn_at = sla.warn_at(issue.created_at, issue.resolve_due_at, ratio)
            issue.updated_at = now
            note = f"超时自动升级至{LEVELS[issue.escalation_level]}"
            s.add(Event(issue_id=issue.id, actor_id=None, at=now, kind="auto_escalate",
                        from_status=before, to_status=issue.status, note=note))
            await s.flush()
            return TransitionResult(await self._view(s, issue),
                                    EventView("auto_escalate", now, None, before, issue.status,
                                              note))

        return await self._tx(run)

    # --- exactly-once deliveries ------------------------------------------------------------
    async def claim_delivery(self, key: str, chat_id: int) -> bool:
        """Take the right to send `key`. False when it was sent, or is being sent by another
        worker whose lease has not expired."""
        now = self.clock()

        async def run(s: AsyncSession) -> bool:
            d = await s.get(Delivery, key, with_for_update=not self.db.is_sqlite)
            if d is None:
                s.add(Delivery(key=key, chat_id=chat_id, status="pending", claimed_at=now,
                               attempts=1))
                await s.flush()
                return True
            if d.status == "sent" or now - d.claimed_at < DELIVERY_LEASE:
                return False
            d.claimed_at, d.attempts = now, d.attempts + 1
            return True

        try:
            return await self._tx(run, retries=1)
        except IntegrityError:
            return False

    async def mark_delivered(self, key: str, message_id: int | None) -> None:
        async def run(s: AsyncSession) -> None:
            await s.execute(update(Delivery).where(Delivery.key == key).values(
                status="sent", message_id=message_id, sent_at=self.clock()))

        await self._tx(run)

    async def release_delivery(self, key: str) -> None:
        """Sending failed: let the next attempt (this worker or another) retry at once."""
        async def run(s: AsyncSession) -> None:
            await s.execute(update(Delivery).where(
                Delivery.key == key, Delivery.status == "pending"
            ).values(claimed_at=datetime(2000, 1, 1, tzinfo=UTC)))

        await self._tx(run)

    # --- inbox of Telegram updates ------------------------------------------------------------
    async def inbox_put(self, updates: list[tuple[int, str]]) -> None:
        """Store fetched updates (id, JSON) before they are confirmed; repeats are ignored."""
        if not updates:
            return
        now = self.clock()
        upsert = sqlite_insert if self.db.is_sqlite else pg_insert
        stmt = upsert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])

        async def run(s: AsyncSession) -> None:
            await s.execute(stmt, [{"update_id": u, "payload": p, "received_at": now}
                                   for u, p in updates])

        await self._tx(run)

    async def inbox_forget(self, ids: list[int]) -> None:
        """Handled updates leave the inbox."""
        async def run(s: AsyncSession) -> None:
            await s.execute(delete(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))

        await self._tx(run)

    async def inbox_pending(self) -> list[tuple[int, str]]:
        """Updates stored but never handled (the process stopped first), oldest first."""
        async def run(s: AsyncSession) -> list[tuple[int, str]]:
            rows = await s.execute(select(InboxUpdate.update_id, InboxUpdate.payload)
                                   .order_by(InboxUpdate.update_id))
            return [(u, p) for u, p in rows.all()]

        return await self._read(run)

    async def pending_deliveries(self) -> list[tuple[str, int]]:
        async def run(s: AsyncSession) -> list[tuple[str, int]]:
            rows = await s.execute(select(Delivery.key, Delivery.chat_id).where(
                Delivery.status == "pending"))
            return [(k, c) for k, c in rows.all()]

        return await self._tx(run)

    # --- listing, statistics, ledger --------------------------------------------------------
    def _filtered(self, q: Select[Any], f: IssueFilter) -> Select[Any]:
        if f.status:
            q = q.where(Issue.status == f.status) if f.status != "open_all" else q.where(
                Issue.status.in_(OPEN_STATUSES))
        if f.category:
            q = q.where(Issue.category == f.category)
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
            q = q.where(Issue.assignee_id.in_(
                select(Person.id).where(Person.tg_user_id == f.assignee_user_id)))
        if f.department_code:
            q = q.where(Issue.department_code == f.department_code)
        if f.since:
            q = q.where(Issue.created_at >= f.since)
        if f.until:
            q = q.where(Issue.created_at < f.until)
        if f.text:
            like = f"%{f.text}%"
            q = q.where(or_(Issue.summary.like(like), Issue.text.like(like),
                            Issue.location_text.like(like)))
        if f.light in ("red", "yellow", "green"):
            q = q.where(lights.light_is(f.light, self.clock()))
        return q

    async def list_issues(self, f: IssueFilter | None = None, page: int = 1,
                          page_size: int = 20) -> Page:
        f = f or IssueFilter()
        page = max(1, page)
        page_size = max(1, min(500, page_size))

        async def run(s: AsyncSession) -> Page:
            base = self._filtered(select(Issue), f)
            # Counting a whole district's ledger for a page header costs more than the page:
            # beyond COUNT_CAP the header says "COUNT_CAP+" (Page.total_capped).
            counted = self._filtered(select(Issue.id), f).limit(COUNT_CAP + 1).subquery()
            total = (await s.execute(select(func.count()).select_from(counted))).scalar_one()
            rows = (await s.execute(base.order_by(Issue.created_at.desc(), Issue.id.desc())
                                    .offset((page - 1) * page_size).limit(page_size))
                    ).scalars().all()
            return Page(await self._views(s, rows), min(int(total), COUNT_CAP), page,
                        page_size, total_capped=total > COUNT_CAP)

        return await self._read(run)

    async def ledger_rows(self, f: IssueFilter | None = None,
                          limit: int = 200_000) -> list[IssueView]:
        rows: list[IssueView] = []
        n = 1
        while len(rows) < limit:
            got = (await self.list_issues(f, n, 500)).items
            rows += got
            if len(got) < 500:
                break
            n += 1
        return rows[:limit]

    async def stats(self, chat_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None, org_unit_id: int | None = None) -> Stats:
        """The published figures for a scope and window (issues received in the window)."""
        now = self.clock()
        start = start or datetime(2000, 1, 1, tzinfo=UTC)
        end = end or now + timedelta(seconds=1)

        async def run(s: AsyncSession) -> Stats:
            scope = IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id, since=start,
                                until=end)
            # Durations measured by the database: a month of a busy district is many rows, and
            # turning each one's timestamps into Python datetimes costs more than the query.
            sqlite = self.db.is_sqlite
            by_status: dict[str, int] = {}
            by_cat: dict[str, int] = {}
            ack_min, res_h = [], []
            for status, cat, to_ack, to_resolve in (await s.execute(self._filtered(select(
                Issue.status, Issue.category,
                lights.seconds_between(Issue.acknowledged_at, Issue.created_at, sqlite),
                lights.seconds_between(Issue.resolved_at, Issue.created_at, sqlite)), scope,
            ))).all():
                by_status[status] = by_status.get(status, 0) + 1
                by_cat[cat] = by_cat.get(cat, 0) + 1
                if to_ack is not None:
                    ack_min.append(float(to_ack) / 60)
                if to_resolve is not None:
                    res_h.append(float(to_resolve) / 3600)
            received = sum(by_status.values())
            answered = len(ack_min)
            resolved_n = by_status.get("resolved", 0) + by_status.get("closed", 0)
            rejected = by_status.get("rejected", 0)
            rq = self._filtered(select(Rating.score).join(Issue, Issue.id == Rating.issue_id),
                                IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id))
            rq = rq.where(Rating.at >= start, Rating.at < end)
            scores = list((await s.execute(rq)).scalars())
            satisfied = sum(1 for x in scores if x >= 3)
            # Each light is counted per clock, each count a range of a (group, status, due)
            # index: the open issues of a busy group are never loaded or scanned.
            scope = IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id)
            counts = [[self._filtered(select(func.count()).where(part), scope).scalar_subquery()
                       for part in lights.parts(name, now)]
                      for name in ("yellow", "red")]
            got = (await s.execute(select(*(c for pair in counts for c in pair)))).one()
            yellow, red = got[0] + got[1], got[2] + got[3]
            overdue = {"yellow": int(yellow), "red": int(red)}
            valid = received - rejected
            return Stats(
                received=received, answered=answered,
                in_progress=by_status.get("acknowledged", 0) + by_status.get("in_progress", 0),
                resolved=resolved_n, rejected=rejected, rated=len(scores),
                satisfied=satisfied,
                resolution_rate=(resolved_n / valid) if valid else None,
                satisfaction_rate=(satisfied / len(scores)) if scores else None,
                median_ack_minutes=statistics.median(ack_min) if ack_min else None,
                median_resolve_hours=statistics.median(res_h) if res_h else None,
                by_category=dict(sorted(by_cat.items(), key=lambda kv: -kv[1])),
                overdue=overdue,
            )

        return await self._read(run)

    async def daily_counts(self, days: int, tz: str,
                           chat_id: int | None = None) -> list[tuple[str, int, int]]:
        """(local date, received, resolved) for each of the last `days` days, oldest first."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        today = self.clock().astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        start = datetime(first.year, first.month, first.day, tzinfo=zone)

        async def run(s: AsyncSession) -> list[tuple[str, int, int]]:
            q = self._filtered(select(Issue.created_at, Issue.resolved_at),
                               IssueFilter(chat_id=chat_id))
            q = q.where(or_(Issue.created_at >= start, Issue.resolved_at >= start))
            received: dict[str, int] = {}
            resolved: dict[str, int] = {}
            for created, done in (await s.execute(q)).all():
                if created >= start:
                    key = created.astimezone(zone).date().isoformat()
                    received[key] = received.get(key, 0) + 1
                if done is not None and done >= start:
                    key = done.astimezone(zone).date().isoformat()
                    resolved[key] = resolved.get(key, 0) + 1
            out = []
            for n in range(days):
                d = (first + timedelta(days=n)).isoformat()
                out.append((d, received.get(d, 0), resolved.get(d, 0)))
            return out

        return await self._read(run)

    async def mine(self, chat_id: int, user_id: int) -> list[IssueView]:
        """Issues a person reported or holds in a group, open ones first."""
        async def run(s: AsyncSession) -> list[IssueView]:
            pid = await self._person_id(s, user_id)
            if pid is None:
                return []
            rows = (await s.execute(select(Issue).join(Group).where(
                Group.chat_id == chat_id,
                or_(Issue.reporter_id == pid, Issue.assignee_id == pid),
            ).order_by(Issue.created_at.desc()).limit(50))).scalars().all()
            views = await self._views(s, rows)
            return sorted(views, key=lambda v: (not v.is_open, -v.number))

        return await self._read(run)

    # --- org units (grid → community → street → district) ---------------------------------
    async def _unit(self, s: AsyncSession, name: str, level: str,
                    parent: str | None = None) -> OrgUnit:
        if level not in LEVELS:
            raise InvalidInput(reason=f"层级只能是 {'、'.join(LEVELS)}")
        unit = (await s.execute(select(OrgUnit).where(OrgUnit.name == name,
                                                      OrgUnit.level == level))).scalar()
        if unit is None:
            unit = OrgUnit(name=name[:100], level=level)
            s.add(unit)
            await s.flush()
        if parent:
            up = LEVELS[min(len(LEVELS) - 1, LEVELS.index(level) + 1)]
            unit.parent_id = (await self._unit(s, parent, up)).id
        return unit

    async def join_org_unit(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community", parent: str | None = None) -> GroupView:
        """Put a group under an org unit (created on first use)."""
        async def run(s: AsyncSession) -> GroupView:
            g = await self._group(s, chat_id)
            if not (await self._group_roles(s, g, await self._person_id(s, actor_id))) & {
                    "owner", "admin"}:
                raise PermissionDenied(reason="只有群主或管理员可以设置所属单位")
            g.org_unit_id = (await self._unit(s, name, level, parent)).id
            return await self._group_view(s, g)

        return await self._tx(run)

    async def set_unit_home(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community") -> int:
        """This chat is the unit's own group: the unit's digest goes here."""
        async def run(s: AsyncSession) -> int:
            g = await self._group(s, chat_id)
            if not (await self._group_roles(s, g, await self._person_id(s, actor_id))) & {
                    "owner", "admin"}:
                raise PermissionDenied(reason="只有群主或管理员可以设置单位群")
            unit = await self._unit(s, name, level)
            unit.chat_id = chat_id
            return unit.id

        return await self._tx(run)

    async def unit_chat(self, chat_id: int, level: int) -> int | None:
        """The own group of the group's org unit at `level` (the unit or an ancestor)."""
        async def run(s: AsyncSession) -> int | None:
            g = await self._group(s, chat_id)
            unit = await s.get(OrgUnit, g.org_unit_id) if g.org_unit_id else None
            while unit is not None:
                if unit.level == LEVELS[level]:
                    return unit.chat_id
                unit = await s.get(OrgUnit, unit.parent_id) if unit.parent_id else None
            return None

        return await self._tx(run)

    async def org_units(self) -> list[tuple[int, str, str, int | None]]:
        async def run(s: AsyncSession) -> list[tuple[int, str, str, int | None]]:
            rows = (await s.execute(select(OrgUnit).order_by(OrgUnit.id))).scalars()
            return [(u.id, u.name, u.level, u.chat_id) for u in rows]

        return await self._tx(run)

    async def assignees(self) -> list[PersonRef]:
        """Everyone who holds or held an issue, for the dashboard's 负责人 filter."""
        async def run(s: AsyncSession) -> list[PersonRef]:
            rows = (await s.execute(select(Person).where(Person.id.in_(
                select(Issue.assignee_id).where(Issue.assignee_id.is_not(None)).distinct()
            )).order_by(Person.name))).scalars().all()
            return [r for r in map(self._ref, rows) if r is not None]

        return await self._tx(run)

    async def find_person(self, username: str) -> PersonRef | None:
        """A person we have seen, by Telegram username (case-insensitive, without @)."""
        async def run(s: AsyncSession) -> PersonRef | None:
            p = (await s.execute(select(Person).where(
                func.lower(Person.username) == username.lstrip("@").lower()))).scalar()
            return self._ref(p)

        return await self._tx(run)

    async def feedback_rows(self) -> list[dict[str, object]]:
        async def run(s: AsyncSession) -> list[dict[str, object]]:
            rows = (await s.execute(select(Feedback).order_by(Feedback.id))).scalars()
            return [{"text": r.text, "label": r.label, "detected": r.detected} for r in rows]

        return await self._tx(run)


def _who_may(allowed: frozenset[str], action: str) -> str:
    name = ACTION_NAMES[action]
    if allowed == frozenset({"reporter"}):
        return f"只有提交人本人可以{name}"
    if allowed == frozenset({"department"}):
        return f"只有承办部门的成员可以{name}"
    if "reporter" in allowed:
        return f"只有群主、管理员、负责人或提交人可以{name}"
    return f"只有群主、管理员或负责人可以{name}"


def _rating_word(score: int) -> str:
    return "满意" if score >= 4 else "基本满意" if score >= 3 else "不满意"


__all__ = ["IssueError", "IssueService"]
