"""The figures the overview, the 大屏 and the JSON API show, each with the ledger link that
lists what it counts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from issues.privacy import public_view
from issues.service import IssueService
from issues.settings import Settings
from issues.supervision_figures import Figures, Period, Report
from issues.views import IssueView, Stats, percent
from web.names import STATUS_NAMES
from web.palette import family_of
from web.render import ledger, minutes

TREND_DAYS = 14
SUPERVISION_MAX_AGE = 60.0


@dataclass(frozen=True)
class Window:
    """Today and this month in the dashboard's timezone."""

    now: datetime
    today: date
    month: date

    @classmethod
    def at(cls, now: datetime, tz: str) -> Window:
        local = now.astimezone(ZoneInfo(tz))
        return cls(local, local.date(), local.date().replace(day=1))

    def start(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.now.tzinfo)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    href: str | None
    tone: str = ""  # "red", "yellow": the card is a warning
    hint: str = ""


def rated(rate: float | None, n: int, least: int) -> str:
    """A satisfaction rate only once enough people rated (figures.satisfaction_min_ratings):
    one resident's 不满意 is not a group's "满意度 0%"."""
    return percent(rate) if n >= least else "—"


def cards(today: Stats, month: Stats, w: Window, sup: Figures, least: int) -> list[Card]:
    """The headline figures. Times are medians and say so: one issue left for a week would
    drag an average far from what a resident usually waits."""
    day, first = w.today.isoformat(), w.month.isoformat()
    return [
        Card("today_received", "今日收到", str(today.received), ledger(since=day, until=day)),
        Card("today_answered", "今日受理", str(today.answered),
             ledger(since=day, until=day, fact="acked"),
             hint="今日收到的诉求中已受理的"),
        Card("today_resolved", "今日办结", str(today.resolved),
             ledger(since=day, until=day, fact="done"),
             hint="今日收到的诉求中已办结的"),
        Card("month_received", "本月收到", str(month.received), ledger(since=first)),
        Card("month_resolution", "本月办结率", percent(month.resolution_rate), ledger(since=first),
             hint=f"{month.resolved} / {month.received - month.rejected}（不含不予受理）"),
        Card("month_ack_on_time", "本月按时受理率", percent(sup.ack_rate),
             ledger(since=first, fact="ack_late"),
             hint=f"{sup.ack_on_time} / {sup.ack_judged} 件在时限内受理，点击查看未按时的"),
        Card("month_resolve_on_time", "本月按时办结率", percent(sup.resolve_rate),
             ledger(since=first, fact="resolve_late"),
             hint=(f"{sup.resolve_on_time} / {sup.resolve_judged} 件在时限内办结，"
                   "点击查看未按时的")),
        Card("month_satisfaction", "本月满意度",
             rated(month.satisfaction_rate, month.rated, least),
             ledger(since=first, fact="rated"),
             hint=(f"{month.satisfied} / {month.rated} 条评价为满意或基本满意"
                   if month.rated >= least
                   else f"评价不足 {least} 条（现有 {month.rated} 条），暂不计算")),
        Card("median_ack", "受理用时中位数", minutes(month.median_ack_minutes),
             ledger(since=first, fact="acked"),
             hint="本月收到的诉求，从提交到受理"),
        Card("median_resolve", "办结用时中位数",
             minutes(None if month.median_resolve_hours is None
                      else month.median_resolve_hours * 60), ledger(since=first, fact="done"),
             hint="本月收到的诉求，从提交到办结"),
        Card("red", "红灯 · 超时", str(month.overdue.get("red", 0)), ledger(light="red"), "red",
             hint="现在已超过时限的未办结诉求"),
        Card("yellow", "黄灯 · 临期", str(month.overdue.get("yellow", 0)), ledger(light="yellow"),
             "yellow", hint="已用去 75% 时限的未办结诉求"),
    ]


def categories(month: Stats, w: Window, settings: Settings,
               limit: int = 10) -> list[dict[str, Any]]:
    first = w.month.isoformat()
    return [{"code": c, "name": settings.category_name(c), "value": n, "family": family_of(c).name,
             "color": family_of(c).color, "color_dark": family_of(c).color_dark,
             "href": ledger(category=c, since=first)}
            for c, n in list(month.by_category.items())[:limit]]


def issue_row(i: IssueView, tz: str, now: datetime) -> dict[str, Any]:
    """One issue for a list on the 大屏 or a map popup: no resident's text or name, and the
    summary and place masked as in every public rendering (a wall screen is public)."""
    i = public_view(i)
    due = i.due_at
    late = (now - due) if due is not None and now > due else None
    return {"id": i.id, "ref": i.reference, "category": i.category_name,
            "family_color": family_of(i.category).color_dark,
            "place": i.location_text or "", "summary": i.summary, "status": STATUS_NAMES[i.status],
            "light": i.light, "href": f"/issues/{i.id}",
            "created": i.created_at.astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M"),
            "late": _late(late)}


