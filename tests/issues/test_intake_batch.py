"""Intakes that arrive together are written together, and each gets the answer it would have
got alone: numbers in order, "me too" counts as of its own message, repeats recognised, new
groups and new people created once."""

from __future__ import annotations

import asyncio

import pytest

from issues.coalesce import Coalescer
from issues.service import IssueService
from issues.views import IssueFilter, PersonRef
from nlp.types import Detection
from tests.issues.conftest import CHAT, NEIGHBOUR, RESIDENT, Clock

LIGHT = Detection(True, "streetlight", 0.8, False, "3栋门口", "3栋门口路灯坏了", ("路灯",))
DRAIN = Detection(True, "drainage", 0.8, False, "5栋", "5栋下水道堵了", ("下水道",))


async def test_a_burst_becomes_numbered_issues_and_seconds(service: IssueService,
                                                            group: int) -> None:
    people = [PersonRef(5000 + n, f"居民{n}", None) for n in range(6)]
    burst = [
        (1, people[0], "3栋门口路灯坏了", LIGHT),
        (2, people[1], "5栋下水道堵了", DRAIN),
        (3, people[2], "3栋门口路灯还是不亮", LIGHT),  # me too, on #1 of this same burst
        (4, people[3], "3栋门口路灯坏了+1", LIGHT),  # and again
        (5, people[4], "9栋后面路灯坏了",
         Detection(True, "streetlight", 0.8, False, "9栋后面", "9栋后面路灯坏了")),
        (1, people[0], "3栋门口路灯坏了", LIGHT),  # the same update delivered twice
    ]
    results = await asyncio.gather(*(service.intake(CHAT, m, p, t, d)
                                     for m, p, t, d in burst))
    light, drain, me_too, again, elsewhere, repeat = results
    assert (light.created, light.issue.number) == (True, 1)
    assert (drain.created, drain.issue.number) == (True, 2)
    assert me_too.seconded and me_too.issue.id == light.issue.id and me_too.report_count == 2
    assert again.seconded and again.report_count == 3
    assert (elsewhere.created, elsewhere.issue.number) == (True, 3)
    assert repeat.issue.id == light.issue.id and not repeat.created and not repeat.seconded

    stored = await service.get_issue(CHAT, 1, with_events=True)
    assert stored.report_count == 3
    assert [e.kind for e in stored.events] == ["open", "second", "second"]
    assert stored.events[1].actor == people[2]
    assert (await service.list_issues(IssueFilter(chat_id=CHAT))).total == 3
    # Delivered again later, one by one: the same answers, nothing new.
    later = await service.intake(CHAT, 3, people[2], "3栋门口路灯还是不亮", LIGHT)
    assert later.issue.id == light.issue.id and not later.created and not later.seconded


async def test_a_burst_seconds_an_issue_opened_before(service: IssueService, group: int,
                                                      clock: Clock) -> None:
    first = await service.intake(CHAT, 10, RESIDENT, "3栋门口路灯坏了", LIGHT)
    clock.advance(minutes=5)
    a, b = await asyncio.gather(
        service.intake(CHAT, 11, NEIGHBOUR, "3栋门口路灯不亮", LIGHT),
        service.intake(CHAT, 12, PersonRef(6000, "刘奶奶", None), "3栋门口黑漆漆的", LIGHT))
    assert a.issue.id == b.issue.id == first.issue.id
    assert (a.report_count, b.report_count) == (2, 3)
    assert (await service.get_issue(CHAT, 1)).report_count == 3


async def test_a_burst_across_new_groups(service: IssueService) -> None:
    """Groups the bot never met and people it never saw, many at once."""
    results = await asyncio.gather(*(
        service.intake(-2000 - g, 100 + n, PersonRef(7000 + n, f"邻居{n}", None),
                       f"{n}栋门口路灯坏了",
                       Detection(True, "streetlight", 0.8, False, f"{n}栋门口", "路灯坏了"),
                       group_title=f"{g}号群")
        for n in range(12) for g in [n % 3]))
    assert all(r.created for r in results)
    for g in range(3):
        numbers = sorted(r.issue.number for r in results if r.issue.chat_id == -2000 - g)
        assert numbers == [1, 2, 3, 4]
        view = await service.get_group(-2000 - g)
        assert view is not None and view.title == f"{g}号群"
    assert results[5].issue.reporter.name == "邻居5"


async def test_one_bad_message_does_not_take_the_burst_with_it() -> None:
    """If a batch fails as a whole, each message is tried alone: only the bad one fails."""
    calls: list[int] = []

    async def run(items: list[int]) -> list[int]:
        calls.append(len(items))
        if 13 in items:
            raise ValueError("bad message")
        return [m * 10 for m in items]

    batcher = Coalescer(run, "test")
    results = await asyncio.gather(*(batcher.submit(m) for m in (11, 12, 13, 14)),
                                   return_exceptions=True)
    assert results[:2] == [110, 120] and results[3] == 140
    assert isinstance(results[2], ValueError)
    assert calls == [4, 1, 1, 1, 1]


@pytest.mark.parametrize("n", [1, 50])
async def test_sequential_and_concurrent_give_the_same_ledger(service: IssueService,
                                                              group: int, n: int) -> None:
    msgs = [(m, PersonRef(8000 + m % 7, "居民", None), f"{m % 5}栋门口路灯坏了",
             Detection(True, "streetlight", 0.8, False, f"{m % 5}栋门口", "路灯坏了"))
            for m in range(1, 51)]
    if n == 1:
        out = [await service.intake(CHAT, m, p, t, d) for m, p, t, d in msgs]
    else:
        out = list(await asyncio.gather(*(service.intake(CHAT, m, p, t, d)
                                          for m, p, t, d in msgs)))
    # Seven people, five places: each place is reported by all seven (counted once each),
    # and a person's later messages about her own place are 催办.
    assert sum(r.created for r in out) == 5 and sum(r.seconded for r in out) == 30
    assert sum(r.urged for r in out) == 15
    assert sorted(r.report_count for r in out if r.seconded)[-1] == 7
    page = await service.list_issues(IssueFilter(chat_id=CHAT))
    assert sorted(i.report_count for i in page.items) == [7] * 5
