"""The practices' rooms on both databases, with a clock the test moves: notices and their
posts, supervision and joint cases, votes, follow-ups (what the sandbox tests drive through
the bot, here checked on PostgreSQL too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from issues.db import Database
from issues.errors import InvalidInput, PermissionDenied
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from tests.issues.conftest import Clock

OFFICIAL = PersonRef(9001, "王书记", None)
OWNER = PersonRef(1001, "王网格", None)
RESIDENT = PersonRef(2001, "李阿姨", None)
STREET, COMMUNITY, GRID, DEPT_A, DEPT_B = -100, -200, -300, -400, -500
LIGHT = Detection(True, "streetlight", 0.9, False, "3栋门口", "路灯坏了")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def svc(db_url: str, clock: Clock) -> AsyncIterator[IssueService]:
    settings = load_settings(overrides={
        "database_url": db_url, "trust": {"district_admins": [OFFICIAL.user_id]},
        "practices": {"followup": {"after": "1h", "wait": "2h"}}}, env={})
    db = Database(db_url)
    service = IssueService(db, settings, clock=clock)
    for chat, title in ((STREET, "幸福街道工作群"), (COMMUNITY, "幸福社区工作群")):
        await service.register_group(chat, title, OFFICIAL, [OFFICIAL])
    await service.register_group(GRID, "幸福社区3栋群", OWNER, [OWNER])
    await service.set_unit_home(STREET, OFFICIAL.user_id or 0, "幸福街道", "street")
    await service.join_org_unit(COMMUNITY, OFFICIAL.user_id or 0, "幸福社区", "community",
                                "幸福街道")
    await service.set_unit_home(COMMUNITY, OFFICIAL.user_id or 0, "幸福社区", "community")
    await service.join_org_unit(GRID, OWNER.user_id or 0, "幸福社区", "community")
    try:
        yield service
    finally:
        await db.dispose()


async def test_notice_posts_reach_the_tree_and_repeat_text_is_known(svc: IssueService,
                                                                   clock: Clock) -> None:
    notice = await svc.notices.send(STREET, OFFICIAL, "明天8点到12点全街道停水检修，请提前储水")
    assert notice.reach.groups == 2  # the community's own group and the grid's
    posts = await svc.notices.pending()
    assert sorted(p.chat_id for p in posts) == [GRID, COMMUNITY]
    for p in posts:
        await svc.notices.record(p.id, message_id=50 + p.id, members=3)
    follow = await svc.notices.follow_up(STREET, OFFICIAL, 1, "已恢复供水")
    pending = await svc.notices.pending()
    assert {p.reply_to for p in pending} == {50 + p.id for p in posts}
    await svc.notices.record(pending[0].id, error="Forbidden: bot was kicked")
    view = await svc.notices.get(follow.id)
    assert [(t.seq, t.sent, t.pending, t.failed, t.members) for t in view.tallies] == [
        (0, 2, 0, 0, 6), (1, 0, 1, 1, 0)]
    assert await svc.notices.is_notice_text("转：明天8点到12点全街道停水检修，请提前储水。")
    assert not await svc.notices.is_notice_text("明天停水吗")
    clock.advance(days=31)  # a month on, the same words are a resident's own again
    assert not await svc.notices.is_notice_text("转：明天8点到12点全街道停水检修，请提前储水。")
    clock.advance(days=-31)
    with pytest.raises(PermissionDenied):
        await svc.notices.send(STREET, RESIDENT, "假通知")
    with pytest.raises(InvalidInput):
        await svc.notices.send(GRID, OWNER, "网格群不是单位的工作群")


async def test_recent_notice_texts_kept_for_a_while(db_url: str, svc: IssueService,
                                                    clock: Clock) -> None:
    """Every complaint asks whether it repeats a notice: with max_age the recent texts are
    kept; a notice sent through this service is known at once, another worker's within
    max_age, and one a month old is a resident's own words again."""
    passed_on = "转：明天8点到12点全街道停水检修，请提前储水。"
    assert not await svc.notices.is_notice_text(passed_on, max_age=60)  # read and kept
    await svc.notices.send(STREET, OFFICIAL, "明天8点到12点全街道停水检修，请提前储水")
    assert await svc.notices.is_notice_text(passed_on, max_age=60)
    other_worker = IssueService(Database(db_url), svc.settings, clock=clock)
    try:
        assert await other_worker.notices.is_notice_text(passed_on, max_age=60)
        await other_worker.notices.send(STREET, OFFICIAL, "周六上午9点小区门口义诊，请相互转告")
    finally:
        await other_worker.db.dispose()
    told = "周六上午9点小区门口义诊，请相互转告"
    assert not await svc.notices.is_notice_text(told, max_age=60)  # kept: not seen yet
    await asyncio.sleep(0.01)
    assert await svc.notices.is_notice_text(told, max_age=0.005)  # older than that: read again
    clock.advance(days=31)
    assert not await svc.notices.is_notice_text(passed_on, max_age=60)


