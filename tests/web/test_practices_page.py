"""工作动态 (/practices): a notice with its reach and delivery, a supervised issue, a vote's
result, the month's volunteer help and a 12345 order, as the read role sees them (masked)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from issues.views import Channel, NewReport
from tests.web.conftest import CHAT, CHAT2, CHAT3, OWNER, RES, WORKER, Dash, login

HOME = -200  # 东风街道's own group


async def test_the_practices_page_lists_each_practice(dash: Dash) -> None:
    svc = dash.svc
    await svc.register_group(HOME, "东风街道工作群", OWNER, [OWNER])
    await svc.set_unit_home(HOME, OWNER.user_id or 0, "东风街道", "street")
    await svc.notices.send(HOME, OWNER, "明天上午9点起幸福路停水检修，请提前储水")
    elevator = await svc.get_issue(CHAT2, 1)
    await svc.oversight.supervise(HOME, OWNER, elevator.id, "三天内办结")
    vote = await svc.votes.open(CHAT, OWNER, "东门是否加装充电桩", ["同意", "不同意"],
                                anonymous=True, closes_at=svc.clock() + timedelta(hours=1))
    await svc.votes.posted(vote.id, "poll-1", 99)
    await svc.votes.counted("poll-1", [2, 1], 3)
    wish = await svc.helping.ask(CHAT, 50, RES, "想请人帮忙把煤气罐扛上六楼，电话13812345678",
                                 ("扛",), None)
    await svc.helping.join(CHAT, WORKER)
    await svc.helping.act(wish.id, WORKER, "claim")
    await svc.helping.act(wish.id, WORKER, "done")
    await svc.submit_report(CHAT, NewReport(Channel.HOTLINE, "streetlight", "幸福路路灯不亮",
                                            "12345", external_id="2026113000009"))

    await login(dash.client)
    resp = await dash.client.get("/practices")
    assert resp.status == 200
    page = await resp.text()
    assert "明天上午9点起幸福路停水检修" in page and "0 / 3 个群" in page  # pending, 3 groups
    supervised = page.split('id="supervised"')[1].split('id="votes"')[0]
    assert "和平社区7栋群-1" in supervised and "东风街道" in supervised
    # who holds it and by when: the assignee 张师傅 and its deadline
    assert '<td data-label="负责人"><a href="/issues?holder=3">张师傅</a>' in supervised
    due = elevator.due_at or elevator.resolve_due_at
    assert due is not None
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%m月%d日 %H:%M") in supervised
    votes = page.split('id="votes"')[1].split('id="volunteers"')[0]
    assert "东门是否加装充电桩" in votes and "同意：2 票" in votes and "进行中" in votes
    helped = page.split('id="volunteers"')[1].split('id="hotline"')[0]
    assert "求助 1 件，已完成 1 件，1 位志愿者共得 1 积分" in helped
    assert "张师傅" in helped and "已完成" in helped
    assert "13812345678" not in page  # masked for everyone
    # The issue's own page says it is supervised, and by whom; an open one not yet
    # supervised says how to (the command, with its reference, to type in Telegram).
    one = await (await dash.client.get(f"/issues/{elevator.id}")).text()
    assert "📌 督办 · 东风街道" in one and "how-to-supervise" not in one
    other = await svc.get_issue(CHAT3, 1)
    hint = await (await dash.client.get(f"/issues/{other.id}")).text()
    assert "<code>/supervise 幸福社区5栋群-1 说明</code>" in hint and "📌 督办" not in hint
    ledger = await (await dash.client.get(f"/issues?group={CHAT2}")).text()
    row = ledger.split("和平社区7栋群-1")[1].split("</tr>")[0]
    assert '<span class="tag">📌 督办</span>' in row  # marked in the ledger's list too
    hotline = page.split('id="hotline"')[1]
    assert "2026113000009" in hotline and "幸福社区3栋群-" in hotline
    assert '<a href="/practices">工作动态</a>' in page
