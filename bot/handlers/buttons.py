"""Inline buttons: the card's, the rating's, 交办's choices and the question about a reply.
Refusals are alerts (bot.errors), not messages, so a neighbour pressing an owner's button does
not spam the group."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import MessageEntityType
from telegram.error import BadRequest

from bot import context as ctx
from bot.callbacks import (
    Ack,
    Back,
    Confirm,
    Dismiss,
    Dispatch,
    Escalate,
    IssueButton,
    NotIssue,
    RaiseLevel,
    Rate,
    Resolve,
    parse,
)
from bot.context import Context
from bot.handlers.rights import refresh_if_stale
from bot.handlers.talk import ask_reason, manages
from bot.present.announce import announce, relay_to_department, relay_to_unit, show_rating
from bot.present.cards import keyboard, rating_word
from bot.present.templates import name, render
from issues.followups import followup_key
from issues.lifecycle import Status
from issues.privacy import mask
from issues.service import IssueService
from issues.views import LEVELS, IssueView, TransitionResult

log = logging.getLogger(__name__)


async def on_button(update: Update, context: Context) -> None:
    q = update.callback_query
    if q is None:
        return
    data = parse(q.data) if offered(q) else None
    if isinstance(data, Dismiss):
        await _dismiss(q, data)
        return
    if not isinstance(data, IssueButton):
        await q.answer(render("button_expired"), show_alert=True)
        return
    svc = ctx.service(context)
    actor = ctx.person(q.from_user)
    issue = await svc.get_issue_by_id(data.issue_id)
    if not elsewhere_ok(q.message, issue.chat_id):
        await q.answer(render("button_expired"), show_alert=True)
        return
    chat, n = issue.chat_id, issue.number
    await refresh_if_stale(context, chat)  # rights come from Telegram, not an old copy
    result: TransitionResult
    rating_message: Message | None = None
    match data:
        case Ack():
            result = await svc.acknowledge(chat, n, actor)
        case Resolve():
            result = await svc.resolve(chat, n, actor)
        case NotIssue():
            result = await svc.withdraw(chat, n, actor)
        case Rate(score=score):
            if await _stale_rating(q, context, issue):
                return
            asked = None if issue.resolved_at is None else await svc.sent_message(
                followup_key(issue.id, issue.resolved_at))  # the 回访, if one was sent
            result = await svc.rate(chat, n, actor, score)
            pressed = _message(q)
            # The 办结 message shows the rating; the 回访 (pressed or not) says it was rated.
            rating_message = None if pressed and pressed.message_id == asked else pressed
            if asked is not None:
                await _followup_rated(context, result.issue, asked)
        case Escalate(department=code):
            if await svc.department_chat(code) is None:  # offered only with a group
                await q.answer(render("button_expired"), show_alert=True)
                return
            result = await svc.escalate(chat, n, actor, code)
            await relay_to_department(context.bot, svc, result.issue)
        case RaiseLevel(level=level):
            if await svc.unit_chat(chat, level) is None:
                await q.answer(render("button_expired"), show_alert=True)
                return
            result = await svc.escalate(chat, n, actor, level=level)
            await relay_to_unit(context.bot, svc, result.issue)
        case Dispatch():
            await _choose(q, context, issue)
            return
        case Back():  # the 交办 choices are the owner's: a neighbour cannot fold them away
            group = await svc.get_group(chat)
            if group is None or not manages(group, q.from_user.id, issue):
                await q.answer(render("dispatch_forbidden"), show_alert=True)
                return
            await q.answer()
            await _set_keyboard(q, keyboard(issue))
            return
        case Confirm(step=step):
            await _confirm(q, context, issue, step)
            return
        case _:  # a kind of issue button this version no longer offers
            await q.answer(render("button_expired"), show_alert=True)
            return
    await q.answer(render("button_done"))
    await announce(context.bot, svc, result, rating_message=rating_message)
    if isinstance(data, Rate) and result.reopened:  # she was asked 哪里不满意
        ask_reason(context, result.issue, q.from_user.id)


def offered(q: CallbackQuery) -> bool:
    """Whether the pressed data is one of the buttons the message carries now. Telegram
    does not check callback data against the keyboard (a modified client sends any string
    under any message of ours), and the message it sends with the press is as it is now: a
    press of a button the message no longer has (the issue moved on since), or never had
    (another group's issue, someone else's rating, a made-up id), is expired, never acted
    on. A message Telegram no longer shows us (deleted) is left to the act's own checks."""
    msg = q.message
    if not isinstance(msg, Message):
        return True
    markup = msg.reply_markup
    return markup is not None and any(
        b.callback_data == q.data for row in markup.inline_keyboard for b in row)


