"""The text of scheduled posts: the evening progress post and the daily/weekly digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.present.cards import LIGHT_ICONS
from bot.present.html import escape
from bot.present.templates import name, render, safe
from issues.privacy import mask
from issues.service import IssueService
from issues.views import GroupView, IssueFilter, percent
from nlp.types import category_name


def _day_start(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def progress_html(svc: IssueService, group: GroupView, now: datetime) -> str | None:
    start = _day_start(now, group.timezone)
    page = await svc.list_issues(IssueFilter(chat_id=group.chat_id), page=1, page_size=200)
    moved, still_open = [], []
    for i in page.items:
        line = (f"#{i.number} {escape(i.category_name)} · {escape(mask(i.summary))} · "
                f"{name('status', i.status)}")
        if i.updated_at >= start:
            moved.append(safe(line))
        if i.is_open:
            age = now - i.created_at
            days = age.days
            age_text = f"{days}天" if days else f"{int(age.total_seconds() // 3600)}小时"
            icon = LIGHT_ICONS.get(i.light or "", "⚪")
            still_open.append(safe(f"{icon} {line}（已{age_text}）"))
    if not moved and not still_open:
        return None
    return render("progress_post", date=f"{now.astimezone(ZoneInfo(group.timezone)):%m月%d日}",
                  moved=moved[:20], still_open=still_open[:20])


async def digest_html(svc: IssueService, group: GroupView, now: datetime, days: int = 1,
                      always: bool = False, unit: tuple[int, str] | None = None) -> str | None:
    """Received, answered, resolved, in progress, overdue, satisfaction; the month so far.
    With `unit` (id, name): the figures of every group of that org unit."""
    start = _day_start(now, group.timezone) - timedelta(days=days - 1)
    chat_id, unit_id = (None, unit[0]) if unit else (group.chat_id, None)
    end = now + timedelta(seconds=1)
    d = await svc.stats(chat_id, start, end, org_unit_id=unit_id)
    month_start = _day_start(now, group.timezone).replace(day=1)
    m = await svc.stats(chat_id, month_start, end, org_unit_id=unit_id)
    if not always and d.received == 0 and m.received == 0:
        return None
    top = "、".join(f"{category_name(c)} {n} 件" for c, n in list(m.by_category.items())[:3])
    title = "本周诉求周报" if days == 7 else "今日诉求日报"
    if unit:
        title = f"{unit[1]} · {title}"
    local = now.astimezone(ZoneInfo(group.timezone))
    return render("digest", title=title, date=f"{local:%m月%d日}", d=d, m=m,
                  today_satisfaction=percent(d.satisfaction_rate),
                  month_rate=percent(m.resolution_rate),
                  month_satisfaction=percent(m.satisfaction_rate), top=top)
