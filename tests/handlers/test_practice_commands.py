"""The practices' commands through the offline layer, as a careless member types them."""

from __future__ import annotations

from tests.offline import OfflineBot, plain


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


async def test_a_units_digest_speaks_to_its_staff_not_to_residents(bot: OfflineBot) -> None:
    group, owner, (a, _) = await bot.group()
    work, secretary, _ = await bot.group("幸福社区工作群", residents=0, owner_username="liu_sj")
    code = await bot.service.new_access_code()
    home = await bot.say(work, secretary, f"/unit 工作群 幸福社区 社区 {code}")
    assert "工作群" in bot.reply_to(home)
    assert "幸福社区" in bot.reply_to(await bot.say(group, owner, "/unit 加入 幸福社区"))
    await bot.say(group, a, "3栋门口路灯坏了好几天了")
    mine = plain(bot.reply_to(await bot.say(group, a, "/digest")))
    assert "今日收到 1 件" in mine and "/report 问题描述" in mine
    units = plain(bot.reply_to(await bot.say(work, secretary, "/digest")))
    assert "幸福社区 · 今日诉求日报" in units and "今日收到 1 件" in units
    assert "/report" not in units and "有问题随时在群里说" not in units
