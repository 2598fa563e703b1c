"""The text of scheduled posts: the evening progress post, the daily digest and the weekly
one (its own window, figures and template). Figures always add up: 收到 is split into
待受理, 处理中, 已办结 and 不予受理, and 满意度 is said only once enough ratings are in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.present.cards import LIGHT_ICONS
from bot.present.templates import render, safe
from issues.privacy import mask
from issues.service import IssueService
from issues.views import GroupView, IssueFilter, Stats, percent
from nlp.types import category_name

PROGRESS_MAX = 20  # lines per section of the evening post


def day_start(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def figures(s: Stats, label: str) -> str:
    """"今日收到 6 件：待受理 4，处理中 2，已办结 0": the parts add up to what was received."""
    return render("figures", s=s, label=label)


def satisfaction(s: Stats, least: int) -> str:
    return render("satisfaction", s=s, least=least, rate=percent(s.satisfaction_rate))


def age(since: datetime, now: datetime) -> str:
    """How long an issue has waited: "3天", "5小时", never "0小时"."""
    waited = now - since
    if waited.days:
        return render("age.days", n=waited.days)
    hours = int(waited.total_seconds() // 3600)
    return render("age.hours", n=hours) if hours else render("age.minutes")


async def progress_html(svc: IssueService, group: GroupView, now: datetime) -> str | None:
    """What moved today, then what still waits: each issue once. Nothing is posted on a day
    when nothing moved and nothing is late."""
    start = day_start(now, group.timezone)
    page = await svc.list_issues(IssueFilter(chat_id=group.chat_id), page=1, page_size=200)
    moved, waiting, late = [], [], False
    for i in page.items:
        summary = mask(i.summary)
        if i.updated_at >= start:
            moved.append(safe(render("progress_line", i=i, summary=summary)))
        elif i.is_open:
            late = late or i.light == "red"
            waiting.append(safe(render("waiting_line", i=i, summary=summary,
                                       icon=LIGHT_ICONS.get(i.light or "", "⚪"),
                                       age=age(i.created_at, now))))
    if not moved and not late:
        return None
    local = now.astimezone(ZoneInfo(group.timezone))
    return render("progress_post", date=f"{local.month}月{local.day}日",
                  moved=moved[:PROGRESS_MAX], waiting=waiting[:PROGRESS_MAX])


def _top(s: Stats) -> str:
    return "、".join(f"{category_name(c)} {n} 件" for c, n in list(s.by_category.items())[:3])


async def digest_html(svc: IssueService, group: GroupView, now: datetime,
                      always: bool = False, unit: tuple[int, str] | None = None) -> str | None:
    """Today: received (and how they stand now), overdue, the month so far. With `unit`
    (id, name): the figures of every group of that org unit."""
    start = day_start(now, group.timezone)
    chat_id, unit_id = (None, unit[0]) if unit else (group.chat_id, None)
    end = now + timedelta(seconds=1)
    d = await svc.stats(chat_id, start, end, org_unit_id=unit_id)
    m = await svc.stats(chat_id, start.replace(day=1), end, org_unit_id=unit_id)
    helped = await svc.helping.figures(start.replace(day=1), end, chat_id, unit_id)
    if not always and d.received == 0 and m.received == 0 and not helped.asked + helped.done:
        return None
    local = now.astimezone(ZoneInfo(group.timezone))
    title = render("unit_digest_title", unit=unit[1]) if unit else render("digest_title")
    least = svc.settings.satisfaction_min_ratings
    html = render("digest", title=title, date=f"{local.month}月{local.day}日", d=d, m=m,
                  figures=safe(figures(d, render("figures_label.today"))),
                  month_rate=percent(m.resolution_rate),
                  month_satisfaction=satisfaction(m, least), top=_top(m),
                  residents=unit is None)  # a unit's work group is its staff, not residents
    if helped.asked or helped.done:  # 志愿服务 this month
        html += "\n" + render("digest_volunteers", f=helped)
    return html + await supervised_html(svc, unit[0]) if unit else html


async def weekly_html(svc: IssueService, group: GroupView, now: datetime,
                      unit: tuple[int, str] | None = None) -> str | None:
    """The seven days before today: its own figures (not a second daily digest), how fast
    issues were taken on, how many were late, and the week before for comparison."""
    end = day_start(now, group.timezone)
    start = end - timedelta(days=7)
    chat_id, unit_id = (None, unit[0]) if unit else (group.chat_id, None)
    w = await svc.stats(chat_id, start, end, org_unit_id=unit_id)
    if w.received == 0:
        return None
    before = await svc.stats(chat_id, start - timedelta(days=7), start, org_unit_id=unit_id)
    rows = await svc.ledger_rows(IssueFilter(chat_id=chat_id, org_unit_id=unit_id,
                                             since=start, until=end))
    late = sum(1 for i in rows if i.was_late)
    median = w.median_ack_minutes
    took = None if median is None else (
        render("duration.minutes", n=max(1, round(median))) if median < 120
        else render("duration.hours", n=round(median / 60)))
    last = end - timedelta(days=1)
    return render("weekly_digest", unit=unit[1] if unit else "",
                  first=f"{start.month}月{start.day}日", last=f"{last.month}月{last.day}日",
                  w=w, figures=safe(figures(w, render("figures_label.week"))),
                  rate=percent(w.resolution_rate),
                  satisfaction=satisfaction(w, svc.settings.satisfaction_min_ratings),
                  median_ack=took, late=late, top=_top(w),
                  before=before if before.received else None)


async def supervised_html(svc: IssueService, unit_id: int) -> str:
    """督办: the unit's supervised issues still open, for its digest ("" when none)."""
    items = [safe(render("digest_supervised_item", i=i, ref=i.reference,
                         light=LIGHT_ICONS.get(i.light or "", "⚪"), summary=mask(i.summary)))
             for i, _ in await svc.oversight.supervised(unit_id)]
    return "\n\n" + render("digest_supervised", items=items) if items else ""
