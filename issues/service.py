"""The one entry point the bot and the dashboard share; it only delegates to the rooms.

Nothing here knows about Telegram: people are (user id, name, username), groups are chat ids,
messages are message ids. Each room holds one concern and one transaction per public call:
`groups`, `people`, `org` (units, departments), `intake`, `ledger` (views, filters, lookups),
`transitions` (the lifecycle's actions), `escalation` and `reminders` (SLA), `deliveries`
(exactly-once posts), `stats`. Permissions are decided in the rooms, never in the handlers,
and every change writes its audit event in the same transaction as the change itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime

from issues.access import Access
from issues.db import Database
from issues.deliveries import Deliveries
from issues.errors import IssueError
from issues.escalation import Escalation
from issues.feedback import feedback_rows
from issues.followups import FollowUps
from issues.fresh import Fresh
from issues.groups import Groups
from issues.helping import Helping
from issues.hotline import Hotline
from issues.intake import Intake
from issues.ledger import Ledger
from issues.lifecycle import Action, GroupAct
from issues.notices import Notices
from issues.org import Org
from issues.oversight import Oversight
from issues.people import People
from issues.rates import Rates
from issues.reminders import Reminders
from issues.settings import Settings
from issues.stats import Statistics
from issues.supervision import Period, Report, Supervision
from issues.text import first_clause
from issues.transitions import Transitions
from issues.unit_of_work import UnitOfWork
from issues.views import (
    Binding,
    Escalated,
    GroupView,
    IntakeResult,
    IssueFilter,
    IssueView,
    NewReport,
    Page,
    PersonRef,
    Reminder,
    Stats,
    TransitionResult,
)
from issues.votes import Votes
from nlp.types import Detection

Listener = Callable[[IssueView], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


class IssueService:
    def __init__(self, db: Database, settings: Settings,
                 clock: Callable[[], datetime] = utcnow,
                 summarize: Callable[[str], str] = first_clause) -> None:
        """`summarize` sums up another channel's report (a hotline order) for the lists: the
        bot gives the detector's (`nlp.summarize`); the domain's own takes the first clause."""
        self.db = db
        self.settings = settings
        self.clock = clock
        self.uow = uow = UnitOfWork(db)  # also for bot/'s own tables (its update inbox)
        room = (uow, settings, clock)  # what every room works with (unit_of_work.Room)
        self.groups = Groups(*room)
        self.people = People(*room)
        self.org = Org(*room, self.groups)
        self.ledger = Ledger(*room)
        self.intakes = Intake(*room, self.ledger, summarize)
        self.transitions = Transitions(*room, self.ledger)
        self.escalation = Escalation(*room, self.ledger)
        self.deliveries = Deliveries(*room)
        self.reminders = Reminders(*room, self.ledger)
        self.statistics = Statistics(*room)
        self.access, self.rates = Access(*room), Rates(*room)  # rates: limits workers share
        # Beyond intake (#20): rooms the bot and the dashboard call directly.
        self.notices = Notices(*room)
        self.oversight = Oversight(*room, self.ledger, self.transitions)
        self.votes = Votes(*room)
        self.helping = Helping(*room)
        self.hotline = Hotline(*room, self.ledger, self.intakes)
        self.followups = FollowUps(*room, self.ledger)
        self._opened_elsewhere: list[Listener] = []
        self.supervisor = Supervision(uow, settings, clock)
        self._holders: Fresh[list[PersonRef]] = Fresh(1)

    # --- groups and people ------------------------------------------------------------------
    async def register_group(self, chat_id: int, title: str, owner: PersonRef | None,
                             admins: Iterable[PersonRef] = ()) -> GroupView:
        return await self.groups.register_group(chat_id, title, owner, admins)

    async def sync_admins(self, chat_id: int, admins: Iterable[PersonRef]) -> GroupView:
        return await self.groups.sync_admins(chat_id, admins)

    async def get_group(self, chat_id: int, max_age: float = 0) -> GroupView | None:
        return await self.groups.get_group(chat_id, max_age)

    async def list_groups(self) -> list[GroupView]:
        return await self.groups.list_groups()

    async def group_titles(self) -> list[tuple[int, str, bool]]:
        return await self.groups.group_titles()

    async def groups_of(self, chat_ids: Iterable[int]) -> list[GroupView]:
        return await self.groups.groups_of(chat_ids)

    async def migrate_group(self, old_chat: int, new_chat: int) -> GroupView | None:
        moved = await self.groups.migrate_chat(old_chat, new_chat)
        self.intakes.forget_groups(old_chat, new_chat)
        return moved

    async def require_group_manager(self, chat_id: int, actor_id: int, act: GroupAct) -> None:
        await self.groups.must_manage(chat_id, actor_id, act)

    async def set_owner(self, chat_id: int, actor_id: int, new_owner: PersonRef) -> GroupView:
        return await self.groups.set_owner(chat_id, actor_id, new_owner)

    async def owner_left(self, chat_id: int, user_id: int) -> GroupView | None:
        return await self.groups.owner_left(chat_id, user_id)

    async def update_group_settings(self, chat_id: int, actor_id: int,
                                    **changes: object) -> GroupView:
        return await self.groups.update_group_settings(chat_id, actor_id, **changes)

    async def holders(self, max_age: float = 0) -> list[PersonRef]:
        """With `max_age`, a list that old will do: on PostgreSQL it reads the issues."""
        return await self._holders.get(None, self.people.holders, max_age)

    async def find_person(self, username: str) -> PersonRef | None:
        return await self.people.find_person(username)

    # --- intake -----------------------------------------------------------------------------
    async def intake(self, chat_id: int, message_id: int, reporter: PersonRef, text: str,
                     detection: Detection, *, explicit: bool = False,
                     at: datetime | None = None, group_title: str = "") -> IntakeResult:
        return await self.intakes.intake(chat_id, message_id, reporter, text, detection,
                                         explicit=explicit, at=at, group_title=group_title)

    def on_opened_elsewhere(self, listener: Listener) -> None:
        """Call `listener` with each issue opened outside the chat (Open311): the bot posts
        its card into the group."""
        self._opened_elsewhere.append(listener)

    async def opened_elsewhere(self, issue: IssueView) -> None:
        for listener in self._opened_elsewhere:
            await listener(issue)

    async def submit_report(self, chat_id: int, report: NewReport, *,
                            at: datetime | None = None) -> IntakeResult:
        return await self.intakes.submit_report(chat_id, report, at=at)

    async def set_card_message(self, issue_id: int, message_id: int) -> None:
        await self.intakes.set_card_message(issue_id, message_id)

    # --- lookups ----------------------------------------------------------------------------
    async def get_issue(self, chat_id: int, number: int, with_events: bool = False) -> IssueView:
        return await self.ledger.get_issue(chat_id, number, with_events)

    async def get_issue_by_id(self, issue_id: int, with_events: bool = False) -> IssueView:
        return await self.ledger.get_issue_by_id(issue_id, with_events)

    async def find_by_source_message(self, chat_id: int, message_id: int) -> IssueView | None:
        return await self.ledger.find_by_source_message(chat_id, message_id)

    async def find_by_card_message(self, chat_id: int, message_id: int) -> IssueView | None:
        return await self.ledger.find_by_card_message(chat_id, message_id)

    async def list_issues(self, f: IssueFilter | None = None, page: int = 1,
                          page_size: int = 20) -> Page:
        return await self.ledger.list_issues(f, page, page_size)

    async def assigned_issues(self, chat_id: int, user_id: int,
                              limit: int = 20) -> list[IssueView]:
        return await self.ledger.assigned(chat_id, user_id, limit)

    async def newest_issues(self, limit: int) -> list[IssueView]:
        return await self.ledger.newest(limit)

    async def most_overdue(self, limit: int = 10) -> list[IssueView]:
        return await self.reminders.most_overdue(limit)

    async def ledger_rows(self, f: IssueFilter | None = None,
                          limit: int = 200_000) -> list[IssueView]:
        return await self.ledger.ledger_rows(f, limit)

    def ledger_stream(self, f: IssueFilter | None = None) -> AsyncIterator[list[IssueView]]:
        return self.ledger.stream(f)

    async def count_issues(self, f: IssueFilter | None = None) -> int:
        return await self.ledger.count(f)

    async def mine(self, chat_id: int, user_id: int) -> list[IssueView]:
        return await self.ledger.mine(chat_id, user_id)

    async def feedback_rows(self) -> list[dict[str, object]]:
        return await feedback_rows(self.uow)

    # --- transitions ------------------------------------------------------------------------
    async def update_text(self, issue_id: int, text: str, detection: Detection) -> IssueView:
        return await self.transitions.update_text(issue_id, text, detection)

    async def acknowledge(self, chat_id: int, number: int, actor: PersonRef | int,
                          note: str | None = None) -> TransitionResult:
        return await self.transitions.acknowledge(chat_id, number, actor, note)

    async def require(self, chat_id: int, number: int, actor_id: int, action: Action) -> None:
        await self.transitions.require(chat_id, number, actor_id, action)

    async def assign(self, chat_id: int, number: int, actor: PersonRef | int,
                     assignee: PersonRef) -> TransitionResult:
        return await self.transitions.assign(chat_id, number, actor, assignee)

    async def progress(self, chat_id: int, number: int, actor: PersonRef | int,
                       note: str) -> TransitionResult:
        return await self.transitions.progress(chat_id, number, actor, note)

    async def resolve(self, chat_id: int, number: int, actor: PersonRef | int,
                      note: str | None = None) -> TransitionResult:
        return await self.transitions.resolve(chat_id, number, actor, note)

    async def reject(self, chat_id: int, number: int, actor: PersonRef | int, reason: str,
                     *, as_false_positive: bool = False) -> TransitionResult:
        return await self.transitions.reject(chat_id, number, actor, reason,
                                             as_false_positive=as_false_positive)

    async def withdraw(self, chat_id: int, number: int,
                       actor: PersonRef | int) -> TransitionResult:
        return await self.transitions.withdraw(chat_id, number, actor)

    async def reopen(self, chat_id: int, number: int, actor: PersonRef | int,
                     reason: str | None = None) -> TransitionResult:
        return await self.transitions.reopen(chat_id, number, actor, reason)

    async def rate(self, chat_id: int, number: int, actor: PersonRef | int,
                   score: int) -> TransitionResult:
        return await self.transitions.rate(chat_id, number, actor, score)

    async def comment(self, chat_id: int, number: int, actor: PersonRef | int, note: str,
                      kind: str = "comment") -> TransitionResult:
        return await self.transitions.comment(chat_id, number, actor, note, kind)

    async def add_photo(self, chat_id: int, number: int, actor: PersonRef | int,
                        file_id: str) -> TransitionResult:
        return await self.transitions.add_photo(chat_id, number, actor, file_id)

    async def set_location(self, chat_id: int, number: int, actor: PersonRef | int,
                           lat: float, lon: float) -> TransitionResult:
        return await self.transitions.set_location(chat_id, number, actor, lat, lon)

    async def escalate(self, chat_id: int | None, number: int, actor: PersonRef | int,
                       department_code: str | None = None, level: int | None = None,
                       *, by_id: bool = False, note: str | None = None) -> TransitionResult:
        return await self.transitions.escalate(chat_id, number, actor, department_code, level,
                                               by_id=by_id, note=note)

    async def claim(self, issue_id: int, actor: PersonRef) -> TransitionResult:
        return await self.transitions.claim(issue_id, actor)

    # --- org units and departments ----------------------------------------------------------
    async def join_org_unit(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community", parent: str | None = None, *,
                            code: str | None = None) -> GroupView:
        return await self.org.join_org_unit(chat_id, actor_id, name, level, parent, code=code)

    async def set_unit_home(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community", *, code: str | None = None) -> Binding:
        return await self.org.set_unit_home(chat_id, actor_id, name, level, code=code)

    async def unit_chat(self, chat_id: int, level: int) -> int | None:
        return await self.org.unit_chat(chat_id, level)

    async def org_units(self) -> list[tuple[int, str, str, int | None]]:
        return await self.org.org_units()

    async def register_department_group(self, chat_id: int, dept_code: str, actor: PersonRef,
                                        title: str = "", *, code: str | None = None
                                        ) -> Binding:
        return await self.org.register_department_group(chat_id, dept_code, actor, title,
                                                        code=code)

    async def add_department_member(self, dept_code: str, person: PersonRef) -> None:
        await self.org.add_department_member(dept_code, person)

    async def leave_department(self, dept_code: str, user_id: int) -> None:
        await self.org.leave_department(dept_code, user_id)

    async def department_chat(self, dept_code: str) -> int | None:
        return await self.org.department_chat(dept_code)

    # --- SLA and escalation -----------------------------------------------------------------
    async def crossed_lights(self, since: datetime, now: datetime | None = None,
                             ) -> list[tuple[IssueView, str]]:
        return await self.escalation.crossed_lights(since, now)

    async def due_for_escalation(self, now: datetime | None = None,
                                 limit: int = 200) -> list[IssueView]:
        return await self.escalation.due_for_escalation(now, limit)

    async def auto_escalate(self, issue_id: int) -> TransitionResult:
        return await self.escalation.auto_escalate(issue_id)

    def escalations_due(self) -> AsyncIterator[list[Escalated]]:
        return self.escalation.escalations_due()

    def reminders_due(self) -> AsyncIterator[list[Reminder]]:
        return self.reminders.due()

    def delivery_retries(self) -> AsyncIterator[list[Reminder | Escalated]]:
        return self.reminders.retries()

    async def mark_reminders_scanned(self, at: datetime) -> None:
        await self.reminders.set_mark(at)

    # --- exactly-once deliveries ------------------------------------------------------------
    async def claim_delivery(self, key: str, chat_id: int) -> bool:
        return await self.deliveries.claim_delivery(key, chat_id)

    async def mark_delivered(self, key: str, message_id: int | None) -> None:
        await self.deliveries.mark_delivered(key, message_id)

    async def release_delivery(self, key: str) -> None:
        await self.deliveries.release_delivery(key)

    async def sent_message(self, key: str) -> int | None:
        return await self.deliveries.sent_message(key)

    async def mark_many_delivered(self, sent: Iterable[tuple[str, int | None]]) -> None:
        await self.deliveries.mark_many(sent)

    async def release_deliveries(self, keys: Sequence[str]) -> None:
        await self.deliveries.release_many(keys)

    async def hold_deliveries(self, keys: Sequence[str], until: datetime) -> None:
        await self.deliveries.hold(keys, until)

    async def settled_deliveries(self, keys: Sequence[str]) -> set[str]:
        return await self.deliveries.settled(keys)

    async def pending_deliveries(self) -> list[tuple[str, int]]:
        return await self.deliveries.pending_deliveries()

    # --- statistics -------------------------------------------------------------------------
    async def stats(self, chat_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None, org_unit_id: int | None = None,
                    max_age: float = 0, counts_only: bool = False,
                    rated_and_lit: bool = True) -> Stats:
        return await self.statistics.stats(chat_id, start, end, org_unit_id, max_age,
                                           counts_only, rated_and_lit)

    async def stats_by_group(self, start: datetime | None = None,
                             end: datetime | None = None) -> dict[int, Stats]:
        return await self.statistics.by_group(start, end)

    async def stats_by_unit(self, start: datetime | None = None,
                            end: datetime | None = None) -> dict[int, Stats]:
        return await self.statistics.by_unit(start, end)

    async def daily_counts(self, days: int, tz: str, chat_id: int | None = None,
                           max_age: float = 0) -> list[tuple[str, int, int]]:
        return await self.statistics.daily_counts(days, tz, chat_id, max_age)

    async def supervision(self, by: str, period: Period, scope: IssueFilter | None = None,
                          max_age: float = 0, brief: bool = False) -> Report:
        """Supervision figures per org level, group, department or holder."""
        return await self.supervisor.report(by, period, scope, max_age, brief)

    async def org_tree(self) -> list[tuple[int, str, str, int | None]]:
        return await self.supervisor.org_tree()

    async def unit_path(self, unit_id: int | None = None,
                        chat_id: int | None = None) -> list[tuple[int, str, str]]:
        return await self.supervisor.unit_path(unit_id, chat_id)

    # --- dashboard sessions and one-time codes for district acts --------------------------
    async def open_session(self, role: str, key: str) -> str:
        return await self.access.open_session(role, key)

    async def session(self, raw: str) -> tuple[str, str] | None:
        return await self.access.session(raw)

    async def close_session(self, raw: str) -> None:
        await self.access.close_session(raw)

    async def new_access_code(self) -> str:
        return await self.access.new_code()


__all__ = ["IssueError", "IssueService"]
