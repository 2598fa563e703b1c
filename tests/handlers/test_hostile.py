"""A hostile or careless member, through the offline layer: callback data that no button of
ours carries (Telegram does not check it against the keyboard), commands in the name of a
chat (anonymous admins, channels), floods of commands, someone else's /report replies, and
other bad input that must be refused in one short line and lose nothing."""

from __future__ import annotations

from tests.offline import OfflineBot, plain

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
