"""What happens after the service changed an issue. The card is the living record and is
always edited; a new message goes to the group only when a resident needs to know: 受理 (who
and when), 交办 to a person (who must be told), 办结 (with the rating buttons in the same
message), a reopening and a refusal. Those name who acted in plain text and never @-mention
whoever pressed. Shared by commands, buttons, confirmed replies and the scheduled jobs."""

from __future__ import annotations

import logging

from telegram import Bot, ForceReply, Message
from telegram.error import BadRequest, TelegramError

from bot.present.cards import (
    holder,
    local_time,
    mention,
    rating_keyboard,
    rating_word,
    render_card,
)
from bot.present.send import post_issue_update, refresh_card, send_html
from bot.present.templates import name, render, safe
from issues.lifecycle import Status
from issues.privacy import mask
from issues.service import IssueService
from issues.views import LEVELS, GroupView, IssueView, TransitionResult

log = logging.getLogger(__name__)
TOLD = ("acknowledge", "assign", "resolve", "reopen", "reject")  # kinds that post a message


async def announce(bot: Bot, svc: IssueService, result: TransitionResult, *,
                   rating_message: Message | None = None, told: bool = False) -> None:
    """Edit the card and, when residents need to know, post one message.

    `rating_message`: the 办结 message whose button was pressed (it loses its buttons and
    shows the rating). `told`: the resident already heard it in the owner's own words (a
    confirmed reply), so taking the issue on needs no message of ours."""
    issue, ev = result.issue, result.event
    group = await svc.get_group(issue.chat_id)
    kind = ev.kind
    if kind == "progress" and ev.from_status == Status.OPEN and not told:
        kind = "acknowledge"  # the first step taken is what the resident waits to hear
    if kind == "rate":
        await _rated(bot, svc, result, group, rating_message)
    elif kind in TOLD and not (told and kind == "acknowledge"):
        # A reporter who reached us by another channel (a 12345 caller) is not in the group:
        # nobody here could press the rating buttons.
        ask = kind == "resolve" and issue.reporter.user_id is not None
        await post_issue_update(bot, issue, announcement(result, group, kind),
                                markup=rating_keyboard(issue) if ask else None)
    await refresh_card(bot, issue, group, svc.settings)


def announcement(result: TransitionResult, group: GroupView | None, kind: str,
                 rated: str = "") -> str:
    issue, ev = result.issue, result.event
    tz = group.timezone if group else "Asia/Shanghai"
    who = ev.actor.name if ev.actor else render("system_actor")  # the template escapes
    note = mask(ev.note or "")
    due = issue.due_at or issue.resolve_due_at
    # Whoever acted is not asked (nor pinged) to follow up their own act: the owner reopening
    # an issue, or handing it to themselves.
    held = issue.assignee or (group.owner if group else None)
    own = ev.actor is not None and held is not None and held.user_id == ev.actor.user_id
    return render(
        f"announce.{kind}", i=issue, who=who, at=local_time(ev.at, tz), due=local_time(due, tz),
        note=note if kind != "assign" else "",
        assignee=safe(mention(issue.assignee, notify=not own)) if issue.assignee else "",
        reporter=issue.reporter.name, holder="" if own else safe(holder(issue, group)),
        rated=rated, ask=issue.reporter.user_id is not None)


async def _rated(bot: Bot, svc: IssueService, result: TransitionResult,
                 group: GroupView | None, rating_message: Message | None) -> None:
    """The rating shows on the 办结 message, whose buttons go; 不满意 reopens the issue and
    asks the resident, as a reply to her, what was wrong."""
    issue = result.issue
    if rating_message is not None:
        await show_rating(svc, issue, group, rating_message)
    if result.reopened:
        await post_issue_update(bot, issue, announcement(result, group, "unsatisfied"),
                                markup=ForceReply(selective=True, input_field_placeholder=render(
                                    "unsatisfied_placeholder")))


