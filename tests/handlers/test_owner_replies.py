"""A grid worker answering in the group in his own words, through the offline layer: under
the card, under the resident's report, and into the chat just after a complaint. What the
residents see (the replies, the card's status line) and the status in the ledger."""

from __future__ import annotations

from tests.offline import JSON, OfflineBot, plain

LAMP = "3栋门口路灯坏了好几天了"


def _asked(bot: OfflineBot, message: JSON) -> JSON:
    """The 记为 question the bot put under `message` (the owner has not started the bot)."""
    [question] = [m for m in bot.telegram.messages.values()
                  if m["from"]["id"] != message["from"]["id"] and "记为" in m.get("text", "")
                  and m.get("reply_markup")]
    return question


async def test_fixed_said_under_the_card_is_offered_as_done_not_filed_as_progress(
        bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    said = await bot.say(group, resident, LAMP)
    card = bot.card(1)
    fixed = await bot.say(group, owner, "已经修好了，大家看看", reply_to=card)
    assert "#1 办结" in plain(bot.reply_to(fixed))
    assert (await bot.service.get_issue(group.id, 1)).status == "open"  # nothing yet
    question = _asked(bot, fixed)
    await bot.press(owner, question, bot.buttons(question)[0])
    assert (await bot.service.get_issue(group.id, 1)).status == "resolved"
    assert "已办结" in plain(bot.card(1)["text"])
    assert sum("请评价" in t for t in bot.replies_to(said)) == 1


async def test_not_ours_under_the_card_is_offered_as_declined(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, LAMP)
    declined = await bot.say(group, owner, "这个不归我们管，已经转给城管了", reply_to=bot.card(1))
    assert "#1 不予受理" in plain(bot.reply_to(declined))
    assert (await bot.service.get_issue(group.id, 1)).status == "open"


async def test_a_nod_under_the_card_takes_it_on_once_and_says_nothing_after(
        bot: OfflineBot) -> None:
    """"👌" is 受理, not a progress note reading "👌"; a second "收到" posts nothing, and
    the 受理 button the card no longer carries does not take it on twice."""
    group, owner, (resident, _) = await bot.group()
    said = await bot.say(group, resident, LAMP)
    card = bot.card(1)
    await bot.say(group, owner, "👌", reply_to=card)
    issue = await bot.service.get_issue(group.id, 1, with_events=True)
    assert issue.status == "acknowledged" and issue.progress_note is None
    [taken] = [t for t in bot.replies_to(said) if "已受理" in t]
    assert "👌" not in taken and "👌" not in bot.card(1)["text"]
    before = len(bot.sent())
    await bot.say(group, owner, "收到", reply_to=bot.card(1))
    await bot.press(owner, card, "ack:1")
    assert len(bot.sent()) == before
    issue = await bot.service.get_issue(group.id, 1, with_events=True)
    assert issue.status == "acknowledged"
    assert [e.kind for e in issue.events].count("acknowledge") == 1


async def test_a_date_under_the_card_is_progress(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, LAMP)
    await bot.say(group, owner, "明天上午处理", reply_to=bot.card(1))
    issue = await bot.service.get_issue(group.id, 1)
    assert issue.status == "in_progress" and issue.progress_note == "明天上午处理"


async def test_the_owner_in_plain_chat_after_a_complaint_is_offered_the_step(
        bot: OfflineBot) -> None:
    """Words that name no issue, just after one was reported, are about that one."""
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, LAMP)
    for text, step in (("已经修好了，大家看看", "办结"), ("明天上午处理", "进展"),
                       ("辛苦了，已派单", "进展"), ("收到", "受理")):
        words = await bot.say(group, owner, text)
        assert f"#1 {step}" in plain(bot.reply_to(words)), text
    nod = await bot.say(group, owner, "嗯")  # said into the chat: to anyone
    assert bot.replies_to(nod) == []
    assert (await bot.service.get_issue(group.id, 1)).status == "open"


