"""Group messages → the detector → an issue card. Also replies to the card, 随手拍 photos,
locations and edits."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from telegram import Message, Update

from bot import context as ctx
from bot.context import Context
from bot.handlers import helping, talk
from bot.handlers.gate import command_of, within_limit
from bot.handlers.limits import Verdict
from bot.present.announce import announce
from bot.present.cards import render_card
from bot.present.lookup import react
from bot.present.send import refresh_card, send_html
from bot.present.templates import render
from issues.errors import NotFound, PermissionDenied
from issues.views import GroupView, IntakeResult, IssueView
from nlp import detect, threshold_for
from nlp.intent import asks_status, help_request, read_progress
from nlp.types import Detection

log = logging.getLogger(__name__)
SECONDED = "👍"  # one more person: a reaction and the card's count, no message


def from_a_person(msg: Message) -> bool:
    """Other bots, channel forwards and anonymous admins don't report problems."""
    if msg.from_user is None or msg.from_user.is_bot or msg.via_bot is not None:
        return False
    origin = msg.forward_origin
    return origin is None or origin.type not in ("channel", "chat")


def replies_to_bot(msg: Message, context: Context) -> bool:
    reply, me = msg.reply_to_message, context.bot_data.me
    return (reply is not None and me is not None and reply.from_user is not None
            and reply.from_user.id == me.id)


async def on_group_message(update: Update, context: Context) -> None:
    """In order: a reply to one of our messages (the card, "哪里不满意？"); an owner's own
    words about an issue (offered for one tap); a resident asking how an issue stands; then
    the detector. Cheap text checks come first: most chat needs no database at all."""
    msg = update.effective_message
    chat = update.effective_chat
    if msg is None or not ctx.is_group(chat) or not from_a_person(msg):
        return
    assert chat is not None and msg.from_user is not None
    text = msg.text or msg.caption or ""
    to_bot = replies_to_bot(msg, context)
    if to_bot and await _reply_to_card(msg, context):
        return
    awaited = talk.reason_awaited(msg, context)
    if awaited is not None and await talk.unsatisfied_reason(
            msg, context, await ctx.ensure_group(context, chat), awaited):
        return
    if msg.reply_to_message is None and ((msg.photo and not msg.caption) or msg.location) \
            and await _adds_to_own_report(msg, context):
        return
    reads_as_step = read_progress(text) is not None
    status_words = asks_status(text)
    said_to_bot = talk.addressed(msg, context) and bool(text.strip())
    spoken = talk.without_mention(msg, context, text) if said_to_bot else text
    det: Detection | None = None
    if to_bot or reads_as_step or status_words or said_to_bot:
        group = await ctx.ensure_group(context, chat)
        if to_bot and await talk.unsatisfied_reason(msg, context, group):
            return
        if reads_as_step and await talk.owner_words(msg, context, group, text):
            return
        # Said to the bot is a question, unless it is a complaint ("@suqiu_bot 5栋电梯又坏了"
        # is filed, not answered with "no issue found here").
        if said_to_bot and not status_words:
            det = detect(spoken)  # kept for the detector's turn below
        if status_words or (det is not None and not _files(det, group)):
            if not await within_limit(msg, context):
                return  # a member asking over and over: told once, then left alone
            answered = await talk.question(msg, context, group, text,
                                           about=await _replied_issue(msg, context))
            if answered is not None:
                if answered.issue is not None:
                    await _also_affected(msg, context, answered.issue, group, text)
                return
    if not text.strip():
        return
    wish = help_request(text)  # a neighbour's hand asked for, not a complaint to the owner
    if det is None:
        det = detect(spoken)  # most chat is not a complaint and needs no database at all
    if wish is not None:
        group = await ctx.ensure_group(context, chat)
        if group.settings.get("auto_detect", True) and group.department_code is None \
                and not await ctx.service(context).notices.is_notice_text(
                    text, max_age=ctx.NOTICE_MAX_AGE) and await within_limit(msg, context):
            # a card each: fifteen requests a minute from one member are told once
            await helping.post_request(msg, context, text, wish)
        if det.confidence < threshold_for("low"):
            return
        # "楼道灯坏了，我妈下不了楼，谁能扶她一下": the neighbour's hand for the person, and
        # the public problem, said surely enough, for the owner as well
    await _file(msg, context, det, text)


