"""Commands through the offline layer: what the bot answers, to whom, and what the ledger says."""

from __future__ import annotations

import re

from bot.app import COMMANDS
from issues.views import IssueFilter
from tests.offline import OfflineBot, plain


async def test_commands_and_bad_input(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    r = await bot.say(group, resident, "/report@suqiu_bot 小区东门的垃圾桶满了好几天冇人收")
    assert "#1" in bot.reply_to(r)
    for text, expect in (
        ("/ack", "请写上诉求编号"), ("/ack 99", "找不到编号为 #99"),
        ("/frobnicate", "没有这个命令"), ("/resolve 1", "只有群主"),
        ("/report", "用法"), ("/assign 1 @nobody_here", "找不到"),
    ):
        who = resident if text == "/resolve 1" else owner
        m = await bot.say(group, who, text)
        assert expect in bot.reply_to(m), (text, bot.replies_to(m))
    # The usage names nobody: an example @username would ping whoever has it in the group.
    usage = bot.reply_to(await bot.say(group, owner, "/assign 1"))
    assert "用法" in usage and not re.search(r"@[A-Za-z0-9_]{5,}", usage)
    await bot.say(group, owner, "/progress 1 已通知环卫，下午清运")
    # Taking it on tells the resident; the progress itself is on the card.
    assert any("已受理" in t for t in bot.replies_to(r))
    assert "最新进展：已通知环卫，下午清运" in bot.card(1)["text"]
    listing = bot.reply_to(await bot.say(group, owner, "/list"))
    assert "#1" in listing and "处理中" in listing
    stats = plain(bot.reply_to(await bot.say(group, owner, "/stats")))
    assert "本月收到 1 件：待受理 0，处理中 1，已办结 0" in stats
    assert "满意度待评价满 5 件后公布" in stats
    assert (await bot.service.get_issue(group.id, 1)).status == "in_progress"


async def test_zero_width_report_opens_nothing(bot: OfflineBot) -> None:
    group, _, (resident, _) = await bot.group()
    for blank in ("/report \u200b\u200b\u200b", "/report \u2060\ufeff", "/report \u3164"):
        assert "用法" in bot.reply_to(await bot.say(group, resident, blank)), blank
    assert (await bot.service.list_issues(IssueFilter(chat_id=group.id))).total == 0


async def test_bad_numbers_are_answered_shortly_and_write_nothing(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    dept, worker, _ = await bot.group("城管执法队", residents=0, owner_username="cheng_guan")
    code = await bot.service.new_access_code()  # handed out by a dashboard admin
    assert "部门群" in bot.reply_to(await bot.say(dept, worker, f"/dept add chengguan {code}"))
    assert "#1" in bot.reply_to(await bot.say(group, resident, "3栋门口路灯坏了好几天了"))
    before = await bot.service.get_issue(group.id, 1, with_events=True)
    for where, who, command in [
        (dept, worker, "/claim 99999999999999999999"), (dept, worker, "/done ²"),
        (dept, worker, "/claim ²"), (group, owner, "/escalate ² chengguan"),
        (group, owner, "/escalate 99999999999999999999 chengguan"),
        (group, owner, "/ack 99999999999999999999"), (group, owner, "/issue ²"),
    ]:
        reply = plain(bot.reply_to(await bot.say(where, who, command)))
        assert "用法" in reply or "编号" in reply, (command, reply)
        assert "出错" not in reply and len(reply) < 300, (command, reply)
    after = await bot.service.get_issue(group.id, 1, with_events=True)
    assert after.status == before.status and len(after.events) == len(before.events)


async def test_a_command_for_another_bot_is_left_to_it(bot: OfflineBot) -> None:
    group, _, (resident, _) = await bot.group()
    other = await bot.say(group, resident, "/frobnicate@other_bot")
    assert bot.replies_to(other) == []  # addressed to another bot in the group
    assert "#1" in bot.reply_to(await bot.say(group, resident, "/report 5栋电梯又坏了"))


async def test_setowner_settings_issue_and_mine(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    r = await bot.say(group, a, "5栋楼下下水道堵了 脏水冒出来了")
    assert "#1" in bot.reply_to(r)
    # A resident may not change the owner; the owner may, by replying to someone.
    assert "只有群主或管理员" in bot.reply_to(await bot.say(group, a, "/setowner", reply_to=r))
    assert "负责人已设为" in bot.reply_to(await bot.say(group, owner, "/setowner", reply_to=r))
    now = await bot.service.get_group(group.id)
    assert now is not None and now.owner is not None and now.owner.user_id == a.id
    assert "21:30" in bot.reply_to(await bot.say(group, a, "/settings digest 21:30"))
    assert "日报时间只能是 20:00 这样的时间" in bot.reply_to(
        await bot.say(group, a, "/settings digest 25:99"))
    await bot.say(group, a, "/settings auto off")
    quiet = await bot.say(group, b, "3栋门口路灯坏了好几天了")
    assert bot.replies_to(quiet) == []  # auto-detect off: nothing opened
    detail = bot.reply_to(await bot.say(group, a, "/issue 1"))
    assert "处理记录" in detail and "登记" in detail
    assert "#1" in bot.reply_to(await bot.say(group, a, "/mine"))


async def test_assign_by_reply_mentions_the_assignee(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    r = await bot.say(group, a, "小区东门垃圾桶满了两天冇人收")
    hello = await bot.say(group, b, "我是楼栋长，我来跟进")
    await bot.say(group, owner, "/assign 1", reply_to=hello)
    assigned = [t for t in bot.replies_to(r) if "已交办" in t]
    assert assigned and f'<a href="tg://user?id={b.id}">' in assigned[0]
    issue = await bot.service.get_issue(group.id, 1)
    assert issue.assignee is not None and issue.assignee.user_id == b.id
    await bot.say(group, b, "/resolve 1 已清运")  # the assignee may now resolve it
    assert any("已办结" in t for t in bot.replies_to(r))


async def test_every_text_is_sent_as_html(bot: OfflineBot) -> None:
    group, owner, (a, _) = await bot.group()
    await bot.say(group, a, "3栋门口路灯坏了好几天了")
    await bot.press(owner, bot.card(1), "ack:1")
    sent = bot.sent() + bot.sent("editMessageText")
    assert sent and all(p.get("parse_mode") == "HTML" for p in sent)


async def test_looking_up_an_issue_names_its_holder_without_pinging_them(
        bot: OfflineBot) -> None:
    """The card posted into the group @-mentions the owner, who must act; a resident's
    /issue 1 shows the same card again, and must not notify the owner each time someone
    asks (Telegram notifies a text mention in every new message)."""
    group, owner, (a, _b) = await bot.group()
    r = await bot.say(group, a, "3栋门口路灯坏了好几天了")
    ping = f"@{owner.username}" if owner.username else f'<a href="tg://user?id={owner.id}">'
    assert ping in bot.reply_to(r)
    detail = bot.reply_to(await bot.say(group, a, "/issue 1"))
    assert f"负责人：{owner.name}" in detail
    assert ping not in detail and "tg://user" not in detail


async def test_setowner_takes_only_a_member_of_this_group(bot: OfflineBot) -> None:
    await bot.group()  # its owner @wang_wangge is known to the bot from there
    second, owner, (a, _) = await bot.group("和平里5号院", owner_username="zhao_wg")
    refused = bot.reply_to(await bot.say(second, owner, "/setowner @wang_wangge"))
    # Someone of another group is not handed this group's issues, nor pinged by the refusal.
    assert "找不到 <code>@wang_wangge</code>" in refused and "/setowner" in refused
    assert "/assign" not in refused
    now = await bot.service.get_group(second.id)
    assert now is not None and now.owner is not None and now.owner.user_id == owner.id
    r = await bot.say(second, a, "5号院门口的下水道堵了，污水流了一地")
    assert "负责人：@zhao_wg" in bot.reply_to(r)  # the card still mentions him
    # An @name never seen: the hint names the command typed and the issue's number.
    assert "/assign 1。" in bot.reply_to(await bot.say(second, owner, "/assign 1 @nobody_here"))


async def test_reopening_pings_the_holder_but_never_the_one_who_reopened(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    r = await bot.say(group, a, "5号院门口的下水道堵了，污水流了一地")
    await bot.say(group, owner, "/reject 1 不归本社区管")
    await bot.say(group, owner, "/reopen 1 弄错了，是我们的")
    reopened = bot.replies_to(r)[-1]
    assert "重新打开" in reopened and "请继续跟进" not in reopened
    assert "tg://user" not in reopened and "@wang_wangge" not in reopened
    hello = await bot.say(group, b, "我是楼栋长，我来跟进")
    await bot.say(group, owner, "/assign 1", reply_to=hello)
    await bot.say(group, owner, "/resolve 1 已疏通")
    await bot.say(group, owner, "/reopen 1 又堵了")
    reopened = bot.replies_to(r)[-1]
    assert f'<a href="tg://user?id={b.id}">' in reopened and "请继续跟进" in reopened


async def test_help_names_every_command_of_the_menu(bot: OfflineBot) -> None:
    group, owner, _ = await bot.group()
    text = plain(bot.reply_to(await bot.say(group, owner, "/help")))
    # "发送 /help 查看全部命令": a new 网格员 finds /unit, /digest, /escalate… there.
    missing = [c for c, _ in COMMANDS if f"/{c}" not in text and c != "help"]
    assert missing == [], missing
    assert len(text) < 4096


async def test_an_edited_command_is_not_run_again(bot: OfflineBot) -> None:
    group, owner, (a, _) = await bot.group()
    r = await bot.say(group, a, "3栋门口路灯坏了好几天了")
    done = await bot.say(group, owner, "/progress 1 明天来修")
    await bot.edit(done, "/progress 1 后天来修")
    assert "改过的命令不会再执行一次" in bot.reply_to(done)
    issue = await bot.service.get_issue(group.id, 1, with_events=True)
    assert [e.note for e in issue.events if e.kind == "progress"] == ["明天来修"]
    assert len([t for t in bot.replies_to(r) if "已受理" in t]) == 1


async def test_an_edited_report_corrects_its_issue_or_files_one(bot: OfflineBot) -> None:
    group, _, (a, b) = await bot.group()
    said = await bot.say(group, a, "/report 5栋电梯坏了")
    await bot.edit(said, "/report 6栋电梯坏了，老人下不了楼")
    card = plain(bot.card(1)["text"])
    assert "6栋电梯坏了，老人下不了楼" in card and "/report" not in card
    assert (await bot.service.list_issues(IssueFilter(chat_id=group.id))).total == 1
    assert bot.replies_to(said)[1:] == []  # the card was edited, nothing new was said
    empty = await bot.say(group, b, "/report")
    await bot.edit(empty, "/report 东门井盖松了，一踩就响")
    assert "#2" in bot.replies_to(empty)[-1]


async def test_start_again_names_the_owner_set_without_pinging(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    joined = bot.bot_message("大家好")  # on joining, the owner is mentioned: it is news
    assert f"tg://user?id={owner.id}" in joined["text"] or "@wang_wangge" in joined["text"]
    hello = await bot.say(group, b, "我是楼栋长，以后我来跟进")
    await bot.say(group, owner, "/setowner", reply_to=hello)
    again = await bot.say(group, a, "/start")
    intro = [p["text"] for p in bot.sent() if "大家好" in p["text"]][-1]
    assert "提醒 张师傅 处理" in intro  # who is responsible now, not the group's creator
    assert "tg://user" not in intro and "@wang_wangge" not in intro
    assert again["message_id"] < bot.bot_message("大家好")["message_id"]


async def test_categories_fit_in_a_few_lines(bot: OfflineBot) -> None:
    group, _, (a, _) = await bot.group()
    text = plain(bot.reply_to(await bot.say(group, a, "/categories")))
    # A lookup in the group: one line of names, not twenty-one lines of one name each.
    assert text.startswith("诉求类别：路灯照明、排水下水道、") and text.count("\n") == 0


async def test_a_number_typed_the_chinese_way_is_read(bot: OfflineBot) -> None:
    group, owner, (a, _) = await bot.group()
    r = await bot.say(group, a, "3栋门口路灯坏了好几天了")
    await bot.say(group, a, "5栋楼下下水道堵了 脏水冒出来了")
    # A full-width comma or colon straight after the number, 号, 第…号: as a Chinese
    # keyboard types them, not "请写上诉求编号".
    for text in ("/progress 1，明天来修", "/progress 第1号 师傅在路上", "/ack 2。"):
        m = await bot.say(group, owner, text)
        assert not [t for t in bot.replies_to(m) if "请写上诉求编号" in t], text
    issue = await bot.service.get_issue(group.id, 1, with_events=True)
    assert [e.note for e in issue.events if e.kind == "progress"] == ["明天来修", "师傅在路上"]
    assert (await bot.service.get_issue(group.id, 2)).status == "acknowledged"
    assert any("已受理" in t for t in bot.replies_to(r))
    # 3号楼 is a building, not issue #3; 1.5 is no number.
    for text in ("/progress 3号楼的灯也坏了", "/ack 1.5"):
        assert "请写上诉求编号" in bot.reply_to(await bot.say(group, owner, text)), text


async def test_the_owner_leaving_is_said_once_and_nobody_absent_holds(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    before = len(bot.sent())
    for who in (b, owner, owner):  # a resident, then the owner (the update comes twice)
        group.members.pop(who.id, None)
        await bot.say(group, who, left_chat_member=who.as_user())
    told = [p["text"] for p in bot.sent()[before:]]
    assert told == ["负责人 王网格 已退出本群。"
                    "请群主或管理员发送 /setowner @用户 指定新的负责人。"]
    now = await bot.service.get_group(group.id)
    assert now is not None and now.owner is None
    r = await bot.say(group, a, "3栋门口路灯坏了好几天了")
    card = bot.reply_to(r)
    assert "负责人：群主" in card and "wang_wangge" not in card and "tg://user" not in card
