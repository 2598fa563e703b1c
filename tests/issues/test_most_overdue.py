"""The 大屏's 红灯督办 list: the red issues longest past the deadline that runs now (to accept
while open, to resolve after that), longest first, whichever clock it is."""

from __future__ import annotations

from issues.service import IssueService
from nlp.types import Detection
from tests.issues.conftest import OWNER, RESIDENT, Clock


async def _report(service: IssueService, chat: int, message_id: int) -> int:
    got = await service.intake(chat, message_id, RESIDENT, f"{message_id}号楼路灯坏了", Detection(
        True, "streetlight", 0.9, False, f"{message_id}号楼", f"{message_id}号楼路灯坏了"))
    return got.issue.number


async def test_longest_overdue_first_across_both_clocks(group: int, service: IssueService,
                                                        clock: Clock) -> None:
    # SLA here: accept within 1 h, resolve within 4 h.
    first = await _report(service, group, 1)  # accepted at once: resolve by 4:00
    await service.acknowledge(group, first, OWNER)
    clock.advance(minutes=10)
    second = await _report(service, group, 2)  # never accepted: due 1:10
    clock.advance(minutes=10)
    third = await _report(service, group, 3)  # due 1:20
    clock.advance(minutes=10)
    fourth = await _report(service, group, 4)  # accepted: resolve by 4:30
    await service.acknowledge(group, fourth, OWNER)
    done = await _report(service, group, 5)  # resolved: no light at all
    await service.acknowledge(group, done, OWNER)
    await service.resolve(group, done, OWNER)
    clock.advance(hours=3)  # 3:30: the two never accepted are red, the accepted not yet
    assert [i.number for i in await service.most_overdue(10)] == [second, third]
    clock.advance(hours=1, minutes=30)  # 5:00: every open one is red
    assert [i.number for i in await service.most_overdue(10)] == [second, third, first, fourth]
    assert [i.number for i in await service.most_overdue(3)] == [second, third, first]