async def _file(msg: Message, context: Context, det: Detection, text: str) -> None:
    """Open an issue for what the detector found, if the group files it (`_files`) and it is
    no unit's notice passed on — a new message or one edited into a complaint alike."""
    if det.confidence < threshold_for("high"):
        return  # below even the most eager setting: no need to look the group up
    group = await ctx.ensure_group(context, msg.chat)
    if not _files(det, group):
        return
    if await ctx.service(context).notices.is_notice_text(text, max_age=ctx.NOTICE_MAX_AGE):
        return  # a unit's notice passed on: an official text, not a complaint
    await open_issue(msg, context, det, explicit=False, group=group)


# A photo or a location sent this soon after one's own report is for that report.
FOLLOWS = timedelta(minutes=10)


async def _adds_to_own_report(msg: Message, context: Context) -> bool:
    """Said, then shown (路灯坏了…, then the photo; or the place on the map): a photo without
    words or a location from the reporter just after her report goes on her newest open
    issue of the last ten minutes, and a 👍 says it was taken. False when she has none."""
    assert msg.from_user is not None
    svc = ctx.service(context)
    since, user = svc.clock() - FOLLOWS, msg.from_user.id
    own = [i for i in await svc.mine(msg.chat.id, user)
           if i.is_open and i.reporter.user_id == user and i.created_at >= since]
    if not own:
        return False
    issue = max(own, key=lambda i: i.created_at)
    actor = ctx.person(msg.from_user)
    if msg.photo:
        result = await svc.add_photo(msg.chat.id, issue.number, actor, msg.photo[-1].file_id)
    else:
        assert msg.location is not None
        result = await svc.set_location(msg.chat.id, issue.number, actor,
                                        msg.location.latitude, msg.location.longitude)
    await announce(context.bot, svc, result)
    await react(msg, SECONDED)
    return True


async def _also_affected(msg: Message, context: Context, issue: IssueView, group: GroupView,
                         text: str) -> None:
    """A neighbour asking after an open issue in the words of a complaint ("车库的水还要等多
    久", after "地下车库又淹了") is one more person it affects: counted as a "me too" is
    (👍 and the card's count), filed under the issue's kind and place — her words may read
    as another kind (水 → 供水), which is why the detector alone opened a second issue. Only
    while intake still takes a report as a "me too" of it (`duplicate_window`): after that,
    a report would open a new issue, and the answer alone is enough. A plain question ("路灯
    修好了没有？") counts nobody."""
    assert msg.from_user is not None
    svc = ctx.service(context)
    if not issue.is_open or issue.reporter.user_id == msg.from_user.id \
            or issue.created_at < svc.clock() - svc.settings.duplicate_window:
        return
    det = detect(text)
    if not _files(det, group):
        return
    await open_issue(msg, context, replace(det, category=issue.category,
                                           location=issue.location_text),
                     explicit=False, group=group)


def _files(det: Detection, group: GroupView) -> bool:
    """Whether the group files what the detector found: not a department's group (its staff
    talk about the cases sent to them), detection on, and sure enough for the group's
    sensitivity."""
    return group.department_code is None and bool(group.settings.get("auto_detect", True)) \
        and det.confidence >= threshold_for(str(group.settings.get("sensitivity", "normal")))


async def _replied_issue(msg: Message, context: Context) -> IssueView | None:
    """The issue a question replies to: its card, a message of ours about it, or the
    resident's report itself."""
    reply = msg.reply_to_message
    if reply is None or reply.from_user is None:
        return None
    svc = ctx.service(context)
    if replies_to_bot(msg, context):
        number = talk.asked_issue_number(reply)
        if number is None:
            return None
        try:
            return await svc.get_issue(msg.chat.id, number)
        except NotFound:
            return None
    return await svc.find_by_source_message(msg.chat.id, reply.message_id)