def elsewhere_ok(msg: MaybeInaccessibleMessage | None, chat_id: int) -> bool:
    """A button in a group acts only on that group's own issues and help requests (in a
    private chat, the worker's 记为 question, on the issue of any of their groups)."""
    return msg is None or not ctx.is_group(msg.chat) or msg.chat.id == chat_id


# Telegram dates a message by its own clock, to the second, and ours may be ahead of it: a
# rating message older than the issue's resolution by more than this asked about an earlier
# one (a fix redone within it is rated by either message, as before).
_CLOCKS_DIFFER = timedelta(minutes=10)


async def _stale_rating(q: CallbackQuery, context: Context, issue: IssueView) -> bool:
    """Rating buttons left under a message that no longer asks (rated already through the
    other one — the 办结 message or the 回访 —, reopened, or resolved again since): the
    presser is told why, the message loses its buttons (showing the rating when there is
    one), and nothing changes."""
    msg = _message(q)
    if issue.status == Status.RESOLVED:
        if msg is None or issue.resolved_at is None \
                or msg.date >= issue.resolved_at - _CLOCKS_DIFFER:
            return False
        text = render("rating_stale_resolved", number=issue.number)
    elif issue.rating is not None and issue.status in (Status.CLOSED, Status.IN_PROGRESS):
        text = render("error_already_rated", number=issue.number)
    else:
        text = render("rating_stale", number=issue.number,
                      status=name("status", issue.status))
    await q.answer(text, show_alert=True)
    if msg is not None:
        if issue.rating is not None and issue.status != Status.RESOLVED:
            svc = ctx.service(context)
            await show_rating(svc, issue, await svc.get_group(issue.chat_id), msg)
        else:
            await _set_keyboard(q, None)
    return True


async def _followup_rated(context: Context, issue: IssueView, asked: int) -> None:
    """The 回访 of the resolution just rated says so and loses its buttons, whichever
    message the rating was given under."""
    html = render("followup_rated", i=issue, summary=mask(issue.summary),
                  rated=rating_word(issue.rating))
    try:
        await context.bot.edit_message_text(html, issue.chat_id, asked, reply_markup=None)
    except BadRequest as exc:
        log.info("回访 of issue %s not edited: %s", issue.id, exc)


async def _choose(q: CallbackQuery, context: Context, issue: IssueView) -> None:
    """交办 (吹哨报到): the card's buttons become the departments and levels that have a group
    to receive it; with none, the presser is told how to register one. Nothing is posted."""
    svc = ctx.service(context)
    group = await svc.get_group(issue.chat_id)
    if group is None or not manages(group, q.from_user.id, issue):
        await q.answer(render("dispatch_forbidden"), show_alert=True)
        return
    buttons = await escalation_buttons(svc, issue)
    if not buttons:
        await q.answer(render("dispatch_none", number=issue.number), show_alert=True)
        return
    rows = [buttons[k:k + 4] for k in range(0, len(buttons), 4)]
    rows.append([InlineKeyboardButton(render("button.back"),
                                      callback_data=Back(issue.id).pack())])
    await q.answer()
    await _set_keyboard(q, InlineKeyboardMarkup(rows))


