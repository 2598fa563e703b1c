"""The ledger streamed for exports, a keyset batch at a time: every issue once, newest first,
however many share one instant, each row as the ledger's own view shows it."""

from __future__ import annotations

import asyncio

from issues.service import IssueService
from issues.views import IssueFilter
from nlp.types import Detection
from tests.issues.conftest import OWNER, RESIDENT, Clock


async def test_stream_gives_every_issue_once_newest_first(service: IssueService,
                                                          clock: Clock) -> None:
    await service.register_group(-8001, "幸福社区3栋群", OWNER, [OWNER])
    for burst in range(3):  # 3 instants, 7 issues each: batches of 5 split the instants
        await asyncio.gather(*(service.intake(-8001, burst * 10 + k, RESIDENT,
                                              f"{burst}-{k}号楼路灯坏了", Detection(
                                                  True, "streetlight", 0.9, False,
                                                  f"{burst}-{k}号楼", f"{burst}-{k}号楼路灯坏了"))
                               for k in range(7)))
        clock.advance(minutes=5)
    await service.resolve(-8001, 3, OWNER)
    await service.rate(-8001, 3, RESIDENT, 5)
    got = [i async for batch in service.ledger.stream(IssueFilter(), batch=5) for i in batch]
    assert len(got) == 21 and len({i.id for i in got}) == 21
    assert [(i.created_at, i.id) for i in got] == sorted(
        ((i.created_at, i.id) for i in got), reverse=True)
    assert await service.count_issues() == 21
    page = await service.list_issues(IssueFilter(), 1, 21)
    by_id = {i.id: i for i in page.items}
    for i in got:  # the columns an export writes, as the ledger's views have them
        v = by_id[i.id]
        assert (i.chat_id, i.group_title, i.number, i.status, i.reporter, i.assignee, i.rating,
                i.light, i.was_late, i.created_at, i.resolved_at) == (
            v.chat_id, v.group_title, v.number, v.status, v.reporter, v.assignee, v.rating,
            v.light, v.was_late, v.created_at, v.resolved_at)
    assert any(i.rating == 5 for i in got)