async def open_issue(msg: Message, context: Context, det: Detection,
                     explicit: bool, text: str | None = None,
                     group: GroupView | None = None,
                     asker: Message | None = None) -> IntakeResult | None:
    """Intake plus the card; safe to run twice for one message (updates can repeat). One
    more person reporting an open issue gets a 👍 on their message and the card's count; the
    reporter saying it again is a 催办 and gets the issue's status. None when the person has
    reported too much too fast (`bot.handlers.limits`): the one who asks (`asker`, the
    /report that replies to `msg`, else `msg`'s sender) — a neighbour's /report replies
    never spend her allowance, nor silence her own complaint."""
    svc = ctx.service(context)
    chat = msg.chat
    asked = asker or msg
    assert msg.from_user is not None and asked.from_user is not None
    limiter = context.bot_data.intake_limiter
    verdict = await limiter.check(asked.from_user.id) if limiter is not None else Verdict.TAKE
    if verdict is not Verdict.TAKE:
        if verdict is Verdict.TELL:
            await asked.reply_html(render("intake_too_fast"))
        return None
    said = talk.without_mention(msg, context, text or msg.text or msg.caption or "")
    result = await svc.intake(chat.id, msg.message_id, ctx.person(msg.from_user), said, det,
                              explicit=explicit, group_title=chat.title or "")
    issue = result.issue
    if msg.photo and result.created:  # 随手拍: the reporter's own photo goes on the issue
        await svc.add_photo(chat.id, issue.number, issue.reporter, msg.photo[-1].file_id)
        issue = await svc.get_issue(chat.id, issue.number)
    group = group or await ctx.ensure_group(context, chat)
    if result.seconded:
        await react(msg, SECONDED)
        await refresh_card(context.bot, issue, group, svc.settings)
        return result
    if result.urged:
        await talk.tell_status(msg, context, issue, group, urged=True)
        return result
    if issue.card_message_id is not None:
        return result  # this message was handled before (a repeated update)
    html, markup = render_card(issue, group, svc.settings)
    card = await send_html(context.bot, chat.id, html, reply_to=msg.message_id, markup=markup)
    await svc.set_card_message(issue.id, card.message_id)
    return result


async def _reply_to_card(msg: Message, context: Context) -> bool:
    """An owner replying to the card: text → progress, photo → attached, location → set.
    Anyone else's reply is theirs to the neighbours, unless it asks how the issue stands."""
    assert msg.reply_to_message is not None and msg.from_user is not None
    svc = ctx.service(context)
    issue = await svc.find_by_card_message(msg.chat.id, msg.reply_to_message.message_id)
    if issue is None:
        return False
    actor = ctx.person(msg.from_user)
    try:
        if msg.photo:
            result = await svc.add_photo(msg.chat.id, issue.number, actor,
                                         msg.photo[-1].file_id)
            await announce(context.bot, svc, result)
            if msg.caption:
                result = await svc.progress(msg.chat.id, issue.number, actor, msg.caption)
                await announce(context.bot, svc, result)
        elif msg.location:
            result = await svc.set_location(msg.chat.id, issue.number, actor,
                                            msg.location.latitude, msg.location.longitude)
            await announce(context.bot, svc, result)
        elif msg.text:
            group = await ctx.ensure_group(context, msg.chat)
            if not talk.manages(group, msg.from_user.id, issue):
                if asks_status(msg.text) and await within_limit(msg, context):
                    await talk.question(msg, context, group, msg.text, about=issue)
                return True
            await talk.under_card(msg, context, issue)
        else:
            return True
    except PermissionDenied:
        # A neighbour chatting under the card ("谢谢", "我家也是") is not an owner's
        # progress note; answering each with a refusal would only spam the group.
        log.debug("reply to card %s by a non-owner ignored", issue.number)
    return True


async def on_edited_message(update: Update, context: Context) -> None:
    """The text on the issue follows the edit; an edit that removes the complaint closes
    nothing (the owner decides). A message edited into a complaint meets what a new one
    meets: the group's sensitivity, a department's group, a unit's notice passed on."""
    msg = update.edited_message
    if msg is None or not ctx.is_group(msg.chat) or not (msg.text or msg.caption):
        return
    if command_of(msg, context) in context.bot_data.commands:
        if await within_limit(msg, context):  # an edit is asked again, and answered
            await msg.reply_html(render("edited_command"))
        return
    svc = ctx.service(context)
    issue = await svc.find_by_source_message(msg.chat.id, msg.message_id)
    text = msg.text or msg.caption or ""
    if issue is None:  # edited into a complaint: filed as the message would have been
        if msg.from_user is None or not from_a_person(msg):
            return
        await _file(msg, context, detect(text), text)
        return
    if issue.source_message_id != msg.message_id:
        return  # a "me too" message was edited; the issue keeps the original report
    updated = await svc.update_text(issue.id, text, detect(text))
    await refresh_card(context.bot, updated, await svc.get_group(msg.chat.id),
                       svc.settings)