def _late(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    hours = delta.total_seconds() / 3600
    return f"超时 {hours:.0f} 小时" if hours < 48 else f"超时 {hours / 24:.0f} 天"


async def month_report(svc: IssueService, w: Window) -> Report:
    """This month per community (per group while no group has joined a community), from the
    supervision report: a fixed number of statements, a report at most a minute old."""
    by = "community" if any(lv == "community" for _, _, lv, _ in await svc.org_tree()) \
        else "group"
    return await svc.supervision(by, Period(w.start(w.month), w.start(next_month(w.month))),
                                 max_age=SUPERVISION_MAX_AGE, brief=True)


def unit_rows(report: Report, w: Window, least: int) -> tuple[str, list[dict[str, Any]]]:
    scope = "unit" if report.by == "community" else "group"
    return ("社区" if report.by == "community" else "群"), [
        _unit_row(f, {scope: f.key}, w.month.isoformat(), report.by, least)
        for f in report.rows]


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _unit_row(f: Figures, scope: dict[str, object], first: str, by: str,
              least: int) -> dict[str, Any]:
    drill = (f"/supervision?unit={f.key}" if by == "community"
             else ledger(**scope))
    return {"name": f.name, "received": f.received,
            "ack_rate": percent(f.ack_rate), "resolve_rate": percent(f.resolve_rate),
            "satisfaction_rate": rated(f.satisfaction_rate, f.rated, least),
            "red": f.red, "yellow": f.yellow,
            "href": ledger(**scope, since=first), "href_all": drill,
            "href_red": ledger(**scope, light="red"),
            "href_yellow": ledger(**scope, light="yellow")}


def rated_and_lit(month: Stats, total: Figures) -> Stats:
    """The month's ratings and lights as the month's supervision report counted them, not
    counted a second time: the same definitions (each issue's latest rating in the month,
    satisfied from 3 points up; the lights of every open issue now)."""
    return replace(month, rated=total.rated, satisfied=total.satisfied + total.basic,
                   satisfaction_rate=total.satisfaction_rate,
                   overdue={"yellow": total.yellow, "red": total.red})


async def headline(svc: IssueService, settings: Settings) -> dict[str, Any]:
    w = Window.at(svc.clock(), settings.timezone)
    # At most a minute old, like the supervision report: a district's month is tens of
    # thousands of issues, and the wall screen reloads every 30 s. Computed side by side
    # (each statement in a session of its own: threads on SQLite, connections on PostgreSQL).
    today, month, trend, report = await asyncio.gather(
        svc.stats(None, w.start(w.today), None, max_age=SUPERVISION_MAX_AGE, counts_only=True),
        svc.stats(None, w.start(w.month), None, max_age=SUPERVISION_MAX_AGE,
                  rated_and_lit=False),
        svc.daily_counts(TREND_DAYS, settings.timezone, max_age=SUPERVISION_MAX_AGE),
        month_report(svc, w))
    month = rated_and_lit(month, report.total)
    return {"w": w, "today": today, "month": month, "trend": trend, "report": report,
            "cards": cards(today, month, w, report.total, settings.satisfaction_min_ratings),
            "categories": categories(month, w, settings)}


async def screen(svc: IssueService, settings: Settings) -> dict[str, Any]:
    """Everything the 大屏 shows, as JSON (it redraws itself from this every 30 s)."""
    h, red, feed = await asyncio.gather(  # side by side, as the headline's figures
        headline(svc, settings), svc.most_overdue(10),  # the longest overdue first
        svc.newest_issues(12))
    w: Window = h["w"]
    tz = settings.timezone
    now = svc.clock()
    level, units = unit_rows(h["report"], w, settings.satisfaction_min_ratings)
    return {
        "now": w.now.strftime("%Y-%m-%d %H:%M"),
        "cards": [c.__dict__ for c in h["cards"]],
        "trend": {"days": [d[5:] for d, _, _ in h["trend"]],
                  "received": [r for _, r, _ in h["trend"]],
                  "resolved": [d for _, _, d in h["trend"]],
                  "links": [ledger(since=d, until=d) for d, _, _ in h["trend"]]},
        "categories": h["categories"],
        "red": [issue_row(i, tz, now) for i in red],
        "red_total": h["month"].overdue.get("red", 0),
        "feed": [issue_row(i, tz, now) for i in feed],
        "units_level": level, "units": units,
    }
