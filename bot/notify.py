"""Posting back into the group: the issue card, updates as replies, the rating question.

Shared by the handlers and the scheduled jobs, so every message about an issue looks the same
and goes to the same place (a reply to the resident's original message).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.render import mask_private, mention_html, split_message
from bot.templates import render, safe
from issues.views import LIGHT_NAMES, GroupView, IssueView, PersonRef

log = logging.getLogger(__name__)
LIGHT_ICONS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
CARD_TEXT_LIMIT = 300


def mention(person: PersonRef | None, fallback: str | None = None) -> str:
    if person is None:
        return render("owner_fallback") if fallback is None else fallback
    return mention_html(person.user_id, person.name, person.username)


def local_time(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%m月%d日 %H:%M").lstrip("0")


def holder(issue: IssueView, group: GroupView | None) -> str:
    """Who holds the issue: the assignee when there is one, else the group's owner."""
    if issue.assignee is not None:
        return mention(issue.assignee)
    return mention(group.owner if group else None)


def render_card(
    issue: IssueView, group: GroupView | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    tz = group.timezone if group else "Asia/Shanghai"
    text = mask_private(issue.text.strip())
    if len(text) > CARD_TEXT_LIMIT:
        text = text[:CARD_TEXT_LIMIT] + "…"
    due = issue.due_at
    light = issue.light
    html = render(
        "card", i=issue, text=text,
        light=f"{LIGHT_ICONS[light]}{LIGHT_NAMES[light]}" if light else "",
        due=local_time(due, tz) if due else "", holder=safe(holder(issue, group)),
    )
    return html, keyboard(issue)


def keyboard(issue: IssueView) -> InlineKeyboardMarkup | None:
    i = issue.id
    if issue.status == "open":
        rows = [[_button("ack", i), _button("dispatch", i)],
                [_button("resolve", i), _button("notissue", i)]]
    elif issue.status in ("acknowledged", "in_progress"):
        rows = [[_button("dispatch", i), _button("resolve", i)]]
    else:
        return None
    return InlineKeyboardMarkup(rows)


def urgent_block(issue: IssueView, group: GroupView | None, emergency: dict[str, str]) -> str:
    kind = _urgent_kind(issue)
    numbers = {"fire": "119", "police": "110", "gas": "燃气抢修", "elevator": "96333",
               "power": "95598", **emergency}
    advice = render(f"urgent_advice.{kind}", **numbers)
    people = []
    if group:
        seen: set[int] = set()
        for p in (group.owner, *group.admins):
            if p is not None and p.user_id not in seen:
                seen.add(p.user_id)
                people.append(mention(p))
    return render("urgent_line", advice=advice,
                  admins=safe(" ".join(people) or render("owner_fallback")))


def _urgent_kind(issue: IssueView) -> str:
    by_category = {"gas": "gas", "elevator": "elevator", "power": "power", "drainage": "flood",
                   "water": "flood", "road": "collapse", "building": "collapse"}
    text = issue.text
    if any(w in text for w in ("着火", "起火", "火灾", "冒烟", "火花")):
        return "fire"
    if "电线" in text or "触电" in text:
        return "power"
    return by_category.get(issue.category, "fire")


async def send_html(bot: Bot, chat_id: int, html: str, *,
                    reply_to: int | None = None,
                    markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send HTML, split over 4096 characters; the keyboard goes on the last piece."""
    parts = split_message(html)
    msg: Message | None = None
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        msg = await bot.send_message(
            chat_id, part, parse_mode=ParseMode.HTML,
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to and n == 0 else None,
            reply_markup=markup if last else None,
        )
    assert msg is not None
    return msg


async def post_issue_update(bot: Bot, issue: IssueView, html: str,
                            markup: InlineKeyboardMarkup | None = None) -> Message:
    """A reply to the resident's original message, so the thread stays together."""
    return await send_html(bot, issue.chat_id, html, reply_to=issue.source_message_id,
                           markup=markup)


async def refresh_card(bot: Bot, issue: IssueView, group: GroupView | None) -> None:
    """Edit the card in place so the latest state is always on it."""
    if issue.card_message_id is None:
        return
    html, markup = render_card(issue, group)
    try:
        await bot.edit_message_text(html, issue.chat_id, issue.card_message_id,
                                    parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        if "not found" in str(exc).lower():
            log.info("card of issue %s is gone", issue.id)
            return
        raise


def rating_keyboard(issue: IssueView) -> InlineKeyboardMarkup:
    i = issue.id
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(render(f"button.rate_{score}"), callback_data=f"rate:{i}:{score}")
        for score in (5, 3, 1)
    ]])


def _button(action: str, issue_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(render(f"button.{action}"), callback_data=f"{action}:{issue_id}")
