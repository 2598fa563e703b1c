"""Ordinary group chat through the offline layer: what opens an issue, what is seconded, what
is ignored, and what replies to the card do."""

from __future__ import annotations

from typing import Any

from issues.views import IssueFilter
from nlp import detect, threshold_for
from nlp.types import category_name
from tests.offline import OfflineBot, plain


def _photo(file_id: str) -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 640,
             "height": 480}]


async def test_phone_numbers_are_masked_and_html_escaped(bot: OfflineBot) -> None:
    group, _, (resident, _) = await bot.group()
    said = await bot.say(group, resident, "<b>5栋</b>下水道堵了好几天 联系我13812345678 快来人")
    card = bot.reply_to(said)
    assert "13812345678" not in card and "138****5678" in card
    assert "&lt;b&gt;5栋&lt;/b&gt;" in card  # shown as typed, not as formatting
    issue = await bot.service.get_issue(group.id, 1)
    assert "13812345678" in issue.text  # the owner still has it in the ledger


async def test_a_heating_complaint_opens_a_card_under_heating(bot: OfflineBot) -> None:
    group, _, (resident, _) = await bot.group()
    said = await bot.say(group, resident, "5栋的暖气到现在还是冰凉的，家里才16度，老人冻得直哆嗦")
    card = plain(bot.reply_to(said))
    assert "#1" in card and "供暖" in card and "5栋" in card
    issue = await bot.service.get_issue(group.id, 1)
    assert issue.category == "heating" and issue.status == "open"


async def test_duplicate_is_seconded(bot: OfflineBot) -> None:
    group, _, (a, b) = await bot.group()
    assert "#1" in bot.reply_to(await bot.say(group, a, "3栋门口路灯坏了好几天了"))
    before = len(bot.sent())
    second = await bot.say(group, b, "3栋门口的路灯确实不亮 晚上黑漆漆的")
    # One more person: a 👍 on her message and the card's count, no message.
    assert bot.current(second)["reactions"] == [{"type": "emoji", "emoji": "👍"}]
    assert "共 2 人反映" in bot.card(1)["text"]
    assert len(bot.sent()) == before
    assert (await bot.service.get_issue(group.id, 1)).report_count == 2


async def test_urgent_issue_signposts_and_mentions_admins(bot: OfflineBot) -> None:
    group, _, (resident, _) = await bot.group()
    said = await bot.say(group, resident, "4栋2单元楼道里好大一股燃气味，谁家漏气了吧？？")
    card = plain(bot.reply_to(said))
    # The card leads with 🚨 and the advice; never a green light.
    assert card.startswith("🚨 紧急") and "关闭阀门" in card.split("📌")[0]
    assert "@wang_wangge" in card and "🟢" not in card


async def test_urgent_advice_follows_the_emergency_the_detector_recognised(
        bot: OfflineBot) -> None:
    """Water pouring into a home through the ceiling is filed under 房屋漏水 (whose own
    emergency is a collapse), but the resident needs the advice for water coming in."""
    group, _, (resident, _) = await bot.group()
    said = await bot.say(group, resident, "水从天花板往我家漏，像下雨一样，屋里全是水")
    advice = plain(bot.reply_to(said)).split("📌")[0]
    assert "积水进屋请先断电" in advice and "塌陷" not in advice
    assert (await bot.service.get_issue(group.id, 1)).urgent_kind == "flood"
    # The resident's edit names a collapse: the card's advice follows the edit.
    await bot.edit(said, "天花板塌下来一大块，砸到人了，屋里全是水")
    assert "发生塌陷" in plain(bot.current(bot.card(1))["text"]).split("📌")[0]
    assert (await bot.service.get_issue(group.id, 1)).urgent_kind == "collapse"