async def show_rating(svc: IssueService, issue: IssueView, group: GroupView | None,
                      message: Message) -> None:
    """A message that asked for the rating (the 办结 message, or the 回访) shows the rating
    given and loses its buttons."""
    resolved = await _resolve_event(svc, issue)
    word = rating_word(issue.rating)
    html = announcement(resolved, group, "resolve", rated=word) if resolved and word else None
    try:
        if html is None:
            await message.edit_reply_markup(None)
        else:
            await message.edit_text(html, reply_markup=None)
    except BadRequest as exc:
        log.info("rating message of issue %s not edited: %s", issue.id, exc)


async def _resolve_event(svc: IssueService, issue: IssueView) -> TransitionResult | None:
    full = await svc.get_issue(issue.chat_id, issue.number, with_events=True)
    last = next((e for e in reversed(full.events) if e.kind == "resolve"), None)
    return TransitionResult(full, last) if last else None


async def relay_to_department(bot: Bot, svc: IssueService, issue: IssueView) -> None:
    """Post the escalated issue into the department's own group, when it has one: once per
    issue and department group. Escalating it there again edits that first relay (kept up
    to date, marked as urged again) instead of posting another."""
    if not issue.department_code:
        return
    chat_id = await svc.department_chat(issue.department_code)
    if chat_id is None:
        return
    text = render("dept_relay", i=issue, text=mask(issue.text[:300]),
                  due=local_time(issue.resolve_due_at, svc.settings.timezone))
    key = f"relay:{issue.id}:{issue.department_code}:{chat_id}"
    if await svc.claim_delivery(key, chat_id):
        try:
            sent = await bot.send_message(chat_id, text)
        except TelegramError:
            await svc.release_delivery(key)
            raise
        await svc.mark_delivered(key, sent.message_id)
        return
    first = await svc.sent_message(key)
    if first is None:
        return  # being sent by another worker right now
    try:
        await bot.edit_message_text(f"{text}\n{render('dept_relay_again')}", chat_id, first)
    except BadRequest as exc:  # the first relay was deleted, or says this already
        log.info("relay of issue %s not edited: %s", issue.id, exc)



async def relay_to_unit(bot: Bot, svc: IssueService, issue: IssueView) -> bool:
    """Tell the own group of the unit at the issue's level (社区, 街道) that it was raised to
    them; False when that unit has no group (then nobody was told, and nobody is told so)."""
    upper = await svc.unit_chat(issue.chat_id, issue.escalation_level)
    if upper is None or upper == issue.chat_id:
        return False
    group = await svc.get_group(issue.chat_id)
    tz = group.timezone if group else svc.settings.timezone
    due = issue.due_at or issue.resolve_due_at
    # Recorded, so that the unit's admins may answer it with /supervise.
    key = f"unitrelay:{issue.id}:{issue.escalation_level}:{upper}"
    if not await svc.claim_delivery(key, upper):
        return True
    try:
        sent = await bot.send_message(upper, render(
            "escalated_to_unit", i=issue, level=name("level", LEVELS[issue.escalation_level]),
            summary=mask(issue.summary), due=local_time(due, tz)))
    except TelegramError:
        await svc.release_delivery(key)
        raise
    await svc.mark_delivered(key, sent.message_id)
    return True


async def post_card(bot: Bot, svc: IssueService, issue: IssueView) -> None:
    """An issue opened outside the chat (an Open311 request, a 12345 order): its card goes
    into the group, where the owner handles it like any other; once, whichever process
    posts it (the web server at once, the bot's tick for an import run beside it)."""
    key = f"card:{issue.id}"
    if not await svc.claim_delivery(key, issue.chat_id):
        return
    try:
        issue = await svc.get_issue_by_id(issue.id)  # with its channel and order number
        group = await svc.get_group(issue.chat_id)
        html, markup = render_card(issue, group, svc.settings)
        card = await send_html(bot, issue.chat_id, html, markup=markup)
    except TelegramError:
        await svc.release_delivery(key)
        raise
    await svc.set_card_message(issue.id, card.message_id)
    await svc.mark_delivered(key, card.message_id)
