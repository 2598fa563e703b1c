"""Supervision figures computed by the database, checked against a small district whose every
figure is known by hand, on SQLite and PostgreSQL; and the number of statements stays the same
whatever the number of groups."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from issues.db import Database
from issues.rankings import rankings
from issues.service import IssueService
from issues.settings import load_settings
from issues.supervision_figures import Figures, Period, ranks
from issues.views import IssueFilter, PersonRef
from nlp.types import Detection
from web import figures

OWNER, OWNER2 = PersonRef(1, "王网格", "wang"), PersonRef(5, "赵网格", None)
RES, WORKER = PersonRef(2, "李阿姨", None), PersonRef(3, "张师傅", "zhang")
A, B, C = -100, -101, -102
T0 = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
NOVEMBER = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def det(cat: str, place: str) -> Detection:
    return Detection(True, cat, 0.9, False, place, f"{place}{cat}")


async def _district(db_url: str) -> tuple[IssueService, Clock]:
    clock = Clock()
    # The owners here also stand for the district, which builds the org tree.
    settings = load_settings(overrides={"database_url": db_url, "trust": {
        "district_admins": [OWNER.user_id, OWNER2.user_id]}}, env={})
    svc = IssueService(Database(db_url), settings, clock=clock)
    at = clock.__setattr__
    at("now", datetime(2026, 10, 20, 8, 0, tzinfo=UTC))
    for chat, title, owner, community in ((A, "幸福3栋群", OWNER, "幸福社区"),
                                          (B, "幸福5栋群", OWNER, "幸福社区"),
                                          (C, "和平7栋群", OWNER2, "和平社区")):
        await svc.register_group(chat, title, owner, [owner])
        await svc.join_org_unit(chat, owner.user_id, community, "community", "东风街道")
    await svc.intake(A, 1, RES, "3栋路灯坏了", det("streetlight", "3栋"))  # last month
    at("now", datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    await svc.resolve(A, 1, OWNER, "修好了")
    at("now", T0)
    await svc.intake(A, 2, RES, "3栋路灯又坏了", det("streetlight", "3栋门口"))
    await svc.intake(A, 3, RES, "5栋下水道堵了", det("drainage", "5栋"))
    await svc.intake(B, 1, RES, "垃圾", det("garbage", "门口"))
    at("now", T0 + timedelta(hours=1))
    await svc.acknowledge(A, 2, OWNER)  # on time (4 h)
    at("now", T0 + timedelta(hours=3))
    await svc.acknowledge(A, 3, OWNER)  # late (2 h)
    await svc.reject(B, 1, OWNER, "不属于本群")
    at("now", T0 + timedelta(days=1))
    await svc.resolve(A, 2, OWNER, "换灯")  # on time (3 d)
    await svc.rate(A, 2, RES, 5)  # 满意
    at("now", T0 + timedelta(days=3))
    await svc.resolve(A, 3, OWNER, "疏通")  # late (2 d)
    await svc.rate(A, 3, RES, 1)  # 不满意 reopens it: resolved_at is cleared
    at("now", T0 + timedelta(days=5))
    await svc.intake(A, 4, RES, "5栋下水道又堵了", det("drainage", "5栋"))  # a repeat
    await svc.assign(A, 4, OWNER, WORKER)
    at("now", T0 + timedelta(days=10) - timedelta(minutes=25))
    await svc.intake(C, 1, RES, "7栋电梯困人", det("elevator", "7栋"))  # yellow at T0+10d
    at("now", T0 + timedelta(days=10))
    return svc, clock


@pytest.fixture
async def district(db_url: str) -> IssueService:
    svc, _ = await _district(db_url)
    yield svc  # type: ignore[misc]
    await svc.db.dispose()


def _by_name(rows: list[Figures]) -> dict[str, Figures]:
    return {f.name: f for f in rows}


async def test_figures_per_community(district: IssueService) -> None:
    report = await district.supervision("community", NOVEMBER)
    rows = _by_name(report.rows)
    assert set(rows) == {"幸福社区", "和平社区"}
    f = rows["幸福社区"]
    assert (f.received, f.rejected) == (4, 1)
    # Accepted on time: #2 (1 h of 4), #4 (assigned at once); #3 late (3 h of 2).
    assert (f.ack_on_time, f.ack_judged) == (2, 3) and f.ack_rate == pytest.approx(2 / 3)
    # Resolved on time: #2 yes; #3 reopened and past due; #4 past due.
    assert (f.resolve_on_time, f.resolve_judged) == (1, 3)
    # Times to accept 0, 1 h, 3 h: the median is the 2nd, the 90th percentile the 3rd.
    assert f.ack_p50_s == pytest.approx(3600) and f.ack_p90_s == pytest.approx(3 * 3600)
    assert f.resolve_p50_s == pytest.approx(86400) and f.resolve_p90_s == pytest.approx(86400)
    assert (f.red, f.yellow) == (2, 0)
    assert f.reopened == 1 and f.repeat == 1
    assert (f.satisfied, f.basic, f.unsatisfied) == (1, 0, 1) and f.satisfaction_rate == 0.5
    assert f.previous is not None and f.previous.received == 1
    assert (f.previous.resolve_on_time, f.previous.resolve_judged) == (1, 1)
    peace = rows["和平社区"]
    assert (peace.received, peace.yellow, peace.red) == (1, 1, 0)
    # The district's total is not the sum of medians: it is computed over all the issues.
    assert report.total.received == 5 and report.total.red == 2 and report.total.yellow == 1
    assert report.total.ack_p50_s == pytest.approx(3600)


async def test_other_keys_and_scopes(district: IssueService) -> None:
    street = _by_name((await district.supervision("street", NOVEMBER)).rows)
    assert street["东风街道"].received == 5 and street["东风街道"].key.isdigit()
    groups = _by_name((await district.supervision("group", NOVEMBER)).rows)
    assert groups["幸福3栋群"].received == 3 and groups["幸福3栋群"].key == str(A)
    units = {name: uid for uid, name, _l, _c in await district.org_units()}
    inside = await district.supervision("group", NOVEMBER,
                                        IssueFilter(org_unit_id=units["和平社区"]))
    assert [f.name for f in inside.rows] == ["和平7栋群"] and inside.total.received == 1
    people = _by_name((await district.supervision("holder", NOVEMBER)).rows)
    assert people["张师傅"].received == 1 and people["张师傅"].key == "3"
    await district.escalate(A, 4, OWNER, "chengguan")
    depts = _by_name((await district.supervision("department", NOVEMBER)).rows)
    assert depts["城管"].received == 1 and depts["城管"].key == "chengguan"
    path = await district.unit_path(chat_id=A)
    assert [(n, level) for _, n, level in path] == [("东风街道", "street"),
                                                    ("幸福社区", "community")]


def _this_period(f: Figures) -> Figures:
    """What a brief report keeps of a row: no percentiles, reopenings or previous period."""
    return replace(f, ack_p50_s=None, ack_p90_s=None, resolve_p50_s=None, resolve_p90_s=None,
                   reopened=0, previous=None)


async def test_a_brief_report_has_the_full_reports_figures_of_the_period(
        district: IssueService) -> None:
    """The overview and the 大屏 read a brief report (half the rows, nothing ranked): every
    figure it has is the full report's, for every key and scope."""
    units = {name: uid for uid, name, _l, _c in await district.org_units()}
    for by, scope in (("community", None), ("street", None), ("group", None),
                      ("group", IssueFilter(org_unit_id=units["幸福社区"])),
                      ("holder", None), ("department", None)):
        full = await district.supervision(by, NOVEMBER, scope)
        brief = await district.supervision(by, NOVEMBER, scope, brief=True)
        assert [_this_period(f) for f in full.rows] == brief.rows, (by, scope)
        assert _this_period(full.total) == brief.total, (by, scope)
        assert all(f.previous is None for f in (*brief.rows, brief.total))
    # Its own entry in the minute's cache: a full report is never served a brief one.
    first = await district.supervision("community", NOVEMBER, max_age=60, brief=True)
    full = await district.supervision("community", NOVEMBER, max_age=60)
    assert full.total.previous is not None and full.total.ack_p50_s is not None
    assert first.total.received == 5 and first.total.ack_p50_s is None