async def test_words_naming_no_issue_are_not_guessed_between_two_fresh_ones(
        bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    await bot.say(group, a, LAMP)
    await bot.say(group, b, "5栋电梯又坏了，困了人")
    vague = await bot.say(group, owner, "已经修好了，大家看看")
    assert bot.replies_to(vague) == []
    named = await bot.say(group, owner, "3栋的路灯修好了")
    assert "#1 办结" in plain(bot.reply_to(named))


async def test_a_residents_words_change_nothing_anywhere(bot: OfflineBot) -> None:
    group, _, (reporter, neighbour) = await bot.group()
    said = await bot.say(group, reporter, LAMP)
    card = bot.card(1)
    before = len(bot.sent())
    for reply_to in (None, said, card):
        for text in ("已经修好了，大家看看", "收到", "👌", "明天上午处理"):
            await bot.say(group, neighbour, text, reply_to=reply_to)
    assert len(bot.sent()) == before
    assert (await bot.service.get_issue(group.id, 1)).status == "open"


async def test_an_assignees_fixed_under_the_card_is_offered_too(bot: OfflineBot) -> None:
    group, owner, (resident, _, worker) = await bot.group(residents=3)
    await bot.say(group, resident, LAMP)
    hello = await bot.say(group, worker, "我是物业电工，我来跟进")
    await bot.say(group, owner, "/assign 1", reply_to=hello)
    fixed = await bot.say(group, worker, "修好了", reply_to=bot.card(1))
    assert "#1 办结" in plain(bot.reply_to(fixed))
    assert (await bot.service.get_issue(group.id, 1)).status == "in_progress"


async def test_a_nod_under_her_report_takes_it_on_without_a_question(bot: OfflineBot) -> None:
    """"收到" under the resident's own report: she read it; the card says 已受理, and no
    question asks the owner to confirm a nod. Words with more in them are still asked."""
    group, owner, (resident, _) = await bot.group()
    said = await bot.say(group, resident, LAMP)
    nod = await bot.say(group, owner, "收到", reply_to=said)
    assert bot.replies_to(nod) == []
    assert (await bot.service.get_issue(group.id, 1)).status == "acknowledged"
    assert "已受理" in plain(bot.card(1)["text"])
    assert [t for t in bot.replies_to(said) if "已受理" in t] == []  # the card, not a post
    later = await bot.say(group, owner, "好的，师傅下午过来", reply_to=said)
    assert "#1 进展" in plain(bot.reply_to(later))


async def test_a_question_or_thanks_under_the_card_is_no_progress(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, LAMP)
    before = len(bot.sent())
    for text in ("师傅来过了吗？", "修好了没有", "辛苦大家了"):
        await bot.say(group, owner, text, reply_to=bot.card(1))
    assert len(bot.sent()) == before
    issue = await bot.service.get_issue(group.id, 1)
    assert issue.status == "open" and issue.progress_note is None
    assert "最新进展" not in plain(bot.card(1)["text"])


async def test_the_card_button_then_the_question_is_one_step(bot: OfflineBot) -> None:
    """修好了 offered, then the owner presses the card's own 已办结 too, then the question:
    one 办结, one rating request, and the question goes without an error."""
    group, owner, (resident, _) = await bot.group()
    said = await bot.say(group, resident, LAMP)
    card = bot.card(1)
    fixed = await bot.say(group, owner, "已经修好了，大家看看", reply_to=card)
    question = _asked(bot, fixed)
    await bot.press(owner, card, "resolve:1")
    await bot.press(owner, question, bot.buttons(question)[0])
    alert = bot.alerts()[-1]
    assert not alert.get("show_alert") and alert["text"] == "已处理"
    assert (question["chat"]["id"], question["message_id"]) not in bot.telegram.messages
    issue = await bot.service.get_issue(group.id, 1, with_events=True)
    assert issue.status == "resolved"
    assert [e.kind for e in issue.events].count("resolve") == 1
    assert sum("请评价" in t for t in bot.replies_to(said)) == 1
