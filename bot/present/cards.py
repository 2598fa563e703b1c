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
from issues.lifecycle import Status
from issues.privacy import mask
from issues.settings import Settings
from issues.views import LEVELS, GroupView, IssueView, PersonRef

LIGHT_ICONS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
CARD_TEXT_LIMIT = 300
# A group's first cards say how to take an issue (the button, or a plain reply to the
# resident); after that the owner knows, and the line is only noise on every card.
TEACHING_CARDS = 3


def mention(person: PersonRef | None, fallback: str | None = None, notify: bool = True) -> str:
    """The person, mentioned so Telegram notifies them; by name only when not `notify` (a
    lookup showing who holds an issue must not ping them each time someone asks)."""
    if person is None:
        return render("owner_fallback") if fallback is None else fallback
    if person.user_id is None or not notify:  # another channel's (nobody to mention), or a lookup
        return escape(person.name)
    return mention_html(person.user_id, person.name, person.username)


def local_time(at: datetime, tz: str) -> str:
    """"11月30日 14:05", joined by a no-break space so a phone never wraps it in two."""
    t = at.astimezone(ZoneInfo(tz))
    return f"{t.month}月{t.day}日\u00a0{t:%H:%M}"


def rating_word(score: int | None) -> str:
    return str(name("rating", score)) if score else ""


def holder(issue: IssueView, group: GroupView | None, notify: bool = True) -> str:
    """Who holds the issue: the assignee when there is one, else the group's owner."""
    if issue.assignee is not None:
        return mention(issue.assignee, notify=notify)
    return mention(group.owner if group else None, notify=notify)


def render_card(
    issue: IssueView, group: GroupView | None, settings: Settings | None = None,
    notify: bool = True,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card: the issue's whole state in one message, edited in place as it moves. An
    urgent open issue leads with 🚨 and the safety advice; a withdrawn one folds to a line.
    Posted, it @-mentions who must act; shown again on request (`notify=False`, /issue N),
    it names them without a ping."""
    tz = group.timezone if group else "Asia/Shanghai"
    if issue.status == Status.WITHDRAWN:
        who = next((e.actor.name for e in reversed(issue.events)
                    if e.kind == "false_positive" and e.actor), "")
        return render("card_withdrawn", i=issue, who=who), None
    text = mask(issue.text.strip())
    if len(text) > CARD_TEXT_LIMIT:
        text = text[:CARD_TEXT_LIMIT] + "…"
    due = issue.due_at
    urgent = issue.urgent and issue.is_open
    light = issue.light
    if urgent and light in (None, "green"):
        light = "urgent"  # an emergency is never shown as 🟢
    taken = ""
    if issue.taken_by is not None and issue.acknowledged_at is not None:
        taken = f"{issue.taken_by.name} · {local_time(issue.acknowledged_at, tz)}"
    html = render(
        "card", i=issue, text=text,
        urgent=safe(urgent_block(issue, group, settings, notify)) if urgent else "",
        light=render(f"card_light.{light}") if light else "", marks=card_marks(issue),
        due=local_time(due, tz) if due else "", taken=taken,
        progress=mask(issue.progress_note or "")[:CARD_TEXT_LIMIT],
        rating=rating_word(issue.rating) if issue.status == Status.CLOSED else "",
        holder=safe(holder(issue, group, notify)), practice=safe(render("card_practice", i=issue)),
        teach=issue.number <= TEACHING_CARDS,
    )
    return html, keyboard(issue)


def card_marks(issue: IssueView) -> list[str]:
    """曾超时 once a deadline was missed (unless the light already says 已超时), and 已升级 /
    已吹哨 once it went beyond the grid: kept after escalation and after it is done."""
    marks = []
    if issue.was_late and issue.light != "red":
        marks.append(render("mark.late"))
    if issue.escalation_level > 0:
        marks.append(render("mark.escalated", level=name("level", LEVELS[issue.escalation_level])))
    if issue.department_code:
        marks.append(render("mark.dispatched"))
    return marks


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


def urgent_block(issue: IssueView, group: GroupView | None, settings: Settings | None,
                 notify: bool = True) -> str:
    known = settings.categories.get(issue.category) if settings else None
    # The kind the detector recognised (gas, fire, a live wire…), else the category's
    # (config/categories.yaml: a report from another channel says no kind).
    kind = issue.urgent_kind or (known.emergency if known else None) or "fire"
    numbers = {"fire": "119", "police": "110", "gas": "燃气抢修", "elevator": "96333",
               "power": "95598", **(settings.emergency if settings else {})}
    advice = render(f"urgent_advice.{kind}", **numbers)
    people = []
    if group:
        seen: set[int | None] = set()
        for p in (group.owner, *group.admins):
            if p is not None and p.user_id not in seen:
                seen.add(p.user_id)
                people.append(mention(p, notify=notify))
    return render("urgent_line", advice=advice,
                  admins=safe(" ".join(people) or render("owner_fallback")))


def rating_keyboard(issue: IssueView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(render(f"button.rate_{score}"),
                             callback_data=Rate(issue.id, score).pack())
        for score in (5, 3, 1)
    ]])


def _button(data: IssueButton) -> InlineKeyboardButton:
    """The card's buttons are labelled by their action (the callback prefix)."""
    return InlineKeyboardButton(render(f"button.{data.prefix}"), callback_data=data.pack())
