"""求助、微心愿 through the real bot: a resident's request for a neighbour's hand gets a help
card (not an issue), a volunteer joins the list and claims it, it is done and the points are
counted (/points, the digest); a unit's volunteer may claim in every group under the unit; a
request that also reports a public problem gets the card and the issue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.callbacks import HelpAct
from bot.present.posts import digest_html
from tests.practices.conftest import Practice, Start, text_of

BULB = "我家老人一个人在家，灯泡坏了换不了，哪位邻居能帮个忙"


def _card(m: dict[str, Any]) -> bool:
    return "求助" in text_of(m) and "号" in text_of(m) and bool(m.get("reply_markup"))


def _help_id(card: dict[str, Any]) -> int:
    data = HelpAct  # the card's first button names the help request
    first = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert first.startswith(data.prefix + ":")
    return int(first.split(":")[1])


async def _press(h: Practice, chat: int, who: int, card: dict[str, Any], action: str) -> str:
    """Press a card's button; the text of the answer (an alert for a refusal)."""
    pressed = await h.client.press(chat, who, card["message_id"],
                                   HelpAct(_help_id(card), action).pack())
    answer = await h.client.callback_answer(pressed)
    assert answer is not None
    return str(answer.get("text") or "")


async def _now(h: Practice, chat: int, message_id: int) -> dict[str, Any]:
    """A message as it stands now (edited in place)."""
    return next(m for m in await h.client.messages(chat) if m["message_id"] == message_id)


async def test_a_help_request_claimed_done_and_its_points_counted(practice: Start) -> None:
    h = await practice()
    g = await h.group(residents=3)
    chat, (asker, helper, other) = g["chat"], g["residents"]
    card = await h.said(chat, asker, BULB, _card)
    assert "求助 1号" in text_of(card) and "待认领" in text_of(card)
    assert "还没有志愿者，发送 /volunteer 加入" in text_of(card)
    page = await h.service.list_issues()
    assert page.total == 0  # a neighbour's hand, not a complaint to the owner
    assert "/volunteer 加入志愿者名单" in await _press(h, chat, helper, card, "claim")

    joined = await h.said(chat, helper, "/volunteer")
    assert "加入本群的志愿者名单" in text_of(joined)
    again = await h.said(chat, helper, "/volunteer")
    assert "已经在本群的志愿者名单里了" in text_of(again)
    assert "自己的求助" in await _press(h, chat, asker, card, "claim")
    assert "认领成功" in await _press(h, chat, helper, card, "claim")
    assert "张师傅 已认领" in text_of(await _now(h, chat, card["message_id"]))
    assert "只有认领的志愿者、求助人或群主" in await _press(h, chat, other, card, "done")
    assert "获得 1 积分" in await _press(h, chat, helper, card, "done")
    now = text_of(await _now(h, chat, card["message_id"]))
    assert "已完成" in now and "张师傅 已帮忙完成，获得 1 积分" in now
    assert "reply_markup" not in await _now(h, chat, card["message_id"])  # nothing to press

    # A second request, claimed and done; the points add up.
    card2 = await h.said(chat, other, "有没有年轻人帮忙把煤气罐扛上六楼，我腰不好", _card)
    assert "求助 2号" in text_of(card2) and "可认领的志愿者 1 人" in text_of(card2)
    await _press(h, chat, helper, card2, "claim")
    await _press(h, chat, other, card2, "done")  # the requester says it's done
    points = await h.said(chat, helper, "/points")
    assert "累计 2 分" in text_of(points) and "1. 张师傅：2 分（帮忙 2 次）" in text_of(points)
    mine = await h.said(chat, other, "/points")
    assert "累计 0 分" in text_of(mine)

    group = await h.service.get_group(chat)
    assert group is not None
    digest = await digest_html(h.service, group, h.service.clock() + timedelta(seconds=1))
    assert digest is not None
    assert "本月志愿服务：求助 2 件，已帮忙完成 2 件，1 位志愿者共得 2 积分" in digest


async def test_a_units_volunteer_claims_in_a_group_under_it(practice: Start) -> None:
    h = await practice()
    svc, official = h.service, h.official
    home = await h.bare_group("幸福社区工作群")
    await svc.set_unit_home(home, official, "幸福社区", "community")
    grid = await h.bare_group("幸福社区第1网格", residents=2)
    await svc.join_org_unit(grid, official, "幸福社区第1网格", "grid", "幸福社区")
    elsewhere = await h.bare_group("别的社区群")
    party = await h.client.create_user("党员老刘")
    for chat in (home, grid, elsewhere):
        await h.client.add_member(chat, party)
    joined = await h.said(home, party, "/volunteer")
    assert "加入「幸福社区」（下属所有群）的志愿者名单" in text_of(joined)

    asker = await h.client.create_user("赵奶奶")
    await h.client.add_member(grid, asker)
    card = await h.said(grid, asker, "谁明天有空开车送我妈去社区医院？她腿脚不方便", _card)
    assert "可认领的志愿者 1 人" in text_of(card)
    assert "认领成功" in await _press(h, grid, party, card, "claim")

    far = await h.said(elsewhere, h.official, "/wish 想请人帮忙把旧衣柜抬下楼", _card)
    assert "还没有志愿者" in text_of(far)
    assert "/volunteer" in await _press(h, elsewhere, party, far, "claim")
    left = await h.said(home, party, "/volunteer 退出")
    assert "已退出「幸福社区」的志愿者名单" in text_of(left)


async def test_a_request_that_reports_a_public_problem_also_opens_the_issue(
        practice: Start) -> None:
    h = await practice()
    g = await h.group(residents=1)
    chat, (asker,) = g["chat"], g["residents"]
    text = "3栋楼道灯坏了好几天了，我妈腿脚不好晚上下不了楼，哪位邻居能帮忙扶她一下"
    sent = await h.say(chat, asker, text)
    card = await h.reply_from_bot(chat, sent["message_id"], _card)
    assert "求助 1号" in text_of(card)  # the neighbour's hand for the person
    issue = await h.reply_from_bot(chat, sent["message_id"], lambda m: "路灯照明" in text_of(m))
    assert "求助" not in text_of(issue)  # and the light, for the owner
    page = await h.service.list_issues()
    assert page.total == 1 and page.items[0].category == "streetlight"