async def test_the_overviews_month_rates_and_lights_are_the_statistics(
        district: IssueService) -> None:
    """The overview takes the month's ratings and lights from its supervision report rather
    than counting them twice: the same figures as the statistics count."""
    w = figures.Window.at(district.clock(), district.settings.timezone)
    await district.resolve(A, 4, OWNER, "疏通")
    await district.rate(A, 4, RES, 3)  # 基本满意: satisfied from 3 points up
    month = await district.stats(None, w.start(w.month))
    headline = await figures.headline(district, district.settings)
    assert headline["month"] == month
    assert (month.rated, month.satisfied, month.overdue) == (3, 2, {"yellow": 1, "red": 1})


def test_rankings_need_a_sample() -> None:
    rows = [Figures(str(n), f"社区{n}", resolve_on_time=n, resolve_judged=10) for n in range(12)]
    rows.append(Figures("x", "小社区", resolve_on_time=1, resolve_judged=1))  # 100 % of one
    best, worst = rankings(rows, "resolve_rate", n=3)
    assert [f.name for f in best] == ["社区11", "社区10", "社区9"]
    assert [f.name for f in worst] == ["社区0", "社区1", "社区2"]


def test_times_rank_over_every_group_of_a_unit() -> None:
    """SQLite's percentiles: each group's seconds (as its counting pass gathers them) folded
    into its unit and into the total, nearest rank over them all."""
    rows = [(1, "[60,10]", "[]"), (2, "[30,20,50]", "[7200]"), (3, "[40]", "[3600]"),
            (4, "[]", "[]")]
    unit = {1: "幸福", 2: "幸福", 3: "和平", 4: None}
    got = {(total, k): rest for total, k, *rest in ranks(rows, unit.get)}
    # 幸福: 10 20 30 50 60 → median the 3rd, p90 the 5th; and one time to resolve.
    assert got[(False, "幸福")] == [30, 60, 7200, 7200]
    assert got[(False, "和平")] == [40, 40, 3600, 3600]
    # All six times: ⌈0.5·6⌉ = 3rd, ⌈0.9·6⌉ = 6th; a group in no unit counts in the total.
    assert got[(True, None)] == [30, 60, 3600, 7200]
    assert got[(False, None)] == [None, None, None, None]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_statements_do_not_grow_with_groups(db_url: str) -> None:
    svc, _ = await _district(db_url)
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    async def statements(by: str) -> tuple[int, int]:
        """(statements, rows) of a report computed afresh."""
        seen.clear()
        report = await svc.supervision(by, NOVEMBER)
        return len(seen), len(report.rows)

    sync_engine = svc.db.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    few = {by: (await statements(by))[0] for by in ("community", "holder", "group")}
    # The holder's key is read in the statements that count: as many as the group's, which
    # also names its keys from the database; on SQLite one more reads each group's owner
    # once (the statements count per assignee or group, folded to holders in Python), as a
    # unit level reads the org tree once.
    assert few["holder"] == few["group"] + ("sqlite" in db_url)
    for n in range(30):
        chat = -200 - n
        owner = PersonRef(100 + n, f"群主{n}")  # each a person more to name
        await svc.register_group(chat, f"新群{n}", owner, [owner])
        await svc.join_org_unit(chat, owner.user_id, f"社区{n % 7}", "community", "东风街道",
                                code=await svc.new_access_code())
        await svc.intake(chat, 1, RES, "路灯坏了", det("streetlight", "门口"))
    assert await statements("community") == (few["community"], 9)
    assert await statements("holder") == (few["holder"], 33)
    event.remove(sync_engine, "before_cursor_execute", count)
    await svc.db.dispose()


