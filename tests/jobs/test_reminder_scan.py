"""The tick's reminder scan on both databases, through the real PTB Bot and the sandbox: every
light that turned since the last scan gets its reminder in one tick, however many (a page
used to be the limit), once; quiet hours hold reminders until morning; a failed send is sent
on a later tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import Bot

from bot.jobs.scheduler import tick
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.issues.conftest import Clock

pytestmark = pytest.mark.slow
OWNER = PersonRef(0, "王网格", "wang_wangge")
RESIDENT = PersonRef(7001, "李阿姨", None)


@dataclass
class World:
    sandbox: Sandbox
    client: SandboxClient
    bot: Bot
    svc: IssueService
    clock: Clock

    async def group(self, title: str) -> int:
        owner = await self.client.create_user("王网格", username="wang_wangge")
        chat = await self.client.create_chat(title, owner)
        await self.client.add_bot(chat)
        who = PersonRef(owner, "王网格", "wang_wangge")
        await self.svc.register_group(chat, title, who, [who])
        return chat

    async def complaints(self, chat: int, n: int) -> None:
        """n complaints about n different buildings, 50 at a time (intake in batches)."""
        for first in range(0, n, 50):
            await asyncio.gather(*(self.svc.intake(chat, 10 + k, RESIDENT, f"{k}号楼路灯坏了",
                                                   Detection(True, "streetlight", 0.9, False,
                                                             f"{k}号楼", f"{k}号楼路灯坏了"))
                                   for k in range(first, min(n, first + 50))))

    async def reminders(self, chat: int, word: str = "已超过") -> list[str]:
        return [m.get("text") or "" for m in await self.client.bot_messages(chat)
                if word in (m.get("text") or "")]


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    settings = load_settings(overrides={
        "database_url": db_url, "schedule": {"quiet_hours": ""},
        "sla": {"default": {"ack": "1h", "resolve": "4h"},
                "categories": {"streetlight": {"ack": "1h", "resolve": "4h"}},
                "escalation_grace": "1d"}}, env={})
    db = Database(db_url)
    clock = Clock()
    svc = IssueService(db, settings, clock=clock)
    bot = Bot(sandbox.token, base_url=sandbox.bot_api_base)
    await bot.initialize()
    try:
        yield World(sandbox, client, bot, svc, clock)
    finally:
        await bot.shutdown()
        await client.close()
        await sandbox.stop()
        await db.dispose()


async def test_every_reminder_due_goes_out_in_one_tick_and_only_once(world: World) -> None:
    chat = await world.group("幸福社区3栋群")
    await world.complaints(chat, 520)  # more than a page of the old scan (500)
    await tick(world.bot, world.svc)  # the scan's mark: now
    world.clock.advance(hours=2)  # every acknowledge clock turned red an hour ago
    await tick(world.bot, world.svc)
    red = await world.reminders(chat)
    assert len(red) == 520
    assert len({t.split("·")[0] for t in red}) == 520  # each issue once
    world.clock.advance(minutes=1)
    await tick(world.bot, world.svc)
    assert len(await world.reminders(chat)) == 520


async def test_the_first_scan_reminds_lights_that_turned_before_it(world: World) -> None:
    """A ledger with no scan mark yet (a new install, or one upgraded from before the
    marks) still reminds every issue that is late now, once."""
    chat = await world.group("幸福社区4栋群")
    await world.complaints(chat, 3)
    world.clock.advance(hours=2)  # red an hour before the bot's first tick
    await tick(world.bot, world.svc)
    assert len(await world.reminders(chat)) == 3
    world.clock.advance(minutes=1)
    await tick(world.bot, world.svc)
    assert len(await world.reminders(chat)) == 3


async def test_quiet_hours_hold_reminders_until_morning(world: World) -> None:
    chat = await world.group("幸福社区5栋群")
    await world.complaints(chat, 3)
    await tick(world.bot, world.svc)
    owner = (await world.svc.get_group(chat))
    assert owner is not None and owner.owner is not None and owner.owner.user_id is not None
    # 10:00 in Shanghai now; quiet from 11:00 to 13:00; the clocks turn red at 11:00.
    await world.svc.update_group_settings(chat, owner.owner.user_id, quiet_hours="11:00-13:00")
    world.clock.advance(hours=1, minutes=30)
    await tick(world.bot, world.svc)
    assert await world.reminders(chat) == []
    world.clock.advance(hours=1, minutes=31)  # 13:01
    await tick(world.bot, world.svc)
    assert len(await world.reminders(chat)) == 3


async def test_a_failed_reminder_is_sent_on_a_later_tick(world: World) -> None:
    chat = await world.group("幸福社区7栋群")
    await world.complaints(chat, 4)
    await tick(world.bot, world.svc)
    world.clock.advance(hours=2)
    await world.client.set_faults(error_rate=1.0, codes=[400])
    await tick(world.bot, world.svc)
    await world.client.set_faults(error_rate=0)
    assert await world.reminders(chat) == []
    world.clock.advance(minutes=1)
    await tick(world.bot, world.svc)
    assert len(await world.reminders(chat)) == 4



async def test_a_reminder_to_a_group_that_became_a_supergroup_follows_it(world: World) -> None:
    """The tick learns of the move from Telegram's refusal (ChatMigrated): the group is
    moved in the ledger and its reminders go to the new chat on the next tick."""
    owner = await world.client.create_user("王网格", username="wang_wangge")
    old = await world.client.create_chat("幸福社区8栋群", owner, type="group")
    await world.client.add_bot(old)
    who = PersonRef(owner, "王网格", "wang_wangge")
    await world.svc.register_group(old, "幸福社区8栋群", who, [who])
    await world.complaints(old, 3)
    await tick(world.bot, world.svc)
    new = await world.client.migrate(old)  # nobody tells the ledger
    world.clock.advance(hours=2)
    await tick(world.bot, world.svc)
    assert await world.svc.get_group(old) is None
    assert (await world.svc.get_issue(new, 3)).number == 3
    world.clock.advance(minutes=1)
    await tick(world.bot, world.svc)
    assert len(await world.reminders(new)) == 3
