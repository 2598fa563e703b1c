"""Reads over every group run a fixed number of SQL statements, whatever the number of groups:
a district has 2,000 of them, and the tick and every dashboard page read them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from issues.db import Database
from issues.service import IssueService
from issues.views import IssueFilter, PersonRef
from nlp.types import Detection
from tests.issues.conftest import ADMIN, OWNER, RESIDENT, Clock


async def statements(svc: IssueService, call: Callable[[], Awaitable[Any]]) -> int:
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    engine = svc.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        await call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen[0]


async def add_groups(svc: IssueService, first: int, n: int) -> None:
    """n groups with an owner, an admin, a unit, an issue and a rated, resolved one."""
    for k in range(first, first + n):
        chat = -5000 - k
        await svc.register_group(chat, f"{k}号楼群", OWNER, [OWNER, ADMIN,
                                                              PersonRef(9000 + k, f"楼长{k}")])
        # Creating units is the district's: a one-time code, as a dashboard admin hands out.
        await svc.join_org_unit(chat, OWNER.user_id, f"第{k}网格", "grid", f"第{k // 2}社区",
                                code=await svc.new_access_code())
        for m in (1, 2):
            await svc.intake(chat, m, RESIDENT, f"{m}栋门口路灯坏了", Detection(
                True, "streetlight", 0.9, False, f"{m}栋门口", f"{m}栋门口路灯坏了"))
        await svc.resolve(chat, 1, OWNER)
        await svc.rate(chat, 1, RESIDENT, 5)


async def test_group_reads_take_as_many_statements_for_3_as_for_12_groups(
        service: IssueService, clock: Clock) -> None:
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "list_groups": service.list_groups,
        "stats_by_group": lambda: service.stats_by_group(clock.now - timedelta(days=30)),
        "stats_by_unit": lambda: service.stats_by_unit(clock.now - timedelta(days=30)),
        "stats": lambda: service.stats(None, clock.now - timedelta(days=30)),
    }
    await add_groups(service, 0, 3)
    few = {name: await statements(service, call) for name, call in calls.items()}
    await add_groups(service, 3, 9)
    many = {name: await statements(service, call) for name, call in calls.items()}
    assert many == few
    assert few["list_groups"] <= 3


async def test_figures_per_group_and_unit_match_each_scope_alone(
        service: IssueService, clock: Clock) -> None:
    await add_groups(service, 0, 4)
    clock.advance(hours=2)  # the open issues' acknowledge clocks (1 h) are red now
    month = clock.now - timedelta(days=30)
    by_group = await service.stats_by_group(month)
    assert len(by_group) == 4
    for chat, got in by_group.items():
        alone = await service.stats(chat, month)
        assert (got.received, got.answered, got.resolved, got.rated, got.satisfied,
                got.overdue) == (alone.received, alone.answered, alone.resolved, alone.rated,
                                 alone.satisfied, alone.overdue)
        assert got.received == 2 and got.resolved == 1 and got.overdue["red"] == 1
    units = {unit_id: name for unit_id, name, _, _ in await service.org_units()}
    by_unit = await service.stats_by_unit(month)
    for unit_id, got in by_unit.items():
        alone = await service.stats(None, month, org_unit_id=unit_id)
        assert (got.received, got.resolved, got.rated, got.overdue) == (
            alone.received, alone.resolved, alone.rated, alone.overdue), units[unit_id]
    communities = [u for u, name in units.items() if name.endswith("社区")]
    assert sum(by_unit[u].received for u in communities) == 8


async def test_escalations_page_until_done_one_level_a_tick(
        service: IssueService, clock: Clock) -> None:
    """250 red issues past the grace period (a page is 200) all go up in one pass, each one
    level, with its notice claimed; the next pass finds none until another grace period."""
    await service.register_group(-7001, "幸福社区3栋群", OWNER, [OWNER])
    for first in range(0, 250, 50):
        for k in range(first, first + 50):
            await service.intake(-7001, k + 1, RESIDENT, f"{k}号楼路灯坏了", Detection(
                True, "streetlight", 0.9, False, f"{k}号楼", f"{k}号楼路灯坏了"))
    clock.advance(hours=1, minutes=31)  # acknowledge due after 1 h, grace 30 min

    async def one_pass() -> list[int]:
        return [e.issue.escalation_level async for page in service.escalations_due()
                for e in page]

    assert await one_pass() == [1] * 250
    assert await one_pass() == []
    clock.advance(minutes=30)
    assert await one_pass() == [2] * 250
    issue = await service.get_issue(-7001, 1, with_events=True)
    assert [e.kind for e in issue.events].count("auto_escalate") == 2


async def test_moving_to_a_supergroup_takes_over_a_row_the_new_chat_got_first(
        service: IssueService) -> None:
    """The new chat's first message came before the move was known: it opened #1 there. The
    move keeps the old group's numbers and gives that issue the next one."""
    await service.register_group(-9001, "幸福社区3栋群", OWNER, [OWNER, ADMIN])
    for k in (1, 2):
        await service.intake(-9001, k, RESIDENT, f"{k}号楼路灯坏了", Detection(
            True, "streetlight", 0.9, False, f"{k}号楼", f"{k}号楼路灯坏了"))
    await service.register_group(-1009001, "幸福社区3栋群", OWNER, [OWNER])
    await service.intake(-1009001, 1, RESIDENT, "9号楼电梯坏了", Detection(
        True, "elevator", 0.9, False, "9号楼", "9号楼电梯坏了"))
    moved = await service.migrate_group(-9001, -1009001)
    assert moved is not None and moved.chat_id == -1009001 and len(moved.admins) == 2
    assert await service.migrate_group(-9001, -1009001) is None  # the other service message
    numbers = {i.number: i.summary for i in (await service.list_issues(
        IssueFilter(chat_id=-1009001))).items}
    assert numbers == {1: "1号楼路灯坏了", 2: "2号楼路灯坏了", 3: "9号楼电梯坏了"}
    assert await service.get_group(-9001) is None


