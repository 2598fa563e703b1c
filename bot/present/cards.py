"""The issue card and its buttons, mentions, local times and the urgent block.

Shared by the handlers and the scheduled jobs, so every message about an issue looks the same.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Ack, Dispatch, IssueButton, NotIssue, Rate, Resolve
from bot.present.html import mention_html
from bot.present.templates import name, render, safe
from issues.privacy import mask
from issues.settings import Settings
from issues.views import GroupView, IssueView, PersonRef

LIGHT_ICONS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
CARD_TEXT_LIMIT = 300


def mention(person: PersonRef | None, fallback: str | None = None) -> str:
    if person is None:
        return render("owner_fallback") if fallback is None else fallback
    if person.user_id is None:  # reached us by another channel: nobody to mention here
        return escape(person.name)
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
    text = mask(issue.text.strip())
    if len(text) > CARD_TEXT_LIMIT:
        text = text[:CARD_TEXT_LIMIT] + "…"
    due = issue.due_at
    light = issue.light
    html = render(
        "card", i=issue, text=text,
        light=f"{LIGHT_ICONS[light]}{name('light', light)}" if light else "",
        due=local_time(due, tz) if due else "", holder=safe(holder(issue, group)),
    )
    return html, keyboard(issue)


def keyboard(issue: IssueView) -> InlineKeyboardMarkup | None:
    i = issue.id
    if issue.status == "open":
        rows = [[_button(Ack(i)), _button(Dispatch(i))],
                [_button(Resolve(i)), _button(NotIssue(i))]]
    elif issue.status in ("acknowledged", "in_progress"):
        rows = [[_button(Dispatch(i)), _button(Resolve(i))]]
    else:
        return None
    return InlineKeyboardMarkup(rows)


def urgent_block(issue: IssueView, group: GroupView | None, settings: Settings) -> str:
    known = settings.categories.get(issue.category)
    kind = _urgent_kind(issue, known.emergency if known else None)
    numbers = {"fire": "119", "police": "110", "gas": "燃气抢修", "elevator": "96333",
               "power": "95598", **settings.emergency}
    advice = render(f"urgent_advice.{kind}", **numbers)
    people = []
    if group:
        seen: set[int | None] = set()
        for p in (group.owner, *group.admins):
            if p is not None and p.user_id not in seen:
                seen.add(p.user_id)
                people.append(mention(p))
    return render("urgent_line", advice=advice,
                  admins=safe(" ".join(people) or render("owner_fallback")))


def _urgent_kind(issue: IssueView, by_category: str | None) -> str:
    """Fire or a live wire named in the text, else the category's (config/categories.yaml)."""
    text = issue.text
    if any(w in text for w in ("着火", "起火", "火灾", "冒烟", "火花")):
        return "fire"
    if "电线" in text or "触电" in text:
        return "power"
    return by_category or "fire"


def rating_keyboard(issue: IssueView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(render(f"button.rate_{score}"),
                             callback_data=Rate(issue.id, score).pack())
        for score in (5, 3, 1)
    ]])


def _button(data: IssueButton) -> InlineKeyboardButton:
    """The card's buttons are labelled by their action (the callback prefix)."""
    return InlineKeyboardButton(render(f"button.{data.prefix}"), callback_data=data.pack())
