"""A district's ledger for benchmarks: 2,000 groups under five levels, a year of issues.

Reusable by any bench that needs a district-sized ledger (the district bench, the dashboard's
supervision figures):

    from bench.district import DistrictSpec, build, cached_sqlite
    spec = DistrictSpec()                       # 2,000 groups, 1,000,000 issues
    district = await build(db, settings, spec)  # fills an empty, migrated database
    path = await cached_sqlite(spec, settings)  # or: a generated SQLite file, kept in
                                                # bench/.cache/ (gitignored); copy it before
                                                # writing to it

Five levels: one district, its streets, their communities, their grids, and the groups under
the grids (each unit above the grid has its own home group, and each department its group).
Issues spread over the year before `spec.now`, busier groups taking more, in realistic mixes:
old issues mostly closed (办结率 about 97 %), recent ones open, acknowledged or in progress,
so the lights are mostly green with some yellow and a backlog of red, each red issue as many
levels up as its lateness asks (as a tick a minute before `spec.now` left them). Besides, a
"storm" of `spec.storm` complaints about power and water came in 40 to 30 minutes before
`spec.now`: their acknowledge clocks all turned red in the ten minutes before it, so a tick at
`spec.now` with its last scan ten minutes back has that many reminders due.

Every table is filled by set-based statements (INSERT … SELECT over a generated series of
numbers, with deterministic integer hashes standing in for randomness), so SQLite and
PostgreSQL hold the same rows: a million issues take minutes, not hours of ORM adds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from issues import facts
from issues.db import Database
from issues.models import Group, GroupAdmin, Issue, OrgUnit
from issues.settings import Settings
from issues.views import Channel

CACHE = Path(__file__).resolve().parent / ".cache"
VERSION = 5  # of the generator: a cached file made by another version is made again
YEAR = 365 * 86400
P = 1_000_003  # hash modulus (prime)
# Category mix of a district's complaints (per mille): garbage, streetlights, drains and noise
# lead, as in published 12345 figures.
MIX = {"garbage": 170, "streetlight": 120, "drainage": 110, "noise": 90, "parking": 80,
       "road": 60, "property": 60, "water": 50, "power": 40, "elevator": 40, "building": 30,
       "greenery": 30, "facility": 30, "fumes": 20, "dust": 20, "pest": 15, "hazard": 15,
       "illegal_build": 10, "order": 8, "gas": 2}
PROBLEM = {"garbage": "垃圾桶满了没人收", "streetlight": "路灯坏了", "drainage": "下水道堵了",
           "noise": "晚上施工太吵", "parking": "乱停车堵住消防通道", "road": "井盖松动",
           "property": "物业不管事", "water": "停水了", "power": "停电了", "elevator": "电梯坏了",
           "building": "楼顶漏水", "greenery": "树枝挡住路", "facility": "健身器材坏了",
           "fumes": "油烟很大", "dust": "工地扬尘", "pest": "老鼠很多", "hazard": "电线裸露",
           "illegal_build": "违章搭建", "order": "有人吵架", "gas": "有燃气味"}
DEPARTMENTS = ("chengguan", "wuye", "water", "power", "gas", "huanwei", "police", "jianshe")


@dataclass(frozen=True)
class DistrictSpec:
    groups: int = 2000
    issues: int = 1_000_000
    storm: int = 5000
    now: datetime = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    streets: int = 6
    communities_per_street: int = 10
    grids_per_community: int = 8
    residents: int = 100_000
    delivery_days: int = 90  # digests and progress posts on record, per group

    def key(self) -> str:
        raw = json.dumps({k: str(v) for k, v in asdict(self).items()} | {"v": VERSION},
                         sort_keys=True)
        return hashlib.sha1(raw.encode()).hexdigest()[:12]


@dataclass
class District:
    """What a bench needs to know of the generated district."""

    spec: DistrictSpec
    resident_chats: list[int] = field(default_factory=list)  # groups of residents
    home_chats: dict[int, int] = field(default_factory=dict)  # unit id → its own group
    department_chats: dict[str, int] = field(default_factory=dict)
    units: dict[str, list[int]] = field(default_factory=dict)  # level → unit ids
    storm_window: tuple[datetime, datetime] | None = None  # storm reds turn in (start, end]
    seconds: float = 0.0


def _h(k: int, var: str = "n") -> str:
    """A deterministic pseudo-random integer in [0, P) for row `var` and stream k: a
    quadratic residue hash, the same on SQLite and PostgreSQL (integers only)."""
    a, b, c = 7919 * k + 104_729, 15_485_863 % P + k * 31, k * 7777 + 13
    return f"(((({var} * {var}) % {P}) * {a} + {var} * {b} + {c}) % {P})"


class _Sql:
    """The few places where SQLite and PostgreSQL spell things differently."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def nums(self, count: int | str) -> str:
        if self.sqlite:
            return (f"nums(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM nums "
                    f"WHERE n < {count})")
        return f"nums(n) AS (SELECT g::bigint FROM generate_series(1, {count}) AS g)"

    def ts(self, epoch: str) -> str:
        """Epoch seconds → the column's stored form (SQLAlchemy stores SQLite datetimes as
        'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC)."""
        if self.sqlite:
            return f"(strftime('%Y-%m-%d %H:%M:%S', {epoch}, 'unixepoch') || '.000000')"
        return f"to_timestamp({epoch})"

    def least(self, *xs: str) -> str:
        return f"{'min' if self.sqlite else 'least'}({', '.join(xs)})"

    def greatest(self, *xs: str) -> str:
        return f"{'max' if self.sqlite else 'greatest'}({', '.join(xs)})"


