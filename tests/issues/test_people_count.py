""""共 N 人反映" counts people, merging needs the same category and compatible places, the
reporter repeating herself is a 催办, and 不是诉求 leaves every figure."""

from __future__ import annotations

from issues.service import IssueService
from issues.views import IssueFilter, PersonRef
from nlp.types import Detection
from tests.issues.conftest import CHAT, NEIGHBOUR, OWNER, RESIDENT, Clock

LIGHT = Detection(True, "streetlight", 0.8, False, "3栋门口", "3栋门口路灯坏了")
THIRD = PersonRef(2003, "小陈", None)


def light(place: str | None, text: str = "路灯坏了") -> Detection:
    return Detection(True, "streetlight", 0.8, False, place, text)


async def test_the_same_reporter_again_is_an_urge_not_one_more_person(
        service: IssueService, group: int, clock: Clock) -> None:
    first = await service.intake(CHAT, 10, RESIDENT, "3栋门口路灯坏了", LIGHT)
    clock.advance(minutes=30)
    again = await service.intake(CHAT, 11, RESIDENT, "路灯还没修好啊", light(None))
    assert again.urged and not again.seconded and not again.created
    assert again.issue.id == first.issue.id and again.report_count == 1
    other = await service.intake(CHAT, 12, NEIGHBOUR, "3栋门口路灯确实不亮", LIGHT)
    assert other.seconded and other.report_count == 2
    # The neighbour saying it twice does not make three people either.
    twice = await service.intake(CHAT, 13, NEIGHBOUR, "3栋门口路灯怎么还不亮", LIGHT)
    assert twice.urged and twice.report_count == 2
    issue = await service.get_issue(CHAT, 1, with_events=True)
    assert issue.report_count == 2
    assert [e.kind for e in issue.events] == ["open", "urge", "second", "urge"]


async def test_a_place_never_merges_with_no_place(service: IssueService, group: int) -> None:
    await service.intake(CHAT, 10, RESIDENT, "3栋门口路灯坏了", LIGHT)
    corridor = await service.intake(CHAT, 11, NEIGHBOUR, "楼道灯不亮", light(None, "楼道灯不亮"))
    assert corridor.created and corridor.issue.number == 2
    hall = await service.intake(CHAT, 12, THIRD, "楼道的灯坏了", light("楼道"))
    assert hall.created and hall.issue.number == 3
    near = await service.intake(CHAT, 13, THIRD, "3栋路灯坏了", light("3栋"))
    assert near.seconded and near.issue.number == 1 and near.report_count == 2
    drain = Detection(True, "drainage", 0.8, False, "3栋门口", "3栋门口下水道堵了")
    other_kind = await service.intake(CHAT, 14, THIRD, "3栋门口下水道堵了", drain)
    assert other_kind.created


async def test_not_an_issue_is_withdrawn_and_leaves_the_figures(
        service: IssueService, group: int, clock: Clock) -> None:
    start = clock.now
    await service.intake(CHAT, 10, RESIDENT, "3栋门口路灯坏了", LIGHT)
    await service.intake(CHAT, 11, NEIGHBOUR, "看了一晚上小说睡不着", light("5栋", "睡不着"))
    await service.intake(CHAT, 12, THIRD, "9栋后面路灯坏了", light("9栋后面"))
    r = await service.withdraw(CHAT, 2, OWNER)
    assert r.issue.status == "withdrawn"
    await service.acknowledge(CHAT, 3, OWNER)
    clock.advance(minutes=5)
    s = await service.stats(CHAT, start, None)
    assert s.received == 2 and s.pending == 1 and s.in_progress == 1
    assert s.pending + s.in_progress + s.resolved + s.rejected == s.received
    page = await service.list_issues(IssueFilter(chat_id=CHAT))
    assert sorted(i.number for i in page.items) == [1, 3]
    kept = await service.list_issues(IssueFilter(chat_id=CHAT, status="withdrawn"))
    assert [i.number for i in kept.items] == [2]
    assert (await service.feedback_rows())[0]["label"] == "none"
    # A mistaken press can be undone: back to 待受理, counted again.
    back = await service.reopen(CHAT, 2, OWNER)
    assert back.issue.status == "open"


async def test_migration_turns_old_false_positives_into_withdrawn(
        service: IssueService, group: int, db_url: str) -> None:
    """Before 0005 a 不是诉求 press left a rejection with a false_positive event."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.engine import Connection

    from issues.db import alembic_config

    await service.intake(CHAT, 10, RESIDENT, "3栋门口路灯坏了", LIGHT)
    await service.intake(CHAT, 11, NEIGHBOUR, "9栋后面路灯坏了", light("9栋后面"))
    await service.withdraw(CHAT, 1, OWNER)
    await service.reject(CHAT, 2, OWNER, "不归本群管")
    cfg = alembic_config(db_url)

    def to(conn: Connection, rev: str, up: bool) -> None:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    async with service.db.engine.begin() as conn:
        await conn.run_sync(to, "0004", False)
    async with service.db.engine.connect() as conn:  # the old schema: read it as it is
        status = (await conn.execute(text("SELECT status FROM issues WHERE number = 1"))
                  ).scalar()
    assert status == "rejected"
    async with service.db.engine.begin() as conn:
        await conn.run_sync(to, "head", True)
    assert (await service.get_issue(CHAT, 1)).status == "withdrawn"
    assert (await service.get_issue(CHAT, 2)).status == "rejected"
