"""/vote (票决): a native Telegram poll in the group, anonymous or not, with a closing time.

`/vote [实名] [3天] 标题 | 选项 | 选项 …` by the group's owner or an admin posts the poll
(Telegram closes it at the closing time, shown after the title); the poll's updates keep the
counts, a named vote's answers are kept per voter, and the result is posted once when the
poll closes (bot.jobs.votes stops a poll whose closing update never came).
"""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import Poll, Update
from telegram.error import TelegramError

from bot import context as ctx
from bot.context import Context
from bot.handlers.notices import command_text
from bot.handlers.rights import with_fresh_admins
from bot.jobs.votes import announce_result
from bot.present.cards import local_time
from bot.present.templates import render

NAMED = ("实名", "记名", "公开")
ANONYMOUS = ("匿名", "不记名")
_SPAN = re.compile(r"^(\d+(?:\.\d+)?)\s*(秒|分钟|分|小时|时|天|日|周|s|m|h|d|w)$")
_UNITS = {"秒": 1, "s": 1, "分钟": 60, "分": 60, "m": 60, "小时": 3600, "时": 3600, "h": 3600,
          "天": 86400, "日": 86400, "d": 86400, "周": 604800, "w": 604800}


# Longer than any vote may run, and far from timedelta's end: "/vote 99999999999天 …" is
# refused as too long, not an overflow.
_BEYOND = timedelta(days=3650)


def parse_span(word: str) -> timedelta | None:
    """'3天', '2小时', '30分钟', '90s', '2h' → a duration; None for anything else."""
    m = _SPAN.match(word.strip().lower())
    if m is None:
        return None
    seconds = float(m.group(1)) * _UNITS[m.group(2)]  # inf for 400 digits
    return timedelta(seconds=min(seconds, _BEYOND.total_seconds()))


def parse_vote(body: str, default: timedelta) -> tuple[str, list[str], bool, timedelta] | None:
    """(title, options, anonymous, duration) from the command's text, or None."""
    parts = re.split(r"\s*[|｜]\s*", body.strip())
    if len(parts) < 2:
        return None
    words = parts[0].split()
    anonymous, span = True, default
    # A time of nothing ("0小时") is a time too, refused as too short: not part of the title.
    while words and (words[0] in NAMED + ANONYMOUS or parse_span(words[0]) is not None):
        word = words.pop(0)
        given = parse_span(word)
        if given is None:
            anonymous = word in ANONYMOUS
        else:
            span = given
    return " ".join(words), parts[1:], anonymous, span


async def vote_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    svc = ctx.service(context)
    parsed = parse_vote(command_text(msg), svc.settings.practices.vote_duration)
    if parsed is None:
        await msg.reply_html(render("vote_usage"))
        return
    title, options, anonymous, span = parsed
    group = await ctx.ensure_group(context, msg.chat)
    actor = ctx.person(msg.from_user)
    vote = await with_fresh_admins(context, msg.chat.id, lambda: svc.votes.open(
        msg.chat.id, actor, title, options, anonymous=anonymous,
        closes_at=svc.clock() + span))
    closes = local_time(vote.closes_at, group.timezone)
    question = render("vote_question", title=vote.title, closes=closes)[:Poll.MAX_QUESTION_LENGTH]
    try:
        poll = await context.bot.send_poll(msg.chat.id, question, list(vote.options),
                                           is_anonymous=vote.anonymous,
                                           close_date=vote.closes_at)
    except TelegramError:
        await svc.votes.discard(vote.id)
        raise
    assert poll.poll is not None
    await svc.votes.posted(vote.id, poll.poll.id, poll.message_id)
    await msg.reply_html(render("vote_opened", v=vote, closes=closes))


async def on_poll(update: Update, context: Context) -> None:
    """A poll's new state: the counts so far, or its result when it has closed."""
    poll = update.poll
    if poll is None:
        return
    svc = ctx.service(context)
    counts = [o.voter_count for o in poll.options]
    known = await svc.votes.counted(poll.id, counts, poll.total_voter_count)
    if known and poll.is_closed:
        vote = await svc.votes.by_poll(poll.id)
        if vote is not None:
            await announce_result(context.bot, svc, vote, counts, poll.total_voter_count)


async def on_poll_answer(update: Update, context: Context) -> None:
    """A named voter's answer (Telegram sends these for non-anonymous polls only)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    await ctx.service(context).votes.answered(answer.poll_id, ctx.person(answer.user),
                                              list(answer.option_ids))
