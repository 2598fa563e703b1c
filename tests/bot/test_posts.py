"""The scheduled posts' words: the evening post lists each issue once and never says "已0小时";
the daily digest's parts add up to 收到 and 满意度 waits for five ratings; the weekly digest is
its own post over last week, not the daily one again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.present.posts import digest_html, progress_html, weekly_html
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import GroupView, PersonRef
from nlp.types import Detection
from tests.issues.conftest import CHAT, OWNER, Clock

PEOPLE = [PersonRef(3000 + n, f"居民{n}") for n in range(8)]


def light(place: str) -> Detection:
    return Detection(True, "streetlight", 0.8, False, place, f"{place}路灯坏了")


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[tuple[IssueService, Clock, GroupView]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'posts.db'}"
    db = Database(url)
    await db.upgrade()
    clock = Clock()  # Tuesday 2026-11-24, 10:00 in Shanghai
    service = IssueService(db, load_settings(overrides={"database_url": url}, env={}),
                           clock=clock)
    group = await service.register_group(CHAT, "幸福社区3栋群", OWNER, [OWNER])
    try:
        yield service, clock, group
    finally:
        await db.dispose()


async def test_evening_post_lists_each_issue_once_without_zero_hours(
        svc: tuple[IssueService, Clock, GroupView]) -> None:
    service, clock, group = svc
    clock.advance(days=-2)
    await service.intake(CHAT, 1, PEOPLE[0], "1栋路灯坏了", light("1栋"))
    await service.intake(CHAT, 2, PEOPLE[1], "2栋路灯坏了", light("2栋"))
    clock.advance(days=2)
    await service.intake(CHAT, 3, PEOPLE[2], "3栋路灯坏了", light("3栋"))  # just now
    await service.acknowledge(CHAT, 1, OWNER)
    clock.advance(minutes=20)
    html = await progress_html(service, group, clock.now)
    assert html is not None
    for n in (1, 2, 3):
        assert html.count(f"#{n} ") == 1, html
    assert "0小时" not in html and "已2天" in html
    moved, waiting = html.split("仍在办理")
    assert "#1 " in moved and "#3 " in moved and "#2 " in waiting


async def test_daily_digest_adds_up_and_weekly_is_its_own(
        svc: tuple[IssueService, Clock, GroupView]) -> None:
    service, clock, group = svc
    clock.advance(days=-7)  # last week: six issues, five of them rated
    for n in range(6):
        await service.intake(CHAT, 10 + n, PEOPLE[n], f"{n}号楼路灯坏了", light(f"{n}号楼"))
    for n in range(1, 6):
        await service.resolve(CHAT, n, OWNER)
        await service.rate(CHAT, n, PEOPLE[n - 1], 5 if n < 5 else 1)
    clock.advance(days=7)
    for n in range(4):  # today
        await service.intake(CHAT, 20 + n, PEOPLE[n], f"{n}栋门口路灯坏了", light(f"{n}栋门口"))
    await service.acknowledge(CHAT, 7, OWNER)
    await service.resolve(CHAT, 8, OWNER)
    await service.withdraw(CHAT, 9, OWNER)
    daily = await digest_html(service, group, clock.now)
    assert daily is not None
    # Four received, one withdrawn (误识别 is in no figure): 1 + 1 + 1 = 3.
    assert "今日收到 <b>3</b> 件：待受理 1，处理中 1，已办结 1" in daily
    assert "满意度 80%（5 件评价）" in daily
    weekly = await weekly_html(service, group, clock.now)
    assert weekly is not None and weekly != daily
    first = (clock.now - timedelta(days=7)).astimezone(ZoneInfo(group.timezone))
    assert f"上周诉求周报</b>（{first.month}月{first.day}日" in weekly
    # As the six stand now: #5 was rated 不满意 and is being worked on again.
    assert "收到 <b>6</b> 件：待受理 1，处理中 1，已办结 4" in weekly
    assert "今日" not in weekly
    one_rating = await digest_html(service, group, clock.now + timedelta(days=40))
    assert one_rating is None or "满意度待评价满 5 件后公布" in one_rating