async def test_supervision_and_joint_parts(svc: IssueService, clock: Clock) -> None:
    opened = await svc.intake(GRID, 10, RESIDENT, "3栋门口路灯坏了", LIGHT)
    issue = opened.issue
    assert (await svc.oversight.find_reference("幸福社区3栋群-1")).id == issue.id
    with pytest.raises(PermissionDenied):
        await svc.oversight.supervise(GRID, OWNER, issue.id)  # the grid's own owner
    done = await svc.oversight.supervise(STREET, OFFICIAL, issue.id, "群众反映强烈")
    assert (done.unit, done.already) == ("幸福街道", False)
    again = await svc.oversight.supervise(COMMUNITY, OFFICIAL, issue.id)
    assert (again.unit, again.already) == ("幸福街道", True)
    street = next(u for u, name, *_ in await svc.org_units() if name == "幸福街道")
    assert [i.id for i, _ in await svc.oversight.supervised(street)] == [issue.id]
    # 攻坚: resolving waits for every department.
    for chat, code in ((DEPT_A, "chengguan"), (DEPT_B, "water")):
        await svc.register_department_group(chat, code, OFFICIAL)
    result = await svc.oversight.joint(GRID, 1, OWNER, ["chengguan", "water"])
    assert [p.status for p in result.issue.joint] == ["pending", "pending"]
    part = await svc.oversight.report_part(issue.id, "chengguan", OFFICIAL, "已清理", done=True)
    assert part.remaining == ("供水",)
    with pytest.raises(InvalidInput) as refused:
        await svc.resolve(GRID, 1, OWNER, "好了")
    assert refused.value.code == "joint_pending"
    last = await svc.oversight.report_part(issue.id, "water", OFFICIAL, "已修复", done=True)
    assert last.remaining == ()
    assert (await svc.resolve(GRID, 1, OWNER)).issue.status == "resolved"
    assert await svc.oversight.supervised(street) == []  # resolved: off the open list


async def test_votes_count_close_once(svc: IssueService, clock: Clock) -> None:
    vote = await svc.votes.open(GRID, OWNER, "是否加装充电桩", ["同意", "不同意"],
                                anonymous=False, closes_at=clock() + timedelta(hours=1))
    await svc.votes.posted(vote.id, "poll-1", 77)
    await svc.votes.answered("poll-1", RESIDENT, [0])
    await svc.votes.answered("poll-1", OWNER, [1])
    await svc.votes.answered("poll-1", OWNER, [])  # taken back
    assert await svc.votes.counted("poll-1", [1, 0], 1)
    assert await svc.votes.due() == []
    clock.advance(hours=2)
    [due] = await svc.votes.due()
    final, first = await svc.votes.close(due.id, None, None)
    assert first and final.counts == (1, 0) and final.winners == ("同意",)
    assert not (await svc.votes.close(due.id, [5, 5], 10))[1]  # recorded once
    assert not await svc.votes.counted("poll-1", [9, 9], 18)  # closed: the result stays
    assert [(p.name, o) for p, o in await svc.votes.ballots(vote.id)] == [("李阿姨", (0,))]
    with pytest.raises(PermissionDenied):
        await svc.votes.open(GRID, RESIDENT, "标题", ["甲", "乙"], anonymous=True,
                             closes_at=clock() + timedelta(hours=1))


async def test_followup_asks_once_then_records_unrated(svc: IssueService, clock: Clock) -> None:
    for n, text in ((10, "3栋门口路灯坏了"), (11, "9栋后面路灯坏了")):
        await svc.intake(GRID, n, RESIDENT, text,
                         Detection(True, "streetlight", 0.9, False, text[:3], "路灯坏了"))
        await svc.resolve(GRID, n - 9, OWNER)
    await svc.rate(GRID, 2, RESIDENT, 5)
    assert await svc.followups.due() == []  # not an hour yet
    clock.advance(minutes=61)
    [(issue, ask)] = await svc.followups.due()
    assert issue.number == 1 and ask
    assert await svc.followups.asked(issue.id, issue.resolved_at or clock())
    assert not await svc.followups.asked(issue.id, issue.resolved_at or clock())
    assert await svc.followups.due() == []
    assert (await svc.get_issue(GRID, 1)).followup == "asked"
    clock.advance(hours=2)
    assert await svc.followups.expire() == [issue.id]
    assert await svc.followups.expire() == []
    view = await svc.get_issue(GRID, 1)
    assert view.followup == "unrated" and view.rating is None
    stats = await svc.stats(GRID)
    assert (stats.rated, stats.satisfied) == (1, 1)
    # Reopened and resolved again: a new resolution, asked about again.
    await svc.reopen(GRID, 1, OWNER)
    await svc.resolve(GRID, 1, OWNER)
    assert (await svc.get_issue(GRID, 1)).followup is None
    clock.advance(days=5)  # found far too late to ask: unrated at once
    [(late, ask)] = await svc.followups.due()
    assert late.number == 1 and not ask


async def test_who_may_supervise_at_all(svc: IssueService) -> None:
    """Asked before a reference is looked up: a unit's own group's owner or admins, and the
    district's admins; not a grid group's owner, not a resident."""
    head, deputy = PersonRef(3001, "刘主任", None), PersonRef(3002, "赵干事", None)
    await svc.register_group(-600, "东风街道工作群", head, [head, deputy])
    await svc.set_unit_home(-600, OFFICIAL.user_id or 0, "东风街道", "street")
    for allowed in (OFFICIAL, head, deputy):
        await svc.oversight.require_some_supervisor(allowed.user_id)
    for refused in (OWNER, RESIDENT, PersonRef(4004, "路人", None)):
        with pytest.raises(PermissionDenied):
            await svc.oversight.require_some_supervisor(refused.user_id)