async def test_a_report_is_reused_for_max_age_then_refreshed_behind(district: IssueService
                                                                    ) -> None:
    first = await district.supervision("community", NOVEMBER, max_age=60)
    await district.intake(C, 9, RES, "7栋门口积水", det("drainage", "7栋门口"))
    assert await district.supervision("community", NOVEMBER, max_age=60) is first
    fresh = await district.supervision("community", NOVEMBER)  # max_age 0: computed now
    assert fresh.total.received == first.total.received + 1
    # Older than max_age (but not ten times): the old one at once, a new one behind it.
    cache = district.supervisor._fresh
    (key, (stamp, _)), = [(k, v) for k, v in cache._values.items() if k[0] == "community"]
    cache._values[key] = (stamp - 120, first)
    assert await district.supervision("community", NOVEMBER, max_age=60) is first
    await asyncio.gather(*cache._refreshing.values())
    again = await district.supervision("community", NOVEMBER, max_age=60)
    assert again is not first and again.total.received == fresh.total.received


async def test_repeats_follow_withdrawals_and_edits(district: IssueService) -> None:
    """A repeat is decided when the complaint arrives and decided again when the one it
    repeats turns out to be no complaint, or when an edit moves a complaint to the place."""
    clock = district.clock

    async def repeats() -> int:
        rows = _by_name((await district.supervision("group", NOVEMBER)).rows)
        return rows["和平7栋群"].repeat

    await district.intake(C, 2, RES, "7栋门口积水", det("drainage", "7栋门口"))
    # Past the window in which a second report joins the first: a complaint of its own.
    clock.now += timedelta(days=4)  # type: ignore[attr-defined]
    await district.intake(C, 3, RES, "7栋门口又积水", det("drainage", "7栋门口"))
    assert await repeats() == 1
    await district.withdraw(C, 2, OWNER2)  # not a complaint: #3 repeats nothing
    assert await repeats() == 0
    other = (await district.intake(C, 4, RES, "8栋积水", det("drainage", "8栋"))).issue
    assert await repeats() == 0
    await district.update_text(other.id, "7栋门口积水", det("drainage", "7栋门口"))
    assert await repeats() == 1  # moved to #3's place


