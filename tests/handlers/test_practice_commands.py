"""The practices' commands through the offline layer, as a careless member types them."""

from __future__ import annotations

from tests.offline import OfflineBot


async def test_volunteer_moves_the_list_only_on_words_it_knows(bot: OfflineBot) -> None:
    group, _, (a, _) = await bot.group()
    # "不参加了" is no way to join: she is told the two forms and stays off the list.
    usage = bot.reply_to(await bot.say(group, a, "/volunteer 不参加了"))
    assert "用法" in usage and "/volunteer 退出" in usage
    assert "不在本群的志愿者名单里" in bot.reply_to(await bot.say(group, a, "/volunteer 退出"))
    joined = bot.reply_to(await bot.say(group, a, "/volunteer 报名"))
    # The welcome answers her own command: her name, without a ping.
    assert "欢迎 李阿姨 加入本群的志愿者名单" in joined and "tg://user" not in joined
    assert "李阿姨 已退出本群的志愿者名单" in bot.reply_to(
        await bot.say(group, a, "/volunteer 取消"))
