"""Reads over every group run a fixed number of SQL statements, whatever the number of groups:
a district has 2,000 of them, and the tick and every dashboard page read them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from issues.service import IssueService
from issues.views import PersonRef
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
