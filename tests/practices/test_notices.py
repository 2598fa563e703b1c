"""Notices (通知) from a street's own group reach every group of its three-level tree
(street → communities → grids) within Telegram's flood limits, follow-ups go to the same
groups as replies to the notice, and neither is ever taken for a complaint."""

from __future__ import annotations

from typing import Any

from nlp import detect
from tests.practices.conftest import Practice, Start, text_of

NOTICE = "幸福路3号桥边路面塌方了，好危险，大家这几天绕行，联系电话13812345678"


async def _tree(h: Practice, grids_per_community: int) -> dict[str, Any]:
    """幸福街道 (its own group) → 2 communities (each with its own group) → grid groups."""
    svc, official = h.service, h.official
    street = await h.bare_group("幸福街道工作群")
    await svc.set_unit_home(street, official, "幸福街道", "street")
    homes, grids = [], []
    for c in ("幸福社区", "和平社区"):
        home = await h.bare_group(f"{c}工作群")
        await svc.join_org_unit(home, official, c, "community", "幸福街道")
        await svc.set_unit_home(home, official, c, "community")
        homes.append(home)
        for n in range(1, grids_per_community + 1):
            chat = await h.bare_group(f"{c}{n}网格群")
            await svc.join_org_unit(chat, official, f"{c}第{n}网格", "grid", c)
            grids.append(chat)
    return {"street": street, "homes": homes, "grids": grids}


def _is_notice(m: dict[str, Any], number: int = 1) -> bool:
    return f"· 通知 #{number}" in text_of(m) and "进展" not in text_of(m)


async def test_notice_reaches_a_three_level_tree_within_flood_limits(practice: Start) -> None:
    h = await practice(flood=True)
    tree = await _tree(h, grids_per_community=16)
    targets = tree["homes"] + tree["grids"]
    assert len(targets) == 34  # more posts than Telegram allows in one second
    before_429 = (await h.client.bot_info())["sent_429"]

    done = await h.said(tree["street"], h.official, f"/notice {NOTICE}",
                        lambda m: "已送达" in text_of(m), timeout=60)
    assert "已送达 34/34 个群，覆盖 68 人" in text_of(done)
    for chat in targets:
        posts = [m for m in await h.client.bot_messages(chat) if _is_notice(m)]
        assert len(posts) == 1, chat
        assert "幸福街道 · 通知 #1" in text_of(posts[0])
        assert "幸福路3号桥边路面塌方了" in text_of(posts[0])
        assert "13812345678" not in text_of(posts[0])  # masked, as every public rendering
    assert not [m for m in await h.client.bot_messages(tree["street"]) if _is_notice(m)]
    assert (await h.client.bot_info())["sent_429"] == before_429  # paced, never refused

    # 进展: the same groups, each as a reply to the notice it got.
    await h.said(tree["street"], h.official, "/notice 1 抢修队已进场，预计后天恢复通行",
                 lambda m: "进展1 已送达" in text_of(m), timeout=60)
    for chat in targets:
        msgs = await h.client.bot_messages(chat)
        notice = next(m for m in msgs if _is_notice(m))
        follow = [m for m in msgs if "进展1" in text_of(m)]
        assert len(follow) == 1 and "后天恢复通行" in text_of(follow[0])
        assert follow[0]["reply_to_message"]["message_id"] == notice["message_id"]

    # The dashboard's figures: reach and delivery of the notice and its follow-up.
    [view] = await h.service.notices.newest()
    assert (view.unit_name, view.number) == ("幸福街道", 1)
    assert [(t.seq, t.groups, t.sent, t.pending, t.failed, t.members)
            for t in view.tallies] == [(0, 34, 34, 0, 0, 68), (1, 34, 34, 0, 0, 68)]
    # A notice is never a complaint: neither posted nor passed on by a resident, though the
    # detector alone would take its words for one.
    assert detect(NOTICE).is_issue
    grid = tree["grids"][0]
    resident = next(m["user"]["id"] for m in (await h.client.chat(grid))["members"]
                    if m["status"] == "member" and not m["user"]["is_bot"])
    passed = await h.say(grid, resident, NOTICE)
    probe = await h.said(grid, resident, "/help")
    assert probe["message_id"] > passed["message_id"]
    assert (await h.service.list_issues()).total == 0
    assert (await h.client.bot_info())["sent_429"] == before_429


async def test_who_may_send_a_notice_and_bad_input(practice: Start) -> None:
    h = await practice()
    tree = await _tree(h, grids_per_community=1)
    street, grid = tree["street"], tree["grids"][0]
    resident = await h.client.create_user("李阿姨")
    await h.client.add_member(street, resident)
    for chat, who, text, expect in (
        (street, resident, "/notice 明天停水", "只有群主或管理员可以发布通知"),
        (grid, h.official, "/notice 明天停水", "不是任何单位的工作群"),
        (street, h.official, "/notice", "用法"),
        (street, h.official, "/notice 7 进展", "没有编号为 #7 的通知"),
        (street, h.official, "/notice " + "长" * 3001, "请控制在 3000 字以内"),
    ):
        reply = await h.said(chat, who, text)
        assert expect in text_of(reply), (text[:20], text_of(reply))
    assert await h.service.notices.newest() == []
    # A community's own group speaks for its own tree only.
    community = tree["homes"][0]
    done = await h.said(community, h.official, "/notice 社区今晚8点开居民会\n地点：活动室",
                        lambda m: "已送达" in text_of(m))
    assert "已送达 1/1 个群" in text_of(done)
    post = next(m for m in await h.client.bot_messages(grid) if _is_notice(m))
    assert "幸福社区 · 通知 #1" in text_of(post)
    assert "今晚8点开居民会\n地点：活动室" in text_of(post)
    assert not [m for m in await h.client.bot_messages(tree["grids"][1]) if _is_notice(m)]


async def test_a_notice_with_nowhere_to_go_takes_no_number(practice: Start) -> None:
    """A street whose groups have not joined yet: its first /notice says so and registers
    nothing, so the notice sent once they have is #1 and "/notice 1 进展" follows it up; a
    number without a text ("/notice 1") asks for the text instead of posting "1" as a notice."""
    h = await practice()
    svc, official = h.service, h.official
    street = await h.bare_group("幸福街道工作群")
    await svc.set_unit_home(street, official, "幸福街道", "street")
    early = await h.said(street, official, f"/notice {NOTICE}")
    assert "下面还没有群" in text_of(early) and "没有发出" in text_of(early)
    assert await svc.notices.newest() == []

    grid = await h.bare_group("幸福社区1网格群")
    await svc.join_org_unit(grid, official, "幸福社区", "community", "幸福街道")
    done = await h.said(street, official, f"/notice {NOTICE}", lambda m: "已送达" in text_of(m))
    assert "通知 #1 已送达 1/1 个群" in text_of(done)
    bare = await h.said(street, official, "/notice 1")
    assert "请在编号后面写上进展内容" in text_of(bare)
    follow = await h.said(street, official, "/notice 1 抢修队已进场",
                          lambda m: "已送达" in text_of(m))
    assert "通知 #1 进展1 已送达 1/1 个群" in text_of(follow)
    posts = [text_of(m) for m in await h.client.bot_messages(grid) if "通知 #" in text_of(m)]
    assert posts == [f"📢 幸福街道 · 通知 #1\n{NOTICE.replace('13812345678', '138****5678')}",
                     "📢 幸福街道 · 通知 #1 · 进展1\n抢修队已进场"]
    [view] = await svc.notices.newest()
    assert [(t.seq, t.groups) for t in view.tallies] == [(0, 1), (1, 1)]
