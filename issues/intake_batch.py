"""Intake in batches: the reports of one burst become issues in one transaction.

A burst of group chat reaches the bot from many chats at once. Opening each issue in its own
transaction costs a dozen statements and a commit per message; on SQLite every statement is a
hop to aiosqlite's thread and back, and the hops, not the work, set the pace. Here the intakes
waiting at the same moment are gathered (`issues.coalesce.Coalescer`) and written together with
a fixed number of set-based statements (`intake_batch`): read the groups, the messages already
seen, the people and the open issues that could be duplicates; decide each message in order in
memory; then allocate numbers, insert issues, reports and events, and commit once. A single
message takes the same path as a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from issues import people, repeats, sla
from issues.intake_items import IntakeItem, ReportKey
from issues.intake_statements import groups_of, seen_before, statements
from issues.ledger import Ledger
from issues.lifecycle import Status
from issues.models import Issue
from issues.settings import Settings
from issues.unit_of_work import UnitOfWork, among_values, run
from issues.views import IntakeResult, IssueView

NEARBY = 20  # newest open issues of a category in a group that a message is compared with


@dataclass(frozen=True)
class Context:
    """What a batch needs of the intake that runs it."""

    settings: Settings
    clock: Callable[[], datetime]
    ledger: Ledger
    # chat id → (group id, title) of the groups met before: a group's row stays for good
    # (after a supergroup migration, under its new chat id too), so its id is asked once.
    groups: dict[int, tuple[int, str]] = field(default_factory=dict)


@dataclass
class _New:
    """An issue this batch opens; seconds from later messages of the batch count onto it."""

    item: IntakeItem
    group_id: int
    person_id: int
    row: dict[str, Any]
    seconds: list[tuple[IntakeItem, int]] = field(default_factory=list)
    id: int = 0

    def arrival(self) -> repeats.Arrival:
        r = self.row
        return repeats.Arrival(repeats.place_of(self.group_id, r["category"],
                                                r["location_text"]), r["created_at"])


@dataclass
class _Candidate:
    location: str | None
    people: set[int]  # who reported it already: the "N people reported it" count, once each
    created: datetime
    issue_id: int = 0  # an open issue of the ledger, read whole (`issue`) once a report joins it
    issue: Issue | None = None
    new: _New | None = None


def same_place(a: str | None, b: str | None) -> bool:
    """Building 3 and the gate of building 3 are one place (one name begins the other);
    building 1 and building 11 are not (neither begins the other); a place is never the same
    as no place (a stairwell light is not the light at the gate of building 3)."""
    if a and b:
        return a.startswith(b) or b.startswith(a)
    return not a and not b


def _own(pool: list[_Candidate], person_id: int, location: str | None) -> _Candidate | None:
    """The reporter's own open issue that a new message of hers repeats (an urge): the same
    category, and her message names no place or a compatible one."""
    return next((c for c in pool if person_id in c.people
                 and (not location or same_place(c.location, location))), None)


async def intake_batch(intake: Context, uow: UnitOfWork,
                       items: Sequence[IntakeItem]) -> list[IntakeResult]:
    """Open or second an issue for each item, in order, in one transaction. Its statements
    run as one synchronous unit (`_write`, `UnitOfWork.unit`: one trip into SQLAlchemy's
    greenlet for the transaction instead of one per statement, which cost as much as the
    SQL); then, once it is committed, the views of the ledger's issues it seconded, urged or
    had seen before, if any (most complaints open an issue, and need none)."""
    attempts: list[object] = []

    def write(s: Session) -> _Written:
        # First without asking which reports were handled before: a report's key is unique
        # (`uq_reports_external`), so one delivered again fails this transaction, and the
        # retry (`UnitOfWork.unit` retries an IntegrityError) asks. A read fewer for the
        # complaint that comes once, which is nearly every one.
        attempts.append(None)
        if len(attempts) > 1:  # and a group met before may have moved (`Intake.forget_groups`)
            intake.groups.clear()
        return _write(s, intake, items, look_first=len(attempts) > 1)

    written = await uow.unit(write)
    if written.others:
        others = written.others
        views = await uow.glance(lambda s: intake.ledger.views(s, others))
        written.views.update({v.id: v for v in views})
    return written.results()


@dataclass
class _Written:
    """What `_write` decided and wrote, for the results: each item's issue (`outcome`, or
    `seen` for a report handled before), the views known already and the issues to view."""

    items: Sequence[IntakeItem]
    first: dict[ReportKey, int]
    seen: dict[ReportKey, int]
    outcome: dict[ReportKey, _New | Issue]
    count_at: dict[ReportKey, int]
    urging: set[ReportKey]
    views: dict[int, IssueView]
    others: list[Issue]

    def results(self) -> list[IntakeResult]:
        seen, outcome, count_at, views = self.seen, self.outcome, self.count_at, self.views
        results = []
        for n, item in enumerate(self.items):
            if item.key in seen or self.first[item.key] != n:  # handled before, or repeated
                v = views[seen[item.key] if item.key in seen else outcome[item.key].id]
                results.append(IntakeResult(v, False, False, v.report_count))
                continue
            got = outcome[item.key]
            v = views[got.id]
            if isinstance(got, _New) and got.item is item:
                results.append(IntakeResult(v, True, False, 1))
            elif item.key in self.urging:
                results.append(IntakeResult(v, False, False, count_at[item.key], urged=True))
            else:
                results.append(IntakeResult(v, False, True, count_at[item.key]))
        return results


def _write(s: Session, intake: Context, items: Sequence[IntakeItem],
           look_first: bool) -> _Written:
    """Read what the batch needs, decide each item in order, write the issues, reports and
    events: every statement of the intake, synchronously. The reports handled before are
    looked up only when `look_first` (see `intake_batch`)."""
    first: dict[ReportKey, int] = {}
    for n, item in enumerate(items):
        first.setdefault(item.key, n)
    unique = [items[n] for n in sorted(set(first.values()))]

    alone = len(unique) == 1
    groups = groups_of(s, unique, intake.groups, intake.settings.timezone, alone)
    seen = seen_before(s, unique, alone) if look_first else {}
    fresh = [i for i in unique if i.key not in seen]
    reporters = dict(zip((i.key for i in fresh), people.person_ids(
        s, [(i.identity, i.reporter.stored_name(), i.reporter.username) for i in fresh]),
        strict=True))
    nearby = _nearby(intake, s, fresh, groups, alone)

    new: list[_New] = []
    seconded: dict[int, tuple[Issue, list[tuple[IntakeItem, int]]]] = {}
    urged: list[tuple[_Candidate, IntakeItem, int]] = []  # (her issue, message, person)
    outcome: dict[ReportKey, _New | Issue] = {}
    count_at: dict[ReportKey, int] = {}  # what a "me too" reply shows, as of its message
    for item in fresh:
        gid, pid = groups[item.chat_id][0], reporters[item.key]
        pool = nearby.setdefault((gid, item.category), [])
        since = item.at - intake.settings.duplicate_window
        pool_now = [c for c in pool if c.created >= since]
        own = match = None
        if item.merge:  # a report from another channel is its own case, never a "me too"
            own = _own(pool_now, pid, item.location)
            match = own or next((c for c in pool_now if same_place(c.location, item.location)),
                                None)
        if own is not None:  # she said it again: an urge, not one more person
            _read_issue(s, own)
            urged.append((own, item, pid))
            outcome[item.key] = _target(own)
            count_at[item.key] = len(own.people)
        elif match is not None and match.new is not None:
            match.people.add(pid)
            match.new.seconds.append((item, pid))
            match.new.row["report_count"] += 1
            match.new.row["updated_at"] = max(match.new.row["updated_at"], item.at)
            outcome[item.key] = match.new
            count_at[item.key] = match.new.row["report_count"]
        elif match is not None:
            issue = _read_issue(s, match)
            match.people.add(pid)
            queued = seconded.setdefault(issue.id, (issue, []))[1]
            queued.append((item, pid))
            outcome[item.key] = issue
            count_at[item.key] = issue.report_count + len(queued)
        else:
            times = intake.settings.sla_for(item.category, item.urgent)
            ack_due, resolve_due = item.at + times.ack, item.at + times.resolve
            ratio = intake.settings.yellow_ratio
            entry = _New(item, gid, pid, {
                "group_id": gid, "category": item.category,
                "summary": (item.summary or item.text[:20])[:200], "text": item.text,
                "location_text": item.location, "urgent": item.urgent,
                "urgent_kind": item.urgent_kind if item.urgent else None, "lat": item.lat,
                "lon": item.lon, "confidence": item.confidence, "status": Status.OPEN.value,
                "reporter_id": pid,
                "source_message_id": item.message_id, "report_count": 1,
                "created_at": item.at, "updated_at": item.at,
                "ack_due_at": ack_due, "resolve_due_at": resolve_due,
                "ack_warn_at": sla.warn_at(item.at, ack_due, ratio),
                "resolve_warn_at": sla.warn_at(item.at, resolve_due, ratio),
                "escalation_level": 0, "version": 1,
            })
            new.append(entry)
            pool.insert(0, _Candidate(item.location, {pid}, item.at, new=entry))
            outcome[item.key] = entry

    arrivals = [e.arrival() for e in new]
    repeats.decide(s, arrivals)
    for e, a in zip(new, arrivals, strict=True):
        e.row["repeat_of"] = a.repeat_of
    _insert_new(s, new)
    for e, a in zip(new, arrivals, strict=True):
        a.id = e.id
    repeats.link(s, arrivals)
    for issue, seconds in seconded.values():
        issue.report_count += len(seconds)
        issue.updated_at = max(issue.updated_at, *(i.at for i, _ in seconds))
    reports, events = [], []
    for entry in new:
        reports.append(_report(entry.id, entry.item, entry.person_id))
        events.append({"issue_id": entry.id, "actor_id": entry.person_id,
                       "at": entry.item.at, "kind": "open", "from_status": None,
                       "to_status": Status.OPEN.value, "note": None,
                       "data": {"explicit": entry.item.explicit}})
    second_rows = [(e.id, Status.OPEN.value, i, p) for e in new for i, p in e.seconds]
    second_rows += [(iss.id, iss.status, i, p) for iss, sec in seconded.values() for i, p in sec]
    for issue_id, status, item, pid in second_rows:
        reports.append(_report(issue_id, item, pid))
        events.append({"issue_id": issue_id, "actor_id": pid, "at": item.at,
                       "kind": "second", "from_status": status, "to_status": status,
                       "note": item.text[:500], "data": None})
    for cand, item, pid in urged:
        target = _target(cand)
        issue_id = target.id
        status = target.status if isinstance(target, Issue) else Status.OPEN.value
        reports.append(_report(issue_id, item, pid))
        events.append({"issue_id": issue_id, "actor_id": pid, "at": item.at,
                       "kind": "urge", "from_status": status, "to_status": status,
                       "note": item.text[:500], "data": None})
    s.flush()  # the seconded issues' counts, under their version check
    if reports:
        run(s, statements().insert_reports, reports)
        run(s, statements().insert_events, events)

    # Views: what this batch opened is known without asking the database again.
    views: dict[int, IssueView] = {e.id: _view_of_new(intake, e, groups) for e in new}
    others = [iss for iss, _ in seconded.values()]
    others += [c.issue for c, _, _ in urged if c.issue is not None and c.issue.id not in seconded]
    if seen:
        others += s.scalars(select(Issue).where(Issue.id.in_(set(seen.values())))).all()
    return _Written(items, first, seen, outcome, count_at, {item.key for _, item, _ in urged},
                    views, others)



def _target(c: _Candidate) -> _New | Issue:
    if c.new is not None:
        return c.new
    assert c.issue is not None
    return c.issue


def _read_issue(s: Session, c: _Candidate) -> Issue:
    """The whole issue a report seconds or urges: the candidates are read as a few columns
    (most complaints open a new issue and need no more of them)."""
    if c.issue is None:
        c.issue = s.get_one(Issue, c.issue_id)
    return c.issue


def _report(issue_id: int, item: IntakeItem, person_id: int) -> dict[str, Any]:
    channel, scope, external_id = item.key
    return {"issue_id": issue_id, "channel": channel, "scope": scope,
            "external_id": external_id, "person_id": person_id, "text": item.text,
            "created_at": item.at}


def _nearby(intake: Context, s: Session, items: Sequence[IntakeItem],
            groups: dict[int, tuple[int, str]],
            alone: bool) -> dict[tuple[int, str], list[_Candidate]]:
    """Open issues that a message of the batch could second, newest first, per group and
    category."""
    if not items:
        return {}
    since = min(i.at for i in items) - intake.settings.duplicate_window
    rows = run(s, statements(alone).nearby, {
        **among_values("groups", {groups[i.chat_id][0] for i in items}, alone),
        **among_values("categories", {i.category for i in items}, alone), "since": since})
    out: dict[tuple[int, str], list[_Candidate]] = {}
    by_id: dict[int, _Candidate] = {}
    for issue_id, group_id, category, location, created, person_id in rows:
        c = by_id.get(issue_id)
        if c is None:
            pool = out.setdefault((group_id, category), [])
            if len(pool) == NEARBY:
                continue
            c = by_id[issue_id] = _Candidate(location, set(), created, issue_id)
            pool.append(c)
        if person_id is not None:
            c.people.add(person_id)
    return out


def _insert_new(s: Session, new: list[_New]) -> None:
    """Numbers per group (one statement per group), then the issues in one statement."""
    if not new:
        return
    counts: dict[int, int] = {}
    for e in new:
        counts[e.group_id] = counts.get(e.group_id, 0) + 1
    nxt = {}
    for gid, k in counts.items():
        last = run(s, statements().number, {"group": gid, "k": k}).scalar_one_or_none()
        if last is None:  # a group this worker knew, moved by another: retried, asked again
            raise StaleDataError(f"group {gid} is gone")
        nxt[gid] = last - k + 1
    for e in new:
        e.row["number"] = nxt[e.group_id]
        nxt[e.group_id] += 1
    ids = run(s, statements().insert_issues, [e.row for e in new]).scalars().all()
    for e, issue_id in zip(new, ids, strict=True):
        e.id = issue_id


def _view_of_new(intake: Context, e: _New, groups: dict[int, tuple[int, str]]) -> IssueView:
    r, item = e.row, e.item
    now = intake.clock()
    return IssueView(
        id=e.id, chat_id=item.chat_id, group_title=groups[item.chat_id][1], number=r["number"],
        category=r["category"], category_name=intake.settings.category_name(r["category"]),
        summary=r["summary"], text=r["text"], location_text=r["location_text"], lat=r["lat"],
        lon=r["lon"], urgent=r["urgent"], urgent_kind=r["urgent_kind"], status=Status.OPEN,
        reporter=item.reporter,
        assignee=None, department_code=None, department_name=None, escalation_level=0,
        report_count=r["report_count"], source_message_id=item.message_id,
        card_message_id=None, created_at=r["created_at"], updated_at=r["updated_at"],
        acknowledged_at=None, resolved_at=None, closed_at=None, ack_due_at=r["ack_due_at"],
        resolve_due_at=r["resolve_due_at"],
        light=sla.light(Status.OPEN, r["ack_due_at"], r["resolve_due_at"], r["ack_warn_at"],
                        r["resolve_warn_at"], now),
        rating=None, reject_reason=None,
    )
