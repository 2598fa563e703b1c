"""A district to measure with: groups under district → street → community → grid units (the
groups are the fifth level), their owners, workers and residents, and issues over a year with a
realistic mix — most closed on time, some late, some rejected, open ones green, yellow and red,
ratings 满意/基本满意/不满意, reopens after 不满意, departments, assignees, and the same place
and category coming back within weeks (repeat complaints).

Rows are written with Core executemany in batches (the ORM would take minutes for a million).
Deterministic for a seed. `bench/supervision_bench.py` uses it; the district-scale bench
(`bench/district_bench.py`) is meant to reuse `fill_district`.

    from bench.district_data import fill_district
    shape = await fill_district(db, settings, groups=2000, issues=1_000_000, now=NOW)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from issues.db import Database
from issues.models import Event, Group, Issue, OrgUnit, Person, PersonIdentity, Rating
from issues.people import CHAT
from issues.settings import Settings
from nlp.types import CATEGORIES

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CATS = [c for c in CATEGORIES if c != "other"]
BATCH = 20_000


@dataclass(frozen=True)
class DistrictShape:
    district_id: int
    street_ids: list[int]
    community_ids: list[int]
    grid_ids: list[int]
    group_chat_ids: list[int]
    worker_user_ids: list[int]
    issues: int


async def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for n in range(0, len(rows), BATCH):
        async with db.sessionmaker() as s, s.begin():
            await s.execute(insert(model), rows[n:n + BATCH])


async def _ids(db: Database, model: Any, col: Any, values: list[Any]) -> dict[Any, int]:
    async with db.sessionmaker() as s:
        rows = (await s.execute(select(col, model.id))).all()
    wanted = set(values)
    return {v: i for v, i in rows if v in wanted}


async def fill_district(db: Database, settings: Settings, groups: int = 2000,
                        issues: int = 1_000_000, now: datetime = NOW, streets: int = 12,
                        communities_per_street: int = 10, grids_per_community: int = 4,
                        seed: int = 1) -> DistrictShape:
    """Write the district into an empty, migrated database."""
    rnd = random.Random(seed)
    # Org units, top down (names are unique per level).
    await _insert(db, OrgUnit, [{"name": "荷塘区", "level": "district", "parent_id": None}])
    district = (await _ids(db, OrgUnit, OrgUnit.name, ["荷塘区"]))["荷塘区"]
    street_names = [f"第{n + 1}街道" for n in range(streets)]
    await _insert(db, OrgUnit, [{"name": n, "level": "street", "parent_id": district}
                                for n in street_names])
    street_ids = await _ids(db, OrgUnit, OrgUnit.name, street_names)
    comm = [(f"{s}·{c + 1}社区", street_ids[s]) for s in street_names
            for c in range(communities_per_street)]
    await _insert(db, OrgUnit, [{"name": n, "level": "community", "parent_id": p}
                                for n, p in comm])
    comm_ids = await _ids(db, OrgUnit, OrgUnit.name, [n for n, _ in comm])
    grid = [(f"{c}·{g + 1}网格", comm_ids[c]) for c, _ in comm
            for g in range(grids_per_community)]
    await _insert(db, OrgUnit, [{"name": n, "level": "grid", "parent_id": p} for n, p in grid])
    grid_ids = await _ids(db, OrgUnit, OrgUnit.name, [n for n, _ in grid])
    grid_list = [grid_ids[n] for n, _ in grid]
    # People: an owner per group, workers, residents.
    workers = [900_000 + n for n in range(max(10, groups // 4))]
    residents = [2_000_000 + n for n in range(max(100, groups * 5))]
    owners = [1_000_000 + n for n in range(groups)]
    everyone = ([(u, f"网格员{u % 100000}") for u in owners]
                + [(u, f"师傅{u % 100000}") for u in workers]
                + [(u, f"居民{u % 100000}") for u in residents])
    pid = {u: n + 1 for n, (u, _) in enumerate(everyone)}  # people ids given: one pass
    await _insert(db, Person, [{"id": pid[u], "name": name} for u, name in everyone])
    await _insert(db, PersonIdentity, [{"person_id": pid[u], "channel": CHAT,
                                        "external_id": str(u)} for u, _ in everyone])
    chats = [-1_000_000_000_000 - n for n in range(groups)]
    await _insert(db, Group, [{
        "chat_id": c, "title": f"{n + 1}号楼群", "timezone": settings.timezone,
        "owner_id": pid[owners[n]], "org_unit_id": grid_list[n % len(grid_list)],
        "settings": {}, "last_number": 0, "created_at": now - timedelta(days=400)}
        for n, c in enumerate(chats)])
    gid = await _ids(db, Group, Group.chat_id, chats)
    depts = [d.code for d in settings.departments] or [None]
    await _issues(db, settings, rnd, [gid[c] for c in chats], [pid[u] for u in workers],
                  [pid[u] for u in residents], depts, issues, now)
    return DistrictShape(district, list(street_ids.values()), list(comm_ids.values()),
                         grid_list, chats, workers, issues)


async def _issues(db: Database, settings: Settings, rnd: random.Random, group_ids: list[int],
                  worker_ids: list[int], resident_ids: list[int], depts: list[str | None],
                  total: int, now: datetime) -> None:
    numbers = dict.fromkeys(group_ids, 0)
    places = [f"{n}栋门口" for n in range(1, 31)]
    year = 365 * 86400
    next_id = 1
    for base in range(0, total, BATCH):
        issues, ratings, events = [], [], []
        for _ in range(base, min(total, base + BATCH)):
            g = rnd.choice(group_ids)
            numbers[g] += 1
            cat = rnd.choice(CATS)
            urgent = rnd.random() < 0.02
            sla = settings.sla_for(cat, urgent)
            # Newer days busier than old ones (a deployment that grew over the year).
            created = now - timedelta(seconds=int(year * (rnd.random() ** 1.3)))
            age = now - created
            ack_due, res_due = created + sla.ack, created + sla.resolve
            row: dict[str, Any] = {
                "id": next_id, "group_id": g, "number": numbers[g], "category": cat,
                "summary": "门口的问题", "text": "门口的问题好几天了",
                "location_text": rnd.choice(places), "urgent": urgent, "confidence": 0.8,
                "reporter_id": rnd.choice(resident_ids), "escalation_level": 0,
                "report_count": 1, "created_at": created, "ack_due_at": ack_due,
                "resolve_due_at": res_due, "ack_warn_at": created + sla.ack * 0.75,
                "resolve_warn_at": created + sla.resolve * 0.75, "version": 1,
                "status": "open", "acknowledged_at": None, "resolved_at": None,
                "closed_at": None, "assignee_id": None, "department_code": None,
            }
            # Most accepted within the time allowed, some late, some never (still open).
            ack_after = sla.ack * (rnd.random() * 0.9 if rnd.random() < 0.85
                                   else 1 + rnd.random() * 3)
            res_after = sla.resolve * (rnd.random() * 0.95 if rnd.random() < 0.8
                                       else 1 + rnd.random() * 2)
            fate = rnd.random()
            if rnd.random() < 0.4:
                row["assignee_id"] = rnd.choice(worker_ids)
            if rnd.random() < 0.15:
                row["department_code"] = rnd.choice(depts)
                row["escalation_level"] = 1
            if fate < 0.04:
                row.update(status="rejected", closed_at=created + ack_after)
            elif ack_after > age:
                pass  # not accepted yet: open, its light by its age
            elif res_after > age or fate > 0.985:
                row.update(status="in_progress", acknowledged_at=created + ack_after)
            else:
                done = created + res_after
                row.update(acknowledged_at=created + ack_after, resolved_at=done)
                r = rnd.random()
                if r < 0.6 and done + timedelta(hours=6) < now:
                    score = 5 if r < 0.45 else 3 if r < 0.54 else 1
                    at = done + timedelta(hours=rnd.randint(1, 6))
                    ratings.append({"issue_id": next_id, "person_id": row["reporter_id"],
                                    "score": score, "at": at})
                    if score == 1:  # 不满意 reopens it; most are done again within days
                        events.append({"issue_id": next_id, "actor_id": row["reporter_id"],
                                       "at": at, "kind": "rate", "from_status": "resolved",
                                       "to_status": "in_progress"})
                        again = at + sla.resolve * rnd.random()
                        if again < now and rnd.random() < 0.8:
                            row.update(status="resolved", resolved_at=again)
                        else:
                            row.update(status="in_progress", resolved_at=None)
                    else:
                        row.update(status="closed", closed_at=at)
                else:
                    row["status"] = "resolved"
            row["updated_at"] = max(v for v in (created, row["acknowledged_at"],
                                                row["resolved_at"]) if v is not None)
            issues.append(row)
            next_id += 1
        await _insert(db, Issue, issues)
        await _insert(db, Rating, ratings)
        await _insert(db, Event, events)
    async with db.sessionmaker() as s, s.begin():
        for g, n in numbers.items():
            if n:
                await s.execute(Group.__table__.update().where(Group.id == g)
                                .values(last_number=n))
        if not db.is_sqlite:  # ids were given: move the sequences past them
            for table in ("issues", "people"):
                await s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
