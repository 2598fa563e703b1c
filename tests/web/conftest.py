"""A small district for the dashboard's tests: a street with two communities and their groups,
issues in every state (late ones, a located one with a photo, an escalated one, rated ones),
and the dashboard app on top, on both databases."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from web.app import make_app

OWNER = PersonRef(1, "王网格", "wang_wangge")
OWNER2 = PersonRef(5, "赵网格", None)
RES = PersonRef(2, "李阿姨", None)
WORKER = PersonRef(3, "张师傅", "zhang_shifu")
CHAT, CHAT2, CHAT3 = -100, -101, -102
GEOJSON = Path(__file__).resolve().parents[2] / "config" / "examples" / "district-units.geojson"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (235, 87, 87)) -> bytes:
    """A real PNG of one colour (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def det(category: str, place: str, summary: str, urgent: bool = False) -> Detection:
    return Detection(True, category, 0.9, urgent, place, summary)


class Clock:
    """The service's clock, moved by the tests (issues made 'days ago' turn red). A fixed
    afternoon in the middle of a month, so "today" and "this month" hold the fixture's
    issues whenever the suite runs (the wall clock put them in last month on the 1st)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Dash:
    client: TestClient
    svc: IssueService
    clock: Clock
    fetched: list[str] = field(default_factory=list)
    street_id: int = 0
    community_id: int = 0


async def build(db_url: str, cache: Path
                ) -> tuple[IssueService, Clock, list[str], web.Application]:
    env = {"SUQIU_DASHBOARD_TOKEN": "read-secret", "SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-secret",
           "SUQIU_OPEN311_API_KEY": "key-311"}
    settings = load_settings(overrides={
        "database_url": db_url, "trust": {"district_admins": [OWNER.user_id, OWNER2.user_id]},
        "web": {"open311_group": CHAT, "open311_public_groups": [CHAT, CHAT2, CHAT3],
                "photo_cache": str(cache),
                "map": {"units_geojson": str(GEOJSON)}}}, env=env)
    clock = Clock()
    svc = IssueService(Database(db_url), settings, clock=clock)
    real_now = clock.now
    # Two days ago: the street light (3 d to resolve) is still green, the drain (2 d) red.
    clock.now = real_now - timedelta(days=2, hours=1)
    await svc.register_group(CHAT, "幸福社区3栋群", OWNER, [OWNER])
    await svc.join_org_unit(CHAT, OWNER.user_id, "幸福社区", "community", "东风街道")
    await svc.intake(CHAT, 1, RES, "3栋门口路灯坏了好几天了",
                     det("streetlight", "3栋门口", "3栋门口路灯坏了"))
    await svc.intake(CHAT, 2, RES, "5栋下水道堵了 电话13812345678",
                     det("drainage", "5栋", "5栋下水道堵了"))
    await svc.set_location(CHAT, 2, RES, 28.1800, 112.9620)
    await svc.add_photo(CHAT, 2, RES, "photo-file-1")
    clock.now = real_now - timedelta(days=1)
    await svc.resolve(CHAT, 1, OWNER, "换了新灯")
    await svc.rate(CHAT, 1, RES, 5)
    await svc.escalate(CHAT, 2, OWNER, "chengguan")
    clock.now = real_now - timedelta(hours=3, minutes=10)
    await svc.register_group(CHAT2, "和平社区7栋群", OWNER2, [OWNER2])
    await svc.join_org_unit(CHAT2, OWNER2.user_id, "和平社区", "community", "东风街道")
    await svc.intake(CHAT2, 1, RES, "7栋电梯又坏了", det("elevator", "7栋", "7栋电梯坏了"))
    await svc.assign(CHAT2, 1, OWNER2, WORKER)
    await svc.set_location(CHAT2, 1, RES, 28.1950, 112.9750)
    await svc.intake(CHAT2, 2, RES, "小区门口垃圾没人清", det("garbage", "小区门口", "垃圾没人清"))
    await svc.resolve(CHAT2, 2, OWNER2, "已清运")
    await svc.rate(CHAT2, 2, RES, 1)
    await svc.register_group(CHAT3, "幸福社区5栋群", OWNER, [OWNER])
    await svc.join_org_unit(CHAT3, OWNER.user_id, "幸福社区", "community", "东风街道")
    await svc.intake(CHAT3, 1, RES, "5栋楼道灯不亮", det("streetlight", "5栋楼道", "楼道灯不亮"))
    clock.now = real_now
    fetched: list[str] = []

    async def fetch(file_id: str) -> bytes:
        fetched.append(file_id)
        if file_id != "photo-file-1":
            raise RuntimeError("Bad Request: invalid file_id")
        return png()

    return svc, clock, fetched, make_app(settings, svc, photos=fetch)


@pytest.fixture
async def dash(db_url: str, tmp_path: Path) -> AsyncIterator[Dash]:
    svc, clock, fetched, app = await build(db_url, tmp_path / "photos")
    client = TestClient(TestServer(app))
    await client.start_server()
    units = {name: uid for uid, name, _level, _chat in await svc.org_units()}
    try:
        yield Dash(client, svc, clock, fetched, units["东风街道"], units["幸福社区"])
    finally:
        await client.close()
        await svc.db.dispose()


async def login(client: TestClient, token: str = "read-secret") -> None:
    resp = await client.post("/login", data={"token": token, "next": "/"},
                             allow_redirects=False)
    assert resp.status == 302
