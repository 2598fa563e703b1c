"""Time and people beyond the group: reminders at yellow and red, an automatic escalation,
the progress post, the digest (figures from the database), 吹哨报到, and no duplicate post
after a restart.

The service's clock stands still until a test moves it (10:00 in Shanghai, SLAs of an hour):
the scheduler ticks every 0.4 s of real time, but what it finds due depends only on where the
test has put the clock, so a slow machine cannot skip a light or a level."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.serve.polling import start_polling, stop_bot
from issues.service import IssueService
from issues.views import PersonRef
from nlp.types import Detection
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.bot.conftest import Harness, assert_chinese, bot_settings, sandbox_app
from tests.issues.conftest import Clock
from tests.ledgers import migrated_sqlite

# Yellow at 45 minutes (yellow_ratio 0.75), red at an hour, a level up each 30 minutes past.
SLA = {"ack": "1h", "resolve": "2h"}
FAST = {
    "sla": {"default": SLA, "urgent": SLA, "escalation_grace": "30m",
            "categories": {"streetlight": SLA, "garbage": SLA, "power": SLA}},
    # Posts are due only when a test says so: with the shipped times (20:00, 18:00) a tick that
    # read a new group before the test set its own times would post, after 18:00 Shanghai time.
    "schedule": {"enabled": True, "reminder_interval": "0.4s", "quiet_hours": "",
                 "digest_time": "23:59", "progress_time": "23:59"},
}


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


class Bots:
    """The bot can be stopped and started again on the same database, sandbox and clock."""

    def __init__(self, sandbox: Sandbox, db_url: str) -> None:
        self.sandbox, self.db_url = sandbox, db_url
        self.clock = Clock()
        self.app: Any = None

    async def start(self) -> Any:
        settings = bot_settings(self.db_url, **FAST)
        self.app = sandbox_app(settings, self.sandbox, self.clock)
        await start_polling(self.app, settings)
        return self.app

    async def advance(self, **kw: float) -> None:
        """Move the clock, once the reminder scan has looked up to where it stands: a scan
        with no mark yet looks back one interval only, and would never see a light that
        turned in the step."""
        svc: IssueService = self.app.bot_data.service
        now, loop = self.clock(), asyncio.get_running_loop()
        deadline = loop.time() + 30
        while await svc.reminders.mark(now - timedelta(days=1)) < now:
            assert loop.time() < deadline, "the scheduler never scanned"
            await asyncio.sleep(0.05)
        self.clock.advance(**kw)

    async def stop(self) -> None:
        if self.app is not None:
            await stop_bot(self.app)
            self.app = None


@pytest.fixture
async def fast(tmp_path: Path) -> AsyncIterator[tuple[Harness, Bots]]:
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    bots = Bots(sandbox, migrated_sqlite(tmp_path / "jobs.db"))
    app = await bots.start()
    client = SandboxClient(sandbox.url)
    try:
        yield Harness(sandbox, client, app, app.bot_data.service), bots
        await assert_chinese(client)
    finally:
        await client.close()
        await bots.stop()
        await sandbox.stop()


async def _quiet_group(h: Harness, **kw: Any) -> dict[str, Any]:
    """A group whose progress post and digest are not due yet."""
    g = await h.group(**kw)
    await h.service.update_group_settings(g["chat"], g["owner"], digest_time="23:59",
                                          progress_time="23:59")
    return g


async def test_reminders_yellow_red_and_automatic_escalation(
        fast: tuple[Harness, Bots]) -> None:
    h, bots = fast
    g = await _quiet_group(h)
    sent = await h.say(g["chat"], g["residents"][0], "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(g["chat"], sent["message_id"], lambda m: "#1" in _text(m))
    await bots.advance(minutes=50)
    yellow = await h.reply_from_bot(g["chat"], sent["message_id"],
                                    lambda m: "快到受理时限" in _text(m), timeout=20)
    assert "@wang_wangge" in _text(yellow)
    await bots.advance(minutes=15)
    red = await h.reply_from_bot(g["chat"], sent["message_id"],
                                 lambda m: "已超过受理时限" in _text(m), timeout=20)
    assert "🔴" in _text(red)
    # Escalated: the card says so and stays red (the deadline is kept); the group gets no
    # message claiming a community that has no group was told.
    await bots.advance(minutes=30)  # 35 minutes past due: one grace period, one level
    card = await h.client.wait_for(g["chat"], lambda m: "⬆️ 已升级（" in _text(m), timeout=20)
    assert "🔴 已超时" in _text(card) and "受理时限" in _text(card)
    issue = await h.service.get_issue(g["chat"], 1)
    assert issue.escalation_level == 1 and issue.light == "red"
    assert not [m for m in await h.client.bot_messages(g["chat"]) if "督办" in _text(m)
                and m["message_id"] != card["message_id"]]
    msgs = await h.client.bot_messages(g["chat"])
    texts = [_text(m) for m in msgs]
    assert len(texts) == len(set(texts)), "a reminder was posted twice"


async def test_progress_post_and_digest_match_the_database(fast: tuple[Harness, Bots]) -> None:
    h, bots = fast
    g = await _quiet_group(h)
    chat, owner, (a, b) = g["chat"], g["owner"], g["residents"]
    for who, text in ((a, "3栋门口路灯坏了好几天了"), (b, "小区东门垃圾桶满了两天冇人收")):
        m = await h.say(chat, who, text)
        await h.reply_from_bot(chat, m["message_id"], lambda x: "#" in _text(x))
    await h.say(chat, owner, "/resolve 1 换了新灯")
    await h.client.wait_for(chat, lambda x: "请评价" in _text(x))
    await h.service.update_group_settings(chat, owner, digest_time="00:00",
                                          progress_time="00:00")
    digest = await h.client.wait_for(chat, lambda x: "今日诉求日报" in _text(x), timeout=20)
    progress = await h.client.wait_for(chat, lambda x: "今日进展" in _text(x), timeout=20)
    assert "#2" in _text(progress)
    st = await h.service.stats(chat)
    assert st.received == 2 and st.resolved == 1
    # 收到 is split so the parts add up: 待受理 1 + 处理中 0 + 已办结 1.
    assert f"今日收到 {st.received} 件：待受理 1，处理中 0，已办结 {st.resolved}" in _text(digest)
    assert "办结率 50%" in _text(digest) and "满意度待评价满 5 件后公布" in _text(digest)
    # A restart: a new process on the same database posts nothing twice.
    await bots.stop()
    app = await bots.start()
    h.app, h.service = app, app.bot_data.service
    m = await h.say(chat, a, "/digest")
    await h.reply_from_bot(chat, m["message_id"], lambda x: "今日诉求日报" in _text(x))
    msgs = await h.client.bot_messages(chat)
    daily = [x for x in msgs if "今日诉求日报" in _text(x) and not x.get("reply_to_message")]
    assert len(daily) == 1
    assert sum("今日进展" in _text(x) for x in msgs) == 1


async def test_department_claims_and_resolves_with_residents_told(
        fast: tuple[Harness, Bots]) -> None:
    h, _ = fast
    g = await _quiet_group(h)
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    c = h.client
    worker = await c.create_user("电工老刘", username="liu_dian")
    dept_chat = await c.create_chat("供电所报到群", worker)
    await c.add_bot(dept_chat)
    code = await h.service.new_access_code()  # handed out by a dashboard admin
    m = await h.say(dept_chat, worker, f"/dept add power {code}")
    await h.reply_from_bot(dept_chat, m["message_id"], lambda x: "部门群" in _text(x))
    sent = await h.say(chat, resident, "7栋又停电了 冰箱里的东西都要坏了")
    await h.reply_from_bot(chat, sent["message_id"], lambda x: "#1" in _text(x))
    await h.say(chat, owner, "/escalate 1 供电")
    # The residents see it on the card; the department's group gets the issue.
    await c.wait_for(chat, lambda x: "承办部门：供电" in _text(x))
    relay = await c.wait_for(dept_chat, lambda x: "/claim" in _text(x))
    issue_id = (await h.service.get_issue(chat, 1)).id
    assert f"第 {issue_id} 号" in _text(relay)
    await h.say(dept_chat, worker, f"/claim {issue_id}")
    await c.wait_for(chat, lambda x: "负责人：@liu_dian" in _text(x))
    await h.say(dept_chat, worker, f"/progress {issue_id} 已到现场，正在排查线路")
    await c.wait_for(chat, lambda x: "最新进展：已到现场，正在排查线路" in _text(x))
    await h.say(dept_chat, worker, f"/done {issue_id} 已更换保险丝，恢复供电")
    done = await h.reply_from_bot(chat, sent["message_id"],
                                  lambda x: "已办结 · 电工老刘" in _text(x))
    assert "恢复供电" in _text(done) and done.get("reply_markup")
    assert (await h.service.get_issue(chat, 1)).status == "resolved"


async def test_org_unit_digest_overdue_list_and_quiet_hours(
        fast: tuple[Harness, Bots]) -> None:
    h, bots = fast
    c = h.client
    a = await _quiet_group(h)
    b_owner = await c.create_user("刘网格", username="liu_wangge")
    b_res = await c.create_user("周奶奶")
    b_chat = await c.create_chat("幸福社区5栋群", b_owner)
    await c.add_member(b_chat, b_res)
    await c.add_bot(b_chat)
    await c.wait_for(b_chat, lambda m: "诉求助手" in _text(m))
    # Group B keeps quiet hours all day: its reminders wait.
    await h.service.update_group_settings(b_chat, b_owner, digest_time="23:59",
                                          progress_time="23:59", quiet_hours="00:00-23:59")
    for chat, owner in ((a["chat"], a["owner"]), (b_chat, b_owner)):
        # Creating the units is the district's (a one-time code); joining them is not.
        code = await h.service.new_access_code() if chat == a["chat"] else ""
        m = await h.say(chat, owner, f"/unit join 幸福社区 社区 东风街道 {code}".strip())
        await h.reply_from_bot(chat, m["message_id"], lambda x: "已归属" in _text(x))
    sa = await h.say(a["chat"], a["residents"][0], "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(a["chat"], sa["message_id"], lambda x: "#1" in _text(x))
    sb = await h.say(b_chat, b_res, "5栋楼下下水道堵了 脏水冒出来了")
    await h.reply_from_bot(b_chat, sb["message_id"], lambda x: "#1" in _text(x))
    # The community's own work group gets one digest covering both groups.
    cadre = await c.create_user("社区主任")
    unit_chat = await c.create_chat("幸福社区工作群", cadre)
    await c.add_bot(unit_chat)
    await c.wait_for(unit_chat, lambda m: "诉求助手" in _text(m))
    code = await h.service.new_access_code()
    m = await h.say(unit_chat, cadre, f"/unit home 幸福社区 社区 {code}")
    await h.reply_from_bot(unit_chat, m["message_id"], lambda x: "工作群" in _text(x))
    await h.service.update_group_settings(unit_chat, cadre, digest_time="00:00",
                                          progress_time="23:59")
    digest = await c.wait_for(unit_chat, lambda x: "幸福社区 · 今日诉求日报" in _text(x),
                              timeout=20)
    assert "今日收到 2 件" in _text(digest)
    assert "/report" not in _text(digest)  # the staff's group is not told how to report
    # Group A is reminded (group B, in its quiet hours, is checked at the end).
    await bots.advance(minutes=50)
    await h.reply_from_bot(a["chat"], sa["message_id"], lambda x: "快到受理时限" in _text(x),
                           timeout=20)
    # /overdue lists the late issues of this group (while it is yellow or red).
    m = await h.say(a["chat"], a["owner"], "/overdue")
    listing = await h.reply_from_bot(a["chat"], m["message_id"], timeout=20)
    assert "#1" in _text(listing)
    # Red past the grace: escalated to the community, whose own group is told.
    await bots.advance(minutes=45)
    told = await c.wait_for(unit_chat, lambda x: "上报督办" in _text(x) and "3栋" in _text(x),
                            timeout=25)
    assert "已超过受理时限" in _text(told) and "已上报到「社区」督办" in _text(told)
    # By now B's issue is long past yellow and red too; quiet hours held every reminder.
    assert not [x for x in await c.bot_messages(b_chat) if "快到" in _text(x)
                or "已超过" in _text(x)]


async def test_overdue_finds_this_groups_late_issue_among_a_districts(
        fast: tuple[Harness, Bots]) -> None:
    """/overdue picks this group's late issues in the database: 35 newer late issues of other
    groups used to fill the 30 rows it read before it looked at the group."""
    h, bots = fast
    a = await _quiet_group(h)
    sa = await h.say(a["chat"], a["residents"][0], "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(a["chat"], sa["message_id"], lambda x: "#1" in _text(x))
    others = await _quiet_group(h, title="幸福社区9栋群", owner_username="zhao_wangge")
    for n in range(35):
        await h.service.intake(others["chat"], 1000 + n, PersonRef(9000 + n, "居民"),
                               f"{n}号楼路灯坏了", Detection(True, "streetlight", 0.9, False,
                                                             f"{n}号楼", f"{n}号楼路灯坏了"))
    await bots.advance(minutes=61)  # every acknowledge clock (an hour) is red
    m = await h.say(a["chat"], a["owner"], "/overdue")
    listing = await h.reply_from_bot(a["chat"], m["message_id"], timeout=20)
    assert "#1" in _text(listing) and "3栋" in _text(listing)
    assert "号楼" not in _text(listing)