async def escalation_buttons(svc: IssueService, issue: IssueView) -> list[InlineKeyboardButton]:
    """A department with its own group, and each level above the issue's whose unit has one."""
    out = []
    for d in svc.settings.departments:
        if d.code != issue.department_code and await svc.department_chat(d.code) is not None:
            out.append(InlineKeyboardButton(d.name,
                                            callback_data=Escalate(issue.id, d.code).pack()))
    for level in range(issue.escalation_level + 1, len(LEVELS) - 1):
        if await svc.unit_chat(issue.chat_id, level) is not None:
            out.append(InlineKeyboardButton(
                render("button.level", level=name("level", LEVELS[level])),
                callback_data=RaiseLevel(issue.id, level).pack()))
    return out


# The statuses in which a 记为 question's step has been taken already (by the card's buttons).
_TAKEN_BY = {"acknowledge": (Status.ACKNOWLEDGED, Status.IN_PROGRESS),
             "resolve": (Status.RESOLVED, Status.CLOSED), "reject": (Status.REJECTED,)}


async def _confirm(q: CallbackQuery, context: Context, issue: IssueView, step: str) -> None:
    """记为 受理/进展/办结/不予受理 #N: now, and only now, the owner's reply changes the issue."""
    svc = ctx.service(context)
    actor = ctx.person(q.from_user)
    note = _quoted(_message(q))
    chat, n = issue.chat_id, issue.number
    if issue.status in _TAKEN_BY.get(step, ()):
        # the owner pressed the card's own button meanwhile: the step is taken, once
        await q.answer(render("button_done"))
        await _close_question(q, render("confirm_done", i=issue, step=render(f"step.{step}")))
        return
    if step == "acknowledge":
        result = await svc.acknowledge(chat, n, actor, note or None)
    elif step == "progress":
        result = await svc.progress(chat, n, actor, note or render("step.progress"))
    elif step == "resolve":
        result = await svc.resolve(chat, n, actor, note or None)
    elif step == "reject":
        result = await svc.reject(chat, n, actor, note or render("step.reject"))
    else:
        await q.answer(render("button_expired"), show_alert=True)
        return
    await q.answer(render("button_done"))
    await _close_question(q, render("confirm_done", i=issue, step=render(f"step.{step}")))
    # The resident read the owner's own reply: taking it on needs no message of ours.
    await announce(context.bot, svc, result, told=True)


async def _dismiss(q: CallbackQuery, data: Dismiss) -> None:
    if q.from_user.id != data.user_id:
        # The question sits under the worker's own message: name them, it has not expired.
        asked = _message(q)
        mine = asked.reply_to_message if asked is not None else None
        who = mine.from_user.full_name if mine is not None and mine.from_user else ""
        await q.answer(render("dismiss_not_yours", who=who), show_alert=True)
        return
    await q.answer()
    await _close_question(q, render("confirm_dropped"))


async def _close_question(q: CallbackQuery, private_text: str) -> None:
    """In a group the question simply goes (the card carries the result); privately it says
    what was done."""
    msg = _message(q)
    if msg is None:
        return
    try:
        if msg.chat.type == msg.chat.PRIVATE:
            await msg.edit_text(private_text, reply_markup=None)
        else:
            await msg.delete()
    except BadRequest as exc:
        log.info("question %s not closed: %s", msg.message_id, exc)


def _quoted(msg: Message | None) -> str:
    """The owner's reply, as the question quoted it (a blockquote survives restarts)."""
    if msg is None:
        return ""
    for ent in msg.entities:
        if ent.type in (MessageEntityType.BLOCKQUOTE, MessageEntityType.EXPANDABLE_BLOCKQUOTE):
            return msg.parse_entity(ent).strip()
    return ""


def _message(q: CallbackQuery) -> Message | None:
    return q.message if isinstance(q.message, Message) else None


async def _set_keyboard(q: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    msg = _message(q)
    if msg is None:
        return
    try:
        await msg.edit_reply_markup(markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