async def test_a_complaint_in_a_group_met_before_skips_its_reads(
        service: IssueService) -> None:
    """The intake knows the groups it met and does not ask whether a report came before
    (its key is unique: a repeat fails the insert, and the retry asks): a complaint in a
    known group takes seven statements, and a repeated delivery still opens nothing."""
    await service.register_group(-9101, "幸福社区5栋群", OWNER, [OWNER])

    async def report(message_id: int) -> Any:
        return await service.intake(-9101, message_id, RESIDENT, f"{message_id}号楼路灯坏了",
                                    Detection(True, "streetlight", 0.9, False,
                                              f"{message_id}号楼", f"{message_id}号楼路灯坏了"))

    await report(1)
    # the person, the open issues nearby, the repeats, the number, the issue, its report
    # and its event
    assert await statements(service, lambda: report(2)) == 7
    again = await report(2)
    assert (again.created, again.issue.number) == (False, 2)
    assert [i.number for i in (await service.list_issues(
        IssueFilter(chat_id=-9101))).items] == [2, 1]


async def test_a_group_moved_by_another_worker_is_asked_again(
        service: IssueService, db_url: str, clock: Clock) -> None:
    """This worker knew the new chat's own row; another worker moved the old group onto the
    chat and deleted that row: the next complaint lands in the moved group, numbered on."""
    await service.register_group(-9201, "幸福社区6栋群", OWNER, [OWNER])
    await service.register_group(-1009201, "幸福社区6栋群", OWNER, [OWNER])
    for chat, k in ((-9201, 1), (-1009201, 1)):
        await service.intake(chat, k, RESIDENT, "3号楼路灯坏了", Detection(
            True, "streetlight", 0.9, False, "3号楼", "3号楼路灯坏了"))
    other_db = Database(db_url)
    try:
        other = IssueService(other_db, service.settings, clock=clock)
        assert await other.migrate_group(-9201, -1009201) is not None
    finally:
        await other_db.dispose()
    got = await service.intake(-1009201, 2, RESIDENT, "8号楼电梯坏了", Detection(
        True, "elevator", 0.9, False, "8号楼", "8号楼电梯坏了"))
    assert (got.created, got.issue.number) == (True, 3)
    assert await service.get_group(-9201) is None
