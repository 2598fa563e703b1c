"""Who holds an issue (issues.holders): the assignee, else the group's owner — in the
supervision figures per person (按负责人) and in the ledger's filter by person, on SQLite and
PostgreSQL, against the small district of tests/issues/test_supervision.py whose every figure
is known by hand.

There 王网格 owns groups A and B and assigns nothing but A#4 (to 张师傅); 赵网格 owns C."""

from __future__ import annotations

from dataclasses import replace

import pytest

from issues.service import IssueService
from issues.views import IssueFilter
from tests.issues.test_supervision import (
    NOVEMBER,
    OWNER,
    OWNER2,
    WORKER,
    A,
    B,
    C,
    _by_name,
    district,  # noqa: F401 (the fixture)
)


async def test_the_issues_an_owner_holds_unassigned_count_under_the_owner(
        district: IssueService) -> None:  # noqa: F811
    report = await district.supervision("holder", NOVEMBER)
    rows = _by_name(report.rows)
    assert set(rows) == {"王网格", "张师傅", "赵网格"}
    wang = rows["王网格"]
    # A#2, A#3 and B#1 (rejected): nobody was assigned them.
    assert (wang.received, wang.rejected, wang.key, wang.owner) == (3, 1, "1", True)
    # Accepted A#2 in 1 h of 4, A#3 in 3 h of 2; resolved A#2 in time, A#3 reopened, late.
    assert (wang.ack_on_time, wang.ack_judged, wang.resolve_on_time, wang.resolve_judged) \
        == (1, 2, 1, 2)
    # Nearest rank of 1 h and 3 h: the median is 1 h, the 90th percentile 3 h (PostgreSQL's
    # percentile_disc, SQLite's ranking in Python).
    assert (wang.ack_p50_s, wang.ack_p90_s) == (3600, 3 * 3600)
    assert (wang.resolve_p50_s, wang.resolve_p90_s) == (86400, 86400)
    assert (wang.red, wang.yellow, wang.reopened, wang.repeat) == (1, 0, 1, 0)
    assert (wang.satisfied, wang.basic, wang.unsatisfied) == (1, 0, 1)
    # October's A#1, resolved in time, was his too.
    assert wang.previous is not None
    assert (wang.previous.received, wang.previous.resolve_on_time) == (1, 1)
    zhang = rows["张师傅"]
    assert (zhang.received, zhang.repeat, zhang.red, zhang.owner) == (1, 1, 1, False)
    zhao = rows["赵网格"]
    assert (zhao.received, zhao.yellow, zhao.owner) == (1, 1, True)
    # Every issue has a holder here: the rows add up to the total.
    assert sum(f.received for f in report.rows) == report.total.received == 5
    # The ranking by 按时办结率 sees the owner's issues (five behind a rate: none ranks yet).
    assert sum(f.resolve_judged for f in report.rows) == report.total.resolve_judged


async def test_an_owner_who_is_assigned_elsewhere_has_one_row_with_both(
        district: IssueService) -> None:  # noqa: F811
    await district.assign(C, 1, OWNER2, OWNER)  # 赵网格 hands C#1 to 王网格
    rows = _by_name((await district.supervision("holder", NOVEMBER)).rows)
    assert set(rows) == {"王网格", "张师傅"}
    # His three issues as A's and B's owner, and C#1, accepted in time by being assigned.
    wang = rows["王网格"]
    assert (wang.received, wang.ack_on_time, wang.ack_judged, wang.owner) == (4, 2, 3, True)
    # Within 和平社区 he holds C#1 alone, as its assignee.
    units = {name: uid for uid, name, _l, _c in await district.org_units()}
    peace = await district.supervision("holder", NOVEMBER,
                                       IssueFilter(org_unit_id=units["和平社区"]))
    assert [(f.name, f.received) for f in peace.rows] == [("王网格", 1)]
    # A brief report (the overview's) counts the same.
    brief = _by_name((await district.supervision("holder", NOVEMBER, brief=True)).rows)
    assert {n: f.received for n, f in brief.items()} == {"王网格": 4, "张师傅": 1}


async def test_a_group_changing_hands_moves_its_unassigned_issues(
        district: IssueService) -> None:  # noqa: F811
    """The owner is the group's owner now, as every page shows it: B#1 follows B."""
    await district.set_owner(B, OWNER.user_id, OWNER2)
    rows = _by_name((await district.supervision("holder", NOVEMBER)).rows)
    assert (rows["王网格"].received, rows["赵网格"].received) == (2, 2)


async def test_a_group_without_an_owner_counts_its_unassigned_issues_in_the_total_only(
        district: IssueService) -> None:  # noqa: F811
    """赵网格 left C: nobody holds C#1, which no row shows and the total still counts (its
    time to accept as well)."""
    before = await district.supervision("holder", NOVEMBER)
    await district.owner_left(C, OWNER2.user_id)
    report = await district.supervision("holder", NOVEMBER)
    assert {f.name: f.received for f in report.rows} == {"王网格": 3, "张师傅": 1}
    assert (report.total.received, report.total.yellow) == (5, 1)
    assert replace(report.total, previous=None) == replace(before.total, previous=None)


async def _numbers(svc: IssueService, f: IssueFilter) -> set[tuple[int, int]]:
    page = await svc.list_issues(f, page_size=100)
    assert page.total == len(page.items)
    return {(i.chat_id, i.number) for i in page.items}


async def test_the_ledger_finds_what_a_person_holds(district: IssueService  # noqa: F811
                                                     ) -> None:
    held = await _numbers(district, IssueFilter(holder_user_id=OWNER.user_id))
    assert held == {(A, 1), (A, 2), (A, 3), (B, 1)}  # A#4 is 张师傅's
    assert await _numbers(district, IssueFilter(holder_user_id=WORKER.user_id)) == {(A, 4)}
    assert await _numbers(district, IssueFilter(holder_user_id=OWNER2.user_id)) == {(C, 1)}
    await district.assign(C, 1, OWNER2, OWNER)
    assert await _numbers(district, IssueFilter(holder_user_id=OWNER.user_id)) == held | {(C, 1)}
    assert await _numbers(district, IssueFilter(holder_user_id=OWNER2.user_id)) == set()
    # The assignee filter (a resident's own issues, the bot's glance) keeps its meaning.
    assert await _numbers(district, IssueFilter(assignee_user_id=OWNER.user_id)) == {(C, 1)}
    assert [i.number for i in await district.ledger.assigned(C, OWNER.user_id, 5)] == [1]
    # With the period and a figure, as the supervision rows link to it.
    late = IssueFilter(holder_user_id=OWNER.user_id, since=NOVEMBER.start,
                       until=NOVEMBER.end, fact="ack_late")
    assert await _numbers(district, late) == {(A, 3)}
    assert await district.count_issues(IssueFilter(holder_user_id=OWNER.user_id)) == 5


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_ledgers_person_list_is_who_holds_something(
        district: IssueService) -> None:  # noqa: F811
    """Assignees, and owners of a group with an issue nobody was assigned: each of them
    finds something with the holder filter."""
    async def names() -> set[str]:
        return {p.name for p in await district.holders()}

    assert await names() == {"王网格", "张师傅", "赵网格"}
    await district.assign(C, 1, OWNER2, OWNER)  # 赵网格 holds nothing now
    assert await names() == {"王网格", "张师傅"}