async def test_upgrade_fills_the_facts_of_existing_issues(district: IssueService,
                                                          db_url: str) -> None:
    """Issues received before the facts were kept get them on upgrade, by the same rules as
    the service applies when they happen: the figures do not change."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import select

    from issues.db import alembic_config
    from issues.models import Issue
    from tests.issues.test_migrations import _mover

    facts = (Issue.id, Issue.ack_seconds, Issue.ack_on_time, Issue.resolve_seconds,
             Issue.resolve_on_time, Issue.repeat_of, Issue.rating, Issue.rated_at)

    async def read() -> list[object]:
        async with district.db.engine.connect() as conn:
            return list((await conn.execute(select(*facts).order_by(Issue.id))).all())

    before, report = await read(), await district.supervision("community", NOVEMBER)
    assert any(r[5] for r in before) and any(r[6] for r in before)  # a repeat, a rating
    scripts = ScriptDirectory.from_config(alembic_config(db_url))
    rev, = [s for s in scripts.walk_revisions() if s.path.endswith("_supervision_facts.py")]
    to = _mover(db_url)
    async with district.db.engine.begin() as conn:
        await conn.run_sync(to, str(rev.down_revision), False)
    async with district.db.engine.begin() as conn:
        await conn.run_sync(to, "head", True)
    assert await read() == before
    assert await district.supervision("community", NOVEMBER) == report
