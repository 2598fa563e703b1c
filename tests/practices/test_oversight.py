"""督办 and 攻坚 through the real bot: a supervised issue is reminded in its group every
period until it is resolved and is listed in the supervising unit's digest; a joint case is
relayed to each department's group and resolves only after every department has reported."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from issues.oversight import parse_reference
from tests.practices.conftest import Practice, Start, text_of

FAST = {"schedule": {"enabled": True, "reminder_interval": "0.3s", "quiet_hours": "",
                     "digest_time": "23:59", "progress_time": "23:59"},
        "practices": {"supervision": {"remind_every": "1.5s"}}}


def afternoon() -> Callable[[], datetime]:
    """A clock that runs in real time from 14:00 in Shanghai on a mid-month day, so the
    digest set to 00:00 below is due whatever time of day the suite runs (at 23:59 the
    default digest went out before the issue was supervised; past midnight the day turned)."""
    offset = datetime(2026, 11, 18, 6, 0, tzinfo=UTC) - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


async def _grid(h: Practice) -> dict[str, Any]:
    """幸福街道 (own group) → 幸福社区 → 幸福社区3栋群 with its 网格员 and two residents."""
    svc, official = h.service, h.official
    street = await h.bare_group("幸福街道工作群")
    await svc.set_unit_home(street, official, "幸福街道", "street")
    community = await h.bare_group("幸福社区工作群")
    await svc.join_org_unit(community, official, "幸福社区", "community", "幸福街道")
    g = await h.group()  # 幸福社区3栋群, owner 王网格 (@wang_wangge)
    await svc.join_org_unit(g["chat"], g["owner"], "幸福社区", "community")
    await h.client.add_member(g["chat"], official)
    return {"street": street, **g}


def _reminders(msgs: list[dict[str, Any]], source: int) -> list[dict[str, Any]]:
    return [m for m in msgs if "督办提醒" in text_of(m)
            and (m.get("reply_to_message") or {}).get("message_id") == source]


async def test_supervised_issue_is_reminded_until_resolved(practice: Start) -> None:
    h = await practice(clock=afternoon(), **FAST)
    g = await _grid(h)
    chat, owner, (a, b) = g["chat"], g["owner"], g["residents"]
    first = await h.say(chat, a, "3栋门口路灯坏了好几天了")
    card = await h.reply_from_bot(chat, first["message_id"], lambda m: "#1" in text_of(m))
    other = await h.say(chat, b, "小区东门垃圾桶满了两天冇人收")
    await h.reply_from_bot(chat, other["message_id"], lambda m: "#2" in text_of(m))

    # Only a higher unit's admins (or the district's) may supervise.
    # Whether or not the reference names an issue: a member learns nothing of what exists.
    for ref in ("幸福社区3栋群-1", "幸福社区3栋群-9"):
        refused = await h.said(chat, a, f"/supervise {ref}")
        assert "只有上级单位工作群的群主、管理员或区管理员可以督办" in text_of(refused), ref
    for ref, expect in (("幸福社区3栋群-9", "找不到诉求「幸福社区3栋群-9」"),
                        ("五号", "看不懂"), ("", "用法")):
        reply = await h.said(g["street"], h.official, f"/supervise {ref}")
        assert expect in text_of(reply), ref

    done = await h.said(g["street"], h.official,
                        "/supervise 幸福社区3栋群-1 群众反映强烈，请三天内办结，联系13812345678")
    assert "已督办：幸福社区3栋群-1 · 路灯照明" in text_of(done) and "幸福街道" in text_of(done)
    told = await h.reply_from_bot(chat, first["message_id"],
                                  lambda m: "已列入「幸福街道」督办" in text_of(m))
    assert "@wang_wangge" in text_of(told)
    # What the street asks for reaches the holder, masked like every post.
    assert "督办说明：群众反映强烈，请三天内办结，联系138****5678" in text_of(told)
    await h.client.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                            and "📌 督办：幸福街道" in text_of(m))
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert issue.supervised_by == "幸福街道"
    assert [e.data for e in issue.events if e.kind == "supervise"] == [{"unit": "幸福街道"}]

    # Reminders come every period, as replies to the report, naming the holder.
    second = await h.client.wait_for(
        chat, lambda m: len(_reminders([m], first["message_id"])) == 1
        and m["message_id"] > told["message_id"] + 1, timeout=20)
    assert "@wang_wangge" in text_of(second) and "幸福街道" in text_of(second)
    assert len(_reminders(await h.client.bot_messages(chat), first["message_id"])) >= 2
    assert not [m for m in await h.client.bot_messages(chat) if "督办提醒" in text_of(m)
                and (m.get("reply_to_message") or {}).get("message_id") == other["message_id"]]

    # Asked for now in the street's group, the digest is the street's: its groups' figures
    # and what it supervises (not the work group's own, empty, figures).
    now = await h.said(g["street"], h.official, "/digest")
    assert "幸福街道" in text_of(now) and "今日收到 2 件" in text_of(now)
    assert "督办事项" in text_of(now) and "幸福社区3栋群-1 · 路灯照明" in text_of(now)
    # The street's digest lists it.
    await h.service.update_group_settings(g["street"], h.official, digest_time="00:00")
    digest = await h.client.wait_for(g["street"], lambda m: "督办事项" in text_of(m),
                                     timeout=20)
    assert "幸福社区3栋群-1 · 路灯照明" in text_of(digest)

    # Resolved: the reminders stop.
    await h.say(chat, owner, "/resolve 1 换了新灯")
    await h.reply_from_bot(chat, first["message_id"], lambda m: "请评价" in text_of(m))
    seen = len(_reminders(await h.client.bot_messages(chat), first["message_id"]))
    await asyncio.sleep(3.5)  # two periods: none comes
    assert len(_reminders(await h.client.bot_messages(chat), first["message_id"])) == seen

    # The district admin may supervise from the issue's own group, replying to its card.
    card2 = next(m for m in await h.client.bot_messages(chat) if "#2 · " in text_of(m))
    sent = await h.client.send(chat, h.official, "/supervise",
                               reply_to_message_id=card2["message_id"])
    ok = await h.reply_from_bot(chat, sent["message_id"], lambda m: "督办" in text_of(m))
    assert "已督办：幸福社区3栋群-2" in text_of(ok)
    assert (await h.service.get_issue(chat, 2)).supervised_by == ""


async def test_joint_case_resolves_only_after_every_department(practice: Start) -> None:
    h = await practice()
    g = await h.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    depts = {}
    for code, title in (("chengguan", "城管中队群"), ("water", "供水抢修群")):
        depts[code] = await h.bare_group(title, residents=0)
        reply = await h.said(depts[code], h.official, f"/dept add {code}")
        assert "部门群" in text_of(reply)
    sent = await h.say(chat, resident, "幸福路口的水管爆了，路面全是水，还有人在那里占道摆摊")
    await h.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in text_of(m))

    usage = await h.said(chat, owner, "/joint 1 城管")
    assert "至少要两个部门" in text_of(usage) or "用法" in text_of(usage)
    unknown = text_of(await h.said(chat, owner, "/joint 1 城管 火星局"))
    assert "没有这个部门：火星局" in unknown and "可选：城管、物业、供水" in unknown
    assert "chengguan" not in unknown  # the departments by the names people use
    for junk in ("²", "12345678901"):  # no number: the usage, not a crash or an overflow
        assert "用法" in text_of(await h.said(chat, owner, f"/joint {junk} 城管 供水"))
    await h.said(chat, resident, "/joint 1 城管 供水")  # not the owner: refused
    started = await h.said(chat, owner, "/joint 1 城管 供水")
    assert "已发起攻坚：城管、供水" in text_of(started)
    for dchat in depts.values():
        await h.client.wait_for(dchat, lambda m: "攻坚：幸福社区3栋群" in text_of(m))
    issue = await h.service.get_issue(chat, 1)
    assert [(p.department_name, p.status) for p in issue.joint] == [("城管", "pending"),
                                                                    ("供水", "pending")]
    # 城管 reports for duty and finishes its part: the case is not done yet.
    await h.said(depts["chengguan"], h.official, f"/claim {issue.id}",
                 lambda m: "报到认领" in text_of(m))
    part = await h.said(depts["chengguan"], h.official, f"/done {issue.id} 占道摊点已清理")
    assert "还差：供水" in text_of(part)
    await h.client.wait_for(chat, lambda m: "🧩 攻坚：城管 ✅　供水 ⏳" in text_of(m))
    assert (await h.service.get_issue(chat, 1)).status == "in_progress"
    refused = await h.said(chat, owner, "/resolve 1 都好了")
    assert "还有部门没报告办结：供水" in text_of(refused)
    assert (await h.service.get_issue(chat, 1)).status == "in_progress"
    # 供水 finishes: now the issue is resolved and the resident asked to rate.
    last = await h.said(depts["water"], h.official, f"/done {issue.id} 爆管已抢修，恢复供水")
    assert "诉求已办结" in text_of(last)
    ask = await h.reply_from_bot(chat, sent["message_id"], lambda m: "请评价" in text_of(m))
    assert "城管：占道摊点已清理" in text_of(ask) and "供水：爆管已抢修" in text_of(ask)
    done = await h.service.get_issue(chat, 1, with_events=True)
    assert done.status == "resolved"
    assert [p.status for p in done.joint] == ["done", "done"]
    assert [e.kind for e in done.events if e.kind.startswith("joint")] == [
        "joint", "joint_claim", "joint_done", "joint_done"]
    card = await h.client.wait_for(chat, lambda m: "🧩 攻坚：城管 ✅　供水 ✅" in text_of(m))
    assert card["message_id"] == done.card_message_id


async def test_joint_case_to_a_department_without_a_group_changes_nothing(
        practice: Start) -> None:
    """攻坚 to 城管 (registered) and 物业 (no group yet): nobody would hear of 物业's part and
    the case could never be resolved, so the owner is told which department lacks a group
    and the issue stays as it was — he may still resolve it himself."""
    h = await practice()
    g = await h.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    dept = await h.bare_group("城管中队群", residents=0)
    await h.said(dept, h.official, "/dept 登记 城管", lambda m: "部门群" in text_of(m))
    sent = await h.say(chat, resident, "2号楼后面垃圾堆了好几天没人清，还有人占道摆摊")
    await h.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in text_of(m))

    refused = text_of(await h.said(chat, owner, "/joint 1 城管 物业"))
    assert "「物业」还没有登记工作群" in refused and "#1 没有改动" in refused
    assert "城管」" not in refused
    issue = await h.service.get_issue(chat, 1)
    assert issue.joint == () and issue.status == "open"
    assert not [m for m in await h.client.bot_messages(dept) if "攻坚" in text_of(m)]
    await h.say(chat, owner, "/resolve 1 已清理")
    await h.reply_from_bot(chat, sent["message_id"], lambda m: "请评价" in text_of(m))
    assert (await h.service.get_issue(chat, 1)).status == "resolved"


def test_a_reference_is_read_as_typed_never_a_superscript() -> None:
    """"群-²" is a digit to str.isdigit but no number to int(): an internal error before."""
    assert parse_reference("幸福社区3栋群-12") == ("幸福社区3栋群", 12)
    assert parse_reference("幸福社区3栋群-１２") == ("幸福社区3栋群", 12)
    assert parse_reference("幸福社区3栋群-²") is None