def _case(expr: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN {expr} = '{k}' THEN {v}" for k, v in mapping.items())
    return f"(CASE {whens} ELSE {default} END)"


def _issues_sql(sql: _Sql, spec: DistrictSpec, settings: Settings, residents_groups: int,
                first_resident: int) -> str:
    """One INSERT … SELECT for every issue of the year."""
    now = int(spec.now.timestamp())
    regular = spec.issues - spec.storm
    grace = int(settings.escalation_grace.total_seconds())
    ratio = round(settings.yellow_ratio * 1000)
    # Category by cumulative thresholds of MIX over h1 (per mille).
    bounds, acc = [], 0
    for cat, share in MIX.items():
        acc += share
        bounds.append((acc, cat))
    cat_case = "(CASE " + " ".join(
        f"WHEN {_h(1)} % 1000 < {b} THEN '{c}'" for b, c in bounds[:-1]
    ) + f" ELSE '{bounds[-1][1]}' END)"

    def secs(urgent: bool, which: str) -> str:
        m = {c: str(int(getattr(settings.sla_for(c, urgent), which).total_seconds()))
             for c in MIX}
        return _case("cat", m, str(int(getattr(settings.sla_for("other", urgent),
                                               which).total_seconds())))

    problem = _case("cat", {c: f"'{p}'" for c, p in PROBLEM.items()}, "'有问题'")
    dept_case = "(CASE " + " ".join(
        f"WHEN {_h(7)} % 8 = {k} THEN '{d}'" for k, d in enumerate(DEPARTMENTS)) + " END)"
    g = residents_groups
    # Status per million by age band: > 30 days, 3-30 days, under 3 days.
    bands = {"old": (720_000, 970_000, 999_000, 999_500, 999_700),
             "mid": (550_000, 900_000, 920_000, 970_000, 985_000),
             "new": (100_000, 400_000, 420_000, 600_000, 750_000)}

    def status_case(band: str) -> str:
        c, r, j, p, a = bands[band]
        h = _h(2)
        return (f"(CASE WHEN {h} < {c} THEN 'closed' WHEN {h} < {r} THEN 'resolved' "
                f"WHEN {h} < {j} THEN 'rejected' WHEN {h} < {p} THEN 'in_progress' "
                f"WHEN {h} < {a} THEN 'acknowledged' ELSE 'open' END)")

    ts = sql.ts
    return f"""
WITH RECURSIVE {sql.nums(spec.issues)},
base AS MATERIALIZED (
  SELECT n,
    CASE WHEN n <= {regular}
      THEN {now} - 60 - ({regular} - n) * {YEAR} / {regular} - {_h(0)} % 600
      ELSE {now} - 1801 - (n - {regular}) * 600 / {spec.storm} END AS created,
    CASE WHEN n <= {regular} THEN {cat_case}
      WHEN {_h(1)} % 2 = 0 THEN 'power' ELSE 'water' END AS cat,
    CASE WHEN n <= {regular} AND {_h(5)} < 10000 THEN 1 ELSE 0 END AS urg,
    1 + ({_h(9)} % {g}) * ({_h(10)} % {g}) / {g} AS group_id
  FROM nums
),
aged AS MATERIALIZED (
  SELECT base.*, {now} - created AS age,
    CASE WHEN urg = 1 THEN {secs(True, 'ack')} ELSE {secs(False, 'ack')} END AS ack_s,
    CASE WHEN urg = 1 THEN {secs(True, 'resolve')} ELSE {secs(False, 'resolve')} END
      AS res_s
  FROM base
),
st AS MATERIALIZED (
  SELECT aged.*,
    CASE WHEN n > {regular} THEN 'open'
      WHEN age > 30 * 86400 THEN {status_case('old')}
      WHEN age > 3 * 86400 THEN {status_case('mid')}
      ELSE {status_case('new')} END AS status,
    {sql.least(f"ack_s * ({_h(3)} % 1200 + 50) / 1000", "age - 30")} AS ack_d,
    {sql.least(f"res_s * ({_h(4)} % 1100 + 100) / 1000", "age - 20")} AS res_d
  FROM aged
),
fin AS MATERIALIZED (
  SELECT st.*,
    CASE WHEN status = 'open' THEN created + ack_s ELSE created + res_s END AS run_due
  FROM st
)
SELECT group_id,
  row_number() OVER (PARTITION BY group_id ORDER BY created, n) AS number,
  cat AS category,
  CAST(n % 40 + 1 AS TEXT) || '栋门口' || {problem} AS summary,
  CAST(n % 40 + 1 AS TEXT) || '栋门口' || {problem} || '，好几天了，麻烦尽快处理' AS text,
  CAST(n % 40 + 1 AS TEXT) || '栋门口' AS location_text,
  (urg = 1) AS urgent, 0.8 AS confidence, status,
  {first_resident} + {_h(8)} % {spec.residents} AS reporter_id,
  CASE WHEN status NOT IN ('open', 'rejected') AND {_h(6)} < 500000
    THEN {2 * spec.groups} + group_id END AS assignee_id,
  CASE WHEN status NOT IN ('open', 'rejected') AND {_h(7)} < 80000 THEN {dept_case} END
    AS department_code,
  CASE WHEN status NOT IN ('open', 'acknowledged', 'in_progress') THEN 0
    WHEN run_due <= {now - 60 - 3 * grace} THEN 3 WHEN run_due <= {now - 60 - 2 * grace} THEN 2
    WHEN run_due <= {now - 60 - grace} THEN 1 ELSE 0 END AS escalation_level,
  CASE WHEN {_h(11)} % 10 = 0 THEN 2 ELSE 1 END AS report_count,
  CASE WHEN status = 'rejected' THEN '不属于本群受理范围' END AS reject_reason,
  {ts('created')} AS created_at,
  {ts(f'''CASE WHEN status = 'closed' THEN {sql.least("created + res_d + 86400",
                                                         f"{now} - 5")}
            WHEN status = 'resolved' THEN created + res_d
            WHEN status = 'open' THEN created
            ELSE created + ack_d END''')} AS updated_at,
  CASE WHEN status NOT IN ('open', 'rejected') THEN {ts('created + ack_d')} END
    AS acknowledged_at,
  CASE WHEN status IN ('resolved', 'closed') THEN {ts(sql.greatest('created + res_d',
                                                                   'created + ack_d'))} END
    AS resolved_at,
  CASE WHEN status = 'closed' THEN {ts(sql.least("created + res_d + 86400",
                                                  f"{now} - 5"))} END AS closed_at,
  {ts('created + ack_s')} AS ack_due_at,
  {ts('created + res_s')} AS resolve_due_at,
  {ts(f'created + ack_s * {ratio} / 1000')} AS ack_warn_at,
  {ts(f'created + res_s * {ratio} / 1000')} AS resolve_warn_at,
  1 AS version
FROM fin
ORDER BY created, n
"""


ISSUE_COLUMNS = (
    "group_id, number, category, summary, text, location_text, urgent, confidence, status, "
    "reporter_id, assignee_id, department_code, escalation_level, report_count, "
    "reject_reason, created_at, updated_at, acknowledged_at, resolved_at, closed_at, "
    "ack_due_at, resolve_due_at, ack_warn_at, resolve_warn_at, version")


async def build(db: Database, settings: Settings, spec: DistrictSpec | None = None,
                ) -> District:
    """Fill an empty database (migrated with `db.upgrade()`) with a district."""
    spec = spec or DistrictSpec()
    sql = _Sql(db.is_sqlite)
    started = time.perf_counter()
    out = District(spec)
    now = spec.now
    # --- org units: district → streets → communities → grids ------------------------------
    units: list[dict[str, Any]] = [{"id": 1, "name": "荷塘区", "level": "district",
                                    "parent_id": None}]
    out.units = {"district": [1], "street": [], "community": [], "grid": []}
    for s in range(spec.streets):
        sid = len(units) + 1
        units.append({"id": sid, "name": f"第{s + 1}街道", "level": "street", "parent_id": 1})
        out.units["street"].append(sid)
        for c in range(spec.communities_per_street):
            cid = len(units) + 1
            units.append({"id": cid, "name": f"{s + 1}街道第{c + 1}社区",
                          "level": "community", "parent_id": sid})
            out.units["community"].append(cid)
            for k in range(spec.grids_per_community):
                gid = len(units) + 1
                units.append({"id": gid, "name": f"{s + 1}-{c + 1}社区第{k + 1}网格",
                              "level": "grid", "parent_id": cid})
                out.units["grid"].append(gid)
    homes = out.units["district"] + out.units["street"] + out.units["community"]
    residents_groups = spec.groups - len(homes) - len(DEPARTMENTS)
    if residents_groups < 1:
        raise ValueError("too few groups for the org structure")
    # --- groups: residents' groups (ids 1..R, under the grids), home groups, departments --
    grids = out.units["grid"]
    groups: list[dict[str, Any]] = []
    created = now - timedelta(days=400)
    for n in range(1, spec.groups + 1):
        chat = -1_001_000_000_000 - n
        row = {"id": n, "chat_id": chat, "timezone": settings.timezone, "owner_id": n,
               "settings": {}, "last_number": 0, "department_code": None,
               "created_at": created}
        if n <= residents_groups:
            unit = grids[(n - 1) % len(grids)]
            row.update(title=f"{units[unit - 1]['name']}{(n - 1) // len(grids) + 1}号楼群",
                       org_unit_id=unit)
            out.resident_chats.append(chat)
        elif n <= residents_groups + len(homes):
            unit = homes[n - residents_groups - 1]
            row.update(title=f"{units[unit - 1]['name']}工作群", org_unit_id=unit)
            out.home_chats[unit] = chat
        else:
            code = DEPARTMENTS[n - residents_groups - len(homes) - 1]
            row.update(title=f"{code}部门群", org_unit_id=None, department_code=code)
            out.department_chats[code] = chat
        groups.append(row)
    async with db.engine.begin() as conn:
        if sql.sqlite:  # a big page cache: the indexes are built in memory, not on disk
            await conn.execute(text("PRAGMA cache_size = -2000000"))
        else:  # compiling these long expressions would take longer than running them
            await conn.execute(text("SET LOCAL jit = off"))
        await _people(conn, sql, spec)
        await conn.execute(insert(OrgUnit), [
            {**u, "chat_id": out.home_chats.get(u["id"])} for u in units])
        await conn.execute(insert(Group), groups)
        await conn.execute(insert(GroupAdmin), [
            {"group_id": n, "person_id": spec.groups + n} for n in range(1, spec.groups + 1)])
        await conn.execute(text(
            "INSERT INTO departments (code, name, chat_id) VALUES (:code, :name, :chat)"),
            [{"code": d.code, "name": d.name, "chat": out.department_chats.get(d.code)}
             for d in settings.departments])
        first_resident = 2 * spec.groups + 1
        if not sql.sqlite:  # a bulk load: the issues' indexes are built once, after it
            await conn.run_sync(_issue_indexes, False)
        await conn.execute(text(
            f"INSERT INTO issues ({ISSUE_COLUMNS}) "
            + _issues_sql(sql, spec, settings, residents_groups, first_resident)))
        await _numbers(conn)
        await _children(conn)
        await conn.run_sync(facts.fill)  # what the service keeps as issues move
        if not sql.sqlite:  # (PostgreSQL rewrites every index entry of a row it updates)
            await conn.run_sync(_issue_indexes, True)
        await _deliveries(conn, sql, out, spec, settings)
        if not sql.sqlite:
            for table in ("org_units", "people", "groups"):
                await conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    if not sql.sqlite:  # what autovacuum would do after a load this size
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    storm_end = now
    out.storm_window = (storm_end - timedelta(minutes=10), storm_end)
    out.seconds = round(time.perf_counter() - started, 1)
    return out


def _issue_indexes(conn: Connection, create: bool) -> None:
    """Drop or create the issues' indexes (those of the model, which the migrations make)."""
    for index in cast(Table, Issue.__table__).indexes:
        if create:
            index.create(conn)
        else:
            index.drop(conn)


async def _people(conn: AsyncConnection, sql: _Sql, spec: DistrictSpec) -> None:
    """Owners (1..G, 网格员), admins (G+1..2G), then residents."""
    total = 2 * spec.groups + spec.residents
    name = (f"CASE WHEN n <= {spec.groups} THEN '网格员' || CAST(n AS TEXT) "
            f"WHEN n <= {2 * spec.groups} THEN '楼长' || CAST(n AS TEXT) "
            "ELSE '居民' || CAST(n AS TEXT) END")
    await conn.execute(text(
        f"INSERT INTO people (id, name, username) WITH RECURSIVE {sql.nums(total)} "
        f"SELECT n, {name}, NULL FROM nums"))
    await conn.execute(text(
        "INSERT INTO person_identities (person_id, channel, external_id) "
        f"SELECT id, '{Channel.TELEGRAM}', CAST(7000000000 + id AS TEXT) FROM people"))


async def _numbers(conn: AsyncConnection) -> None:
    """Each group's counter, and the messages of each issue (numbered in order of arrival
    by the insert)."""
    await conn.execute(text(
        "UPDATE groups SET last_number = COALESCE((SELECT max(number) FROM issues "
        "WHERE issues.group_id = groups.id), 0)"))
    await conn.execute(text(
        "UPDATE issues SET source_message_id = number * 10, card_message_id = number * 10 + 1"))


async def _children(conn: AsyncConnection) -> None:
    """Reports (one per issue), the audit events of each issue's path, ratings."""
    await conn.execute(text(
        "INSERT INTO reports (issue_id, channel, scope, external_id, person_id, text, "
        f"created_at) SELECT i.id, '{Channel.TELEGRAM}', CAST(g.chat_id AS TEXT), "
        "CAST(i.source_message_id AS TEXT), i.reporter_id, i.text, i.created_at "
        "FROM issues i JOIN groups g ON g.id = i.group_id"))
    owner = "i.group_id"  # people 1..G own groups 1..G
    for kind, at, before, after, where in (
        ("acknowledge", "acknowledged_at", "open", "acknowledged", "acknowledged_at IS NOT NULL"),
        ("resolve", "resolved_at", "in_progress", "resolved", "resolved_at IS NOT NULL"),
        ("close", "closed_at", "resolved", "closed", "closed_at IS NOT NULL"),
        ("reject", "updated_at", "open", "rejected", "status = 'rejected'"),
    ):
        await conn.execute(text(
            "INSERT INTO events (issue_id, actor_id, at, kind, from_status, to_status, note) "
            f"SELECT i.id, {owner}, i.{at}, '{kind}', '{before}', '{after}', NULL "
            f"FROM issues i WHERE {where}"))
    h, hs = _h(12, "CAST(i.id AS BIGINT)"), _h(13, "CAST(i.id AS BIGINT)")
    await conn.execute(text(
        "INSERT INTO ratings (issue_id, person_id, score, at) "
        f"SELECT i.id, i.reporter_id, CASE WHEN {hs} % 10 < 7 THEN 5 "
        f"WHEN {hs} % 10 < 9 THEN 3 ELSE 1 END, COALESCE(i.closed_at, i.resolved_at) "
        f"FROM issues i WHERE i.status IN ('resolved', 'closed') AND {h} < 400000"))


async def _deliveries(conn: AsyncConnection, sql: _Sql, out: District, spec: DistrictSpec,
                      settings: Settings) -> None:
    """Each residents' group's daily digest and progress post of the last days, as sent."""
    from zoneinfo import ZoneInfo

    today = spec.now.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
    day = (f"date('{today}', '-' || CAST(n AS TEXT) || ' days')" if sql.sqlite
           else f"CAST(DATE '{today}' - CAST(n AS integer) AS TEXT)")
    noon = (f"{day} || ' 12:00:00.000000'" if sql.sqlite
            else f"CAST(DATE '{today}' - CAST(n AS integer) AS timestamp) "
                 "AT TIME ZONE 'UTC' + INTERVAL '12 hours'")
    last = len(out.resident_chats)
    for kind in ("digest", "progress"):
        await conn.execute(text(
            "INSERT INTO deliveries (key, chat_id, status, message_id, claimed_at, sent_at, "
            f"attempts) WITH RECURSIVE {sql.nums(spec.delivery_days)} "
            f"SELECT '{kind}:' || CAST(g.chat_id AS TEXT) || ':' || {day}, "
            f"g.chat_id, 'sent', n, {noon}, {noon}, 1 FROM nums, groups g "
            f"WHERE g.id <= {last}"))


async def cached_sqlite(spec: DistrictSpec, settings: Settings,
                        log: Any = None) -> tuple[Path, District]:
    """A generated SQLite district, built once per spec and kept in bench/.cache/."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"district-{spec.key()}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:  # a district made before a migration gets it (its indexes, its facts)
            await db.upgrade()
        finally:
            await db.dispose()
        d = json.loads(meta.read_text())
        start, end = (datetime.fromisoformat(x) for x in d["storm_window"])
        return path, District(spec, d["resident_chats"],
                              {int(k): v for k, v in d["home_chats"].items()},
                              d["department_chats"], d["units"], (start, end), d["seconds"])
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    db = Database(f"sqlite+aiosqlite:///{tmp}")
    try:
        await db.upgrade()
        district = await build(db, settings, spec)
    finally:
        await db.dispose()
    if log:
        log(f"generated {spec.issues:,} issues in {district.seconds} s")
    shutil.move(tmp, path)
    assert district.storm_window is not None
    meta.write_text(json.dumps({
        "resident_chats": district.resident_chats, "home_chats": district.home_chats,
        "department_chats": district.department_chats, "units": district.units,
        "storm_window": [t.isoformat() for t in district.storm_window],
        "seconds": district.seconds}))
    return path, district
