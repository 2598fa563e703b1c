"""What happens after the service changed an issue: tell the group, edit the card, ask for a
rating, relay an escalation to the department. Shared by commands, buttons, replies to the
card and the scheduled jobs."""

from __future__ import annotations

import logging

from telegram import Bot

from bot.present.cards import holder, local_time, mention, rating_keyboard, render_card
from bot.present.send import post_issue_update, refresh_card, send_html
from bot.present.templates import event_detail, has, name, render, safe
from issues.privacy import mask
from issues.service import IssueService
from issues.views import IssueView, TransitionResult

log = logging.getLogger(__name__)


def action_text(kind: str) -> str:
    return render(f"action.{kind}") if has(f"action.{kind}") else kind


async def announce(bot: Bot, svc: IssueService, result: TransitionResult) -> None:
    """Post the change as a reply to the resident's message and refresh the card."""
    issue, ev = result.issue, result.event
    group = await svc.get_group(issue.chat_id)
    if ev.kind == "false_positive":
        await post_issue_update(bot, issue, render("false_positive", number=issue.number))
    elif ev.kind == "rate":
        await _announce_rating(bot, svc, result)
    else:
        who = mention(ev.actor, "") if ev.actor else ""
        note = safe(event_detail(ev.kind, ev.data, mask(ev.note) if ev.note else None,
                                 svc.settings.department_names()))
        if ev.kind == "assign" and issue.assignee is not None:
            note = safe(render("assignee_line", who=safe(mention(issue.assignee))))
        html = render("update", i=issue, action=action_text(ev.kind), who=safe(who),
                      note=note)
        await post_issue_update(bot, issue, html)
        if ev.kind == "resolve":
            await ask_rating(bot, issue, note)
    await refresh_card(bot, issue, group)


async def ask_rating(bot: Bot, issue: IssueView, note: str = "") -> None:
    html = render("rate_ask", reporter=safe(mention(issue.reporter)), i=issue, note=note)
    await post_issue_update(bot, issue, html, markup=rating_keyboard(issue))


async def _announce_rating(bot: Bot, svc: IssueService, result: TransitionResult) -> None:
    issue = result.issue
    if result.reopened:
        group = await svc.get_group(issue.chat_id)
        html = render("rated_reopen", number=issue.number, holder=safe(holder(issue, group)))
    else:
        word = name("rating", issue.rating) if issue.rating else action_text("rate")
        html = render("rated_ok", number=issue.number, word=word)
    await post_issue_update(bot, issue, html)


async def relay_to_department(bot: Bot, svc: IssueService, issue: IssueView) -> None:
    """Post the escalated issue into the department's own group, when it has one."""
    if not issue.department_code:
        return
    chat_id = await svc.department_chat(issue.department_code)
    if chat_id is None:
        return
    text = render("dept_relay", i=issue, text=mask(issue.text[:300]),
                  due=local_time(issue.resolve_due_at, svc.settings.timezone))
    await bot.send_message(chat_id, text)

async def post_card(bot: Bot, svc: IssueService, issue: IssueView) -> None:
    """An issue opened outside the chat (an Open311 request): its card goes into the group,
    where the owner handles it like any other."""
    group = await svc.get_group(issue.chat_id)
    html, markup = render_card(issue, group)
    card = await send_html(bot, issue.chat_id, html, markup=markup)
    await svc.set_card_message(issue.id, card.message_id)