async def test_photo_location_edit_and_not_an_issue(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    shot = await bot.say(group, resident, caption="菜市场旁边那个井盖冇得了", photo=_photo("p1"))
    assert "道路井盖" in bot.reply_to(shot) and "照片：1 张" in bot.reply_to(shot)
    card = bot.card(1)
    await bot.say(group, owner, location={"latitude": 28.2282, "longitude": 112.9388},
                  reply_to=card)
    assert "28.22820" in bot.current(card)["text"]  # the card, edited in place
    await bot.edit(shot, "菜市场东边那个井盖冇得了，好危险")
    assert "东边" in bot.current(card)["text"]
    # A false positive: the owner presses 不是诉求, the card folds to 误识别 (no message).
    other = await bot.say(group, resident, "楼下下水道又堵了")
    card2 = bot.card(2)
    before = len(bot.sent())
    await bot.press(owner, card2, "notissue:2")
    assert "误识别，已撤销" in bot.current(card2)["text"] and len(bot.sent()) == before
    assert bot.replies_to(other) == [card2["text"]]
    assert (await bot.service.get_issue(group.id, 2)).status == "withdrawn"
    assert (await bot.service.feedback_rows())[0]["text"] == "楼下下水道又堵了"


async def test_stickers_voice_forwards_and_bots_are_ignored(bot: OfflineBot) -> None:
    group, _, (resident, _) = await bot.group()
    robot = bot.person("别的机器人", "other_bot", is_bot=True)
    before = len(bot.sent())
    await bot.say(group, resident, sticker={
        "file_id": "s1", "file_unique_id": "us1", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"})
    await bot.say(group, resident, voice={"file_id": "v1", "file_unique_id": "uv1",
                                          "duration": 3})
    await bot.say(group, resident, "路灯坏了好几天了", forward_origin={
        "type": "channel", "date": 1, "message_id": 9,
        "chat": {"id": -1009, "type": "channel", "title": "某频道"}})
    await bot.say(group, robot, "3栋门口路灯坏了好几天了")
    assert len(bot.sent()) == before


async def test_a_voice_message_answering_the_bot_is_told_to_type_once(bot: OfflineBot) -> None:
    """Voice among neighbours is theirs (above); voice in reply to the card expects to be
    heard: told once, for a run of them, that it cannot be, and nothing is filed."""
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, "3栋门口路灯坏了好几天了")
    card = bot.card(1)
    voice = {"file_id": "v1", "file_unique_id": "uv1", "duration": 4}
    first = await bot.say(group, resident, voice=voice, reply_to=card)
    assert [plain(t) for t in bot.replies_to(first)] == [
        "我还听不了语音，请打字说一下，我好记下来、转告负责人。"]
    again = await bot.say(group, resident, voice=voice, reply_to=card)
    assert bot.replies_to(again) == []  # once for a run of voice messages
    other = await bot.say(group, owner, video_note={"file_id": "n1", "file_unique_id": "un1",
                                                    "length": 240, "duration": 5},
                          reply_to=card)
    assert "听不了语音" in bot.reply_to(other)  # someone else is told for themselves
    issue = await bot.service.get_issue(group.id, 1, with_events=True)
    assert issue.status == "open" and [e.kind for e in issue.events] == ["open"]


async def test_a_neighbours_reply_under_the_card_is_not_a_progress_note(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    said = await bot.say(group, a, "小区东门垃圾桶满了两天冇人收")
    card = bot.card(1)
    await bot.say(group, owner, caption="已清运，附现场照片", photo=_photo("p2"), reply_to=card)
    assert any("已受理" in t for t in bot.replies_to(said))
    assert "最新进展：已清运" in bot.current(card)["text"]
    assert "照片：1 张" in bot.current(card)["text"]
    issue = await bot.service.get_issue(group.id, 1)
    assert len(issue.photos) == 1 and issue.status == "in_progress"
    before = len(bot.sent())
    thanks = await bot.say(group, b, "谢谢网格员", reply_to=card)
    assert len(bot.sent()) == before and bot.replies_to(thanks) == []


async def test_sensitivity_setting_changes_what_is_caught(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    # A real complaint, weakly worded: the detector is surer than "high" asks and less sure
    # than "normal" does (the first of these that is, as the weights stand).
    borderline = next(t for t in ("楼梯扶手松了，老人扶着都晃", "电梯按钮一半不亮，按了也不走",
                                  "电梯运行的时候晃得厉害，还有奇怪的响声",
                                  "拉土的车一路撒，路上全是黄土", "楼下花坛里好多烟头",
                                  "路边的树枝快挨到电线了", "车棚的顶棚破了个洞",
                                  "楼道里好多烟头", "楼下好多烟头", "楼道的窗户关不上",
                                  "水龙头放出来的水有点黄，整栋楼都这样",
                                  "楼道的扶手有点松，老人扶着不放心")
                      if threshold_for("high") <= detect(t).confidence < threshold_for("normal"))
    assert bot.replies_to(await bot.say(group, resident, borderline)) == []  # normal: left alone
    await bot.say(group, owner, "/settings sensitivity high")
    card = bot.reply_to(await bot.say(group, resident, borderline))
    assert category_name(detect(borderline).category) in card
    # A message edited into the same words meets the same setting: at "low" not filed.
    await bot.say(group, owner, "/settings sensitivity low")
    said = await bot.say(group, resident, "今天天气不错")
    await bot.edit(said, borderline)
    assert bot.replies_to(said) == []
    assert await bot.service.find_by_source_message(group.id, said["message_id"]) is None
    await bot.say(group, owner, "/settings sensitivity high")
    await bot.edit(said, borderline + "！")
    assert category_name(detect(borderline).category) in bot.reply_to(said)


async def test_an_assignees_words_are_offered_and_a_neighbours_are_not(bot: OfflineBot) -> None:
    """Someone who manages nothing in the group is offered a step only for an issue assigned
    to them: the assignee's "修好了" becomes a question, a neighbour's the same words nothing."""
    group, owner, (a, b, worker) = await bot.group(residents=3)
    await bot.say(group, a, "3栋门口路灯坏了好几天了")
    hello = await bot.say(group, worker, "我是物业电工，我来跟进")
    await bot.say(group, owner, "/assign 1", reply_to=hello)
    assert (await bot.service.get_issue(group.id, 1)).assignee is not None
    neighbour = await bot.say(group, b, "3栋门口路灯已经修好了")
    assert bot.replies_to(neighbour) == []
    fixed = await bot.say(group, worker, "3栋门口路灯已经修好了")
    [ask] = bot.replies_to(fixed)
    assert "记为" in ask and "#1 办结" in ask


async def test_staff_talking_in_a_department_group_files_nothing(bot: OfflineBot) -> None:
    group, _, (a, _) = await bot.group()
    dept, worker, _ = await bot.group("城管中队", residents=0, owner_username="cg_ma")
    code = await bot.service.new_access_code()
    assert "部门群" in bot.reply_to(await bot.say(dept, worker, f"/dept 登记 城管 {code}"))
    # The department's staff discussing a case: no card, no issue counted for their group.
    said = await bot.say(dept, worker, "东门口的摊贩又来占道了，路都堵了")
    assert bot.replies_to(said) == []
    assert (await bot.service.list_issues(IssueFilter(chat_id=dept.id))).total == 0
    # The residents' group files the same words.
    assert "#1" in bot.reply_to(await bot.say(group, a, "东门口的摊贩又来占道了，路都堵了"))


async def test_a_photo_or_place_sent_after_ones_report_goes_on_it(bot: OfflineBot) -> None:
    group, _, (a, b) = await bot.group()
    await bot.say(group, a, "小区东门的井盖松了，一踩就响")
    photo = [{"file_id": "AgADphoto", "file_unique_id": "u1", "width": 90, "height": 90}]
    shown = await bot.say(group, a, photo=photo)  # said, then shown: no caption, no reply
    card = plain(bot.card(1)["text"])
    assert "照片：1 张" in card
    assert bot.current(shown).get("reactions") == [{"type": "emoji", "emoji": "👍"}]
    await bot.say(group, a, location={"latitude": 28.19431, "longitude": 112.97652})
    assert "位置：28.19431, 112.97652" in plain(bot.card(1)["text"])
    # A neighbour's photo is hers to share: nothing of hers is open, nothing is attached.
    other = await bot.say(group, b, photo=[{**photo[0], "file_id": "AgADother"}])
    assert bot.replies_to(other) == [] and "照片：1 张" in plain(bot.card(1)["text"])
    assert not bot.current(other).get("reactions")
