"""#15 item 4: spam through escalation and intake. One relay per issue and department (a
repeat edits the first); one member's flood of complaints is limited, so the owner's /stats is
not held back behind the group's 20-messages-a-minute allowance. Through the sandbox, with the
real bot, Telegram's flood limits on where they matter."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.handlers.limits import IntakeLimiter, Verdict
from issues.views import IssueFilter
from tests.security.conftest import TrustHarness


async def test_one_relay_per_issue_and_department(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    g = await h.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    dept = await h.department()
    await h.report(chat, resident, "小区门口有人占道经营 摆摊堵路")
    for n in range(3):
        await h.say(chat, owner, f"/escalate 1 chengguan 第{n + 1}次催办")
    await h.client.wait_for(dept, lambda m: "再次吹哨" in h.text(m))
    for _ in range(200):  # all three escalations recorded
        issue = await h.service.get_issue(chat, 1, with_events=True)
        if sum(e.kind == "escalate" for e in issue.events) == 3:
            break
        await asyncio.sleep(0.05)
    relays = [m for m in await h.client.bot_messages(dept) if "吹哨：" in h.text(m)]
    assert len(relays) == 1


async def test_one_members_flood_does_not_hold_back_the_owner(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot(
        flood_limits=True,
        bot={"poll_timeout": 2, "rate_limits": {"overall_per_second": 30,
                                                "group_per_minute": 20, "max_retries": 5}})
    g = await h.group()
    chat, owner, flooder = g["chat"], g["owner"], g["residents"][0]
    first = await h.say(chat, flooder, "1栋门口路灯坏了好几天了")
    for n in range(2, 41):
        await h.say(chat, flooder, f"{n}栋门口路灯坏了好几天了")
    asked = await h.say(chat, owner, "/stats")
    stats = await h.reply_from_bot(chat, asked["message_id"], timeout=40)
    assert "本月" in h.text(stats) or "收到" in h.text(stats)
    answers = [m for m in await h.client.bot_messages(chat, after_id=first["message_id"] - 1)
               if m["message_id"] < stats["message_id"]]
    limit = h.app.bot_data.settings.intake_per_person
    assert len(answers) <= limit + 1  # the cards it took, and one word about the rest
    assert any("太多" in h.text(m) for m in answers)
    opened = await h.service.list_issues(IssueFilter(chat_id=chat), page=1, page_size=100)
    assert opened.total == limit


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_limit_holds_only_who_reported_within_its_window() -> None:
    """A district's worker meets hundreds of thousands of reporters: each is forgotten a
    window after her last report, instead of for the life of the process. The limit itself
    is the same: three taken, one word, then silence until the window has passed."""
    clock = _Clock()
    limiter = IntakeLimiter(3, 60.0, clock)
    for user in range(10_000):
        assert await limiter.check(user) is Verdict.TAKE
    assert len(limiter) == 10_000
    assert [await limiter.check(7) for _ in range(4)] == [Verdict.TAKE, Verdict.TAKE, Verdict.TELL,
                                                    Verdict.IGNORE]
    clock.now += 59
    assert await limiter.check(7) is Verdict.IGNORE  # still within the window of her reports
    clock.now += 2
    assert await limiter.check(10_000) is Verdict.TAKE
    assert len(limiter) == 1  # only the one who reported within the window
    assert await limiter.check(7) is Verdict.TAKE  # her window has passed: taken again
