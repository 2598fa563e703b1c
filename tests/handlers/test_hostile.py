"""A hostile or careless member, through the offline layer: callback data that no button of
ours carries (Telegram does not check it against the keyboard), commands in the name of a
chat (anonymous admins, channels), floods of commands, someone else's /report replies, and
other bad input that must be refused in one short line and lose nothing."""

from __future__ import annotations

from tests.offline import JSON, Group, OfflineBot, Person, plain

# Telegram's stand-ins for a message sent in the name of a chat.
ANONYMOUS_ADMIN = Person(1087968824, "Group", "GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = Person(136817688, "Channel", "Channel_Bot", is_bot=True)
EXPIRED = "这个按钮已失效"


def _alert(bot: OfflineBot) -> str:
    alert = bot.alerts()[-1]
    assert alert.get("show_alert"), alert
    return str(alert["text"])


async def test_a_button_no_message_carries_is_expired_and_changes_nothing(
        bot: OfflineBot) -> None:
    a, owner, (li, _) = await bot.group()
    b, owner_b, (wu, _) = await bot.group("幸福社区5栋群")
    await bot.say(a, li, "3栋门口路灯坏了好几天了")  # issue id 1 (A #1)
    await bot.say(b, wu, "5栋楼下垃圾堆了三天没人清")  # issue id 2 (B #1)
    await bot.say(a, owner, "/resolve 1 灯换好了")
    await bot.press(li, bot.bot_message("请评价"), "rate:1:5")  # rated and closed
    await bot.say(a, li, "4栋楼道灯坏了好几天了")  # issue id 3 (A #2)
    card_b, card_a2 = bot.bot_message("5栋楼下"), bot.card(2)
    assert card_b["chat"]["id"] == b.id
    edits = len(bot.sent("editMessageText")) + len(bot.sent("editMessageReplyMarkup"))
    for who, card, data in (
            (owner_b, card_b, "ack:1"),  # another group's issue, by that group's owner
            (owner_b, card_b, "back:1"),  # would put A's buttons under B's card
            (wu, card_b, "rate:2:5"),  # a rating of an open issue: strips the card's buttons
            (li, card_a2, "rate:1:5"),  # would rewrite #2's card as #1's 办结 message
            (owner, card_a2, "ack:99999999999999999999"),  # no such row, nor such an int
            (owner, card_a2, "help:99999999999999999999:claim"),
            (owner, card_a2, "help:1:frobnicate")):
        await bot.press(who, bot.current(card), data)
        assert EXPIRED in _alert(bot), data
    assert len(bot.sent("editMessageText")) + len(bot.sent("editMessageReplyMarkup")) == edits
    assert "#2" in plain(bot.current(card_a2)["text"])
    assert bot.buttons(bot.current(card_a2)) == ["ack:3", "dispatch:3", "resolve:3",
                                                "notissue:3"]
    assert bot.buttons(bot.current(card_b)) == ["ack:2", "dispatch:2", "resolve:2",
                                               "notissue:2"]
    assert (await bot.service.get_issue_by_id(2)).status == "open"


async def test_a_button_the_issue_has_moved_past_is_expired(bot: OfflineBot) -> None:
    """The message Telegram sends with a press is as it is now: a button pressed on a
    stale screen, after the card lost it, does not act."""
    a, owner, (li, _) = await bot.group()
    await bot.say(a, li, "3栋门口路灯坏了好几天了")
    card = bot.card(1)
    await bot.say(a, owner, "/resolve 1")
    before = len(bot.sent())
    await bot.press(owner, bot.current(card), "notissue:1")
    assert EXPIRED in _alert(bot)
    assert (await bot.service.get_issue(a.id, 1)).status == "resolved"
    assert len(bot.sent()) == before


async def test_commands_in_the_name_of_a_chat_are_refused_in_one_line(bot: OfflineBot) -> None:
    a, _, (li, _) = await bot.group()
    await bot.say(a, li, "3栋门口路灯坏了好几天了")
    for who, sender, text in (
            (ANONYMOUS_ADMIN, a.as_chat(), "/ack 1"),
            (ANONYMOUS_ADMIN, a.as_chat(), "/report 5栋电梯坏了，困了人"),
            (CHANNEL_BOT, {"id": -1009999, "type": "channel", "title": "某频道"},
             "/report 6栋电梯坏了")):
        said = await bot.say(a, who, text, sender_chat=sender)
        reply = plain(bot.reply_to(said))
        assert "匿名" in reply and "自己的账号" in reply and "\n" not in reply, reply
    issue = await bot.service.get_issue(a.id, 1)
    assert issue.status == "open"
    assert (await bot.service.list_issues()).total == 1  # nothing filed in a bot's name


async def test_a_flood_of_commands_is_told_once_and_holds_back_nobody(bot: OfflineBot) -> None:
    a, owner, (li, zhang) = await bot.group()
    before = len(bot.sent())
    for k in range(30):
        await bot.say(a, zhang, f"/frob{k}")
    said = [p["text"] for p in bot.sent()[before:]]
    assert sum("没有这个命令" in t for t in said) == 10
    assert sum("发得太快" in t for t in said) == 1 and len(said) == 11
    complaint = await bot.say(a, li, "3栋门口路灯坏了好几天了")
    assert "#1" in bot.reply_to(complaint)  # the neighbour is not held back
    for _ in range(12):  # the owner's commands are the work itself: never limited
        await bot.say(a, owner, "/list")
    await bot.say(a, owner, "/ack 1")
    assert any("已受理" in t for t in bot.replies_to(complaint))


async def test_a_neighbours_report_replies_never_silence_her_own_complaint(
        bot: OfflineBot) -> None:
    a, _, (li, zhang) = await bot.group()
    chat = await bot.say(a, li, "今天天气不错")
    asked = [await bot.say(a, zhang, "/report", reply_to=chat) for _ in range(7)]
    assert bot.replies_to(chat) and all("太多" not in t for t in bot.replies_to(chat))
    assert any("太多" in t for m in asked for t in bot.replies_to(m))  # told: the asker
    complaint = await bot.say(a, li, "3栋门口路灯坏了好几天了")
    assert "📌" in bot.reply_to(complaint)


async def test_only_managers_hear_which_values_a_setting_takes(bot: OfflineBot) -> None:
    a, owner, (li, _) = await bot.group()
    reply = plain(bot.reply_to(await bot.say(a, li, "/settings 自动 随便")))
    assert "只有群主或管理员" in reply and "开 或 关" not in reply
    reply = plain(bot.reply_to(await bot.say(a, owner, "/settings 自动 随便")))
    assert "开 或 关" in reply


async def test_a_vote_of_a_billion_days_is_refused_not_a_crash(bot: OfflineBot) -> None:
    a, owner, _ = await bot.group()
    for span in ("99999999999天", "9" * 400 + "周"):
        reply = plain(bot.reply_to(await bot.say(a, owner, f"/vote {span} 修不修 | 修 | 不修")))
        assert "最长 30 天" in reply, reply


async def test_start_from_a_member_is_answered_to_her_only(bot: OfflineBot) -> None:
    a, _, (li, _) = await bot.group()
    asked = await bot.say(a, li, "/start")
    hello = bot.reply_to(asked)  # a reply (she has not started the bot), removed later
    assert "大家好" in hello and "tg://user" not in hello
    jobs = [j.name for j in bot.app.job_queue.jobs()] if bot.app.job_queue else []
    assert any(str(j).startswith(f"remove-{a.id}-") for j in jobs), jobs


async def test_leaving_a_department_group_ends_acting_for_it(bot: OfflineBot) -> None:
    """The "X left the group" message is all a bot that is no admin hears of a departure."""
    a, owner, (li, _) = await bot.group()
    dept, chief, (worker, _) = await bot.group("城管执法队")
    code = await bot.service.new_access_code()
    await bot.say(dept, chief, f"/dept 登记 城管 {code}")
    await bot.say(a, li, "小区门口占道摆摊，车都过不去")
    await bot.say(a, owner, "/escalate 1 城管")
    await bot.say(dept, worker, "/progress 1 已派人去看")  # acts for the department
    a.members[worker.id] = (worker, "member")  # the worker lives in the residents' group too
    dept.members.pop(worker.id)
    left: JSON = {"left_chat_member": worker.as_user()}
    await bot.say(dept, worker, None, **left)
    refused = await bot.say(a, worker, "/resolve 1 摊点已清理")
    assert "只有" in plain(bot.reply_to(refused))
    assert (await bot.service.get_issue(a.id, 1)).status != "resolved"


async def test_a_member_asking_over_and_over_is_told_once(bot: OfflineBot) -> None:
    a, owner, (li, zhang) = await bot.group()
    said = await bot.say(a, li, "5栋楼道灯坏了好几天了")
    card = bot.card(1)
    before = len(bot.sent())
    for k in range(30):
        await bot.say(a, zhang, ("楼道灯修好了没有", "@suqiu_bot 你好")[k % 2])
        await bot.say(a, zhang, "修好了没有", reply_to=card)
    answers = [p["text"] for p in bot.sent()[before:]]
    assert len(answers) == 11 and sum("发得太快" in t for t in answers) == 1, answers
    for _ in range(12):  # the owner is never held back
        await bot.say(a, owner, "@suqiu_bot 你好")
    assert len(bot.sent()) == before + 11 + 12
    assert "修好了没有" not in (await bot.service.get_issue(a.id, 1)).text
    assert bot.replies_to(said) == [card["text"]]  # nothing filed, the card untouched


async def test_a_flood_of_help_requests_is_told_once(bot: OfflineBot) -> None:
    a, _, (_, zhang) = await bot.group()
    before = len(bot.sent())
    for k in range(15):
        await bot.say(a, zhang, f"我家老人一个人在家，灯泡坏了换不了，哪位邻居能帮个忙{k}")
    said = [p["text"] for p in bot.sent()[before:]]
    assert sum("求助" in t for t in said) == 10 and sum("发得太快" in t for t in said) == 1


async def test_only_a_manager_folds_the_dispatch_choices_away(bot: OfflineBot) -> None:
    a, owner, (li, zhang) = await bot.group()
    dept, chief, _ = await bot.group("城管执法队", residents=0, owner_username=None)
    code = await bot.service.new_access_code()
    await bot.say(dept, chief, f"/dept 登记 城管 {code}")
    await bot.say(a, li, "小区门口占道摆摊，车都过不去")
    await bot.press(owner, bot.card(1), "dispatch:1")
    choosing = bot.buttons(bot.current(bot.card(1)))
    assert "back:1" in choosing
    await bot.press(zhang, bot.current(bot.card(1)), "back:1")
    assert "只有群主、管理员或负责人可以交办" in _alert(bot)
    assert bot.buttons(bot.current(bot.card(1))) == choosing  # the owner's choice stays
    await bot.press(owner, bot.current(bot.card(1)), "back:1")
    assert bot.buttons(bot.current(bot.card(1)))[0] == "ack:1"


async def test_a_flood_in_a_private_chat_is_told_once(bot: OfflineBot) -> None:
    """Private answers spend the bot's own allowance (30 a second for every chat at once)."""
    _, _, (li, _) = await bot.group()
    chat: JSON = {"id": li.id, "type": "private", "first_name": li.name}
    bot.telegram.groups[li.id] = Group(li.id, li.name)  # her private chat can be written to
    before = len(bot.sent())
    for k in range(15):
        text = ("3栋门口路灯坏了好几天了", "/list")[k % 2]
        message = {**bot.message(bot.telegram.groups[li.id], li, text), "chat": chat}
        await bot.process({"message": message})
    said = [p["text"] for p in bot.sent()[before:]]
    assert len(said) == 11 and sum("发得太快" in t for t in said) == 1, said
