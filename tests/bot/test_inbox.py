"""The poller's inbox: updates stored before they are confirmed to Telegram are handled on the
next start when the process stopped before handling them, once even when Telegram sends them
again, and leave the inbox once handled."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update

from bot.app import build_application
from bot.serve.inbox import Inbox
from bot.serve.polling import start_polling, stop_bot
from bot.serve.queue import DurableQueue, StoredFirst
from issues.db import Database
from issues.service import IssueService
from issues.unit_of_work import UnitOfWork
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.bot.conftest import Harness, bot_settings
from tests.ledgers import migrated_sqlite
from tests.offline import OfflineRequest, OfflineTelegram


def _inbox(svc: IssueService | None) -> Inbox:
    assert svc is not None
    return Inbox(svc.uow, svc.clock)


async def _drained(svc: IssueService | None) -> bool:
    for _ in range(100):
        if not await _inbox(svc).pending():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_stored_but_unhandled_updates_are_handled_after_a_restart(tmp_path: Path) -> None:
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    settings = bot_settings(migrated_sqlite(tmp_path / "bot.db"))

    def new_app():  # type: ignore[no-untyped-def]
        return build_application(settings, token=sandbox.token, base_url=sandbox.bot_api_base)

    try:
        app = new_app()
        await start_polling(app, settings)
        owner = await client.create_user("王网格")
        resident = await client.create_user("李阿姨")
        chat = await client.create_chat("幸福社区3栋群", owner)
        await client.add_member(chat, resident)
        await client.add_bot(chat)
        await client.wait_for(chat, lambda m: "诉求助手" in (m.get("text") or ""))
        assert await _drained(app.bot_data.service)  # handled updates left the inbox
        await stop_bot(app)

        # While the bot is down a resident reports; then a run fetches and stores the update,
        # confirms it to Telegram and dies before handling it.
        sent = await client.send(chat, resident, "3栋门口路灯坏了好几天了 晚上黑漆漆的")
        pending = list(sandbox.state.updates)
        assert [u["message"]["message_id"] for u in pending] == [sent["message_id"]]
        app = new_app()
        await app.initialize()
        await app.post_init(app)  # type: ignore[misc]
        await _inbox(app.bot_data.service).put(
            [(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in pending])
        sandbox.state.updates.clear()
        await app.post_shutdown(app)  # type: ignore[misc]
        await app.shutdown()

        app = new_app()
        await start_polling(app, settings)
        card = await client.wait_for(
            chat, lambda m: "📌" in (m.get("text") or "")
            and (m.get("reply_to_message") or {}).get("message_id") == sent["message_id"])
        assert "路灯照明" in card["text"]
        svc = app.bot_data.service
        for _ in range(100):  # the card is in the chat before the bot stores its id
            issue = await svc.find_by_source_message(chat, sent["message_id"])
            if issue is not None and issue.card_message_id is not None:
                break
            await asyncio.sleep(0.05)
        assert issue is not None and issue.card_message_id == card["message_id"]
        assert await _drained(svc)
        await stop_bot(app)

        # Died between writing the inbox and confirming to Telegram: the update comes back
        # from both sides, and is handled once.
        ask = await client.send(chat, owner, "/help")
        pending = list(sandbox.state.updates)
        app = new_app()
        await app.initialize()
        await app.post_init(app)  # type: ignore[misc]
        await _inbox(app.bot_data.service).put(
            [(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in pending])
        await app.post_shutdown(app)  # type: ignore[misc]
        await app.shutdown()
        app = new_app()
        await start_polling(app, settings)
        await client.wait_for(chat, lambda m: (m.get("reply_to_message") or {}).get(
            "message_id") == ask["message_id"])
        assert await _drained(app.bot_data.service)
        await stop_bot(app)
        answers = [m for m in await client.bot_messages(chat)
                   if (m.get("reply_to_message") or {}).get("message_id") == ask["message_id"]]
        assert len(answers) == 1
    finally:
        await client.close()
        await sandbox.stop()


class _Telegram(OfflineRequest):
    """Telegram's side of getUpdates: notes what the inbox's file holds the moment it is asked
    (read at once, without giving the event loop a turn)."""

    def __init__(self, ledger: Path) -> None:
        super().__init__(OfflineTelegram())
        self.ledger, self.held_when_asked = ledger, list[list[int]]()

    async def do_request(self, url: str, method: str, *_: object,
                         **__: object) -> tuple[int, bytes]:
        with contextlib.closing(sqlite3.connect(self.ledger)) as conn:
            ids = conn.execute("SELECT update_id FROM inbox ORDER BY update_id").fetchall()
        self.held_when_asked.append([u for (u,) in ids])
        return 200, b'{"ok": true, "result": []}'


async def test_the_next_getupdates_waits_until_the_batch_is_stored(tmp_path: Path) -> None:
    """The Updater puts a batch and asks for the next one, whose offset confirms the batch:
    by then the whole batch is in the inbox (written together, as one transaction)."""
    db = Database(migrated_sqlite(tmp_path / "bot.db"))
    try:
        queue = DurableQueue()
        queue.attach(Inbox(UnitOfWork(db), lambda: datetime.now(UTC)))
        telegram = _Telegram(tmp_path / "bot.db")
        for update_id in (41, 42, 43):
            await queue.put(Update(update_id))
        await StoredFirst(telegram, queue).post("https://api.telegram.org/bot1:x/getUpdates")
        assert telegram.held_when_asked == [[41, 42, 43]]
        assert [queue.get_nowait().update_id for _ in range(3)] == [41, 42, 43]  # handed on
    finally:
        await db.dispose()


async def test_an_update_handled_before_its_write_is_not_stored(tmp_path: Path) -> None:
    """Handlers get a moment before the inbox is written: an update handled by then (most
    chat, a complaint's card) needs no inbox row, and the next getUpdates goes at once; one
    still in hand is written before that getUpdates, as above."""
    db = Database(migrated_sqlite(tmp_path / "bot.db"))
    try:
        queue = DurableQueue()
        queue.attach(Inbox(UnitOfWork(db), lambda: datetime.now(UTC)))
        telegram = _Telegram(tmp_path / "bot.db")
        for update_id in (51, 52):
            await queue.put(Update(update_id))
        queue.handled(queue.get_nowait())  # 51: handled at once; 52 still in hand
        await StoredFirst(telegram, queue).post("https://api.telegram.org/bot1:x/getUpdates")
        assert telegram.held_when_asked == [[52]]
        queue.handled(queue.get_nowait())
        await queue.close()  # the removal of 52, once handled
        assert await Inbox(UnitOfWork(db), lambda: datetime.now(UTC)).pending() == []
    finally:
        await db.dispose()


MAX_RETRIES = 5  # bot.rate_limits.max_retries in tests/bot/conftest.py


async def _failed_get_updates(h: Harness, code: int, count: int, timeout: float = 60) -> None:
    """Wait until getUpdates has been answered with `code` (or another 5xx for 500) `count`
    times."""
    def failed(c: dict[str, object]) -> bool:
        got = c.get("error_code")
        return not c.get("ok") and (got == code or (code == 500 and isinstance(got, int)
                                                    and got >= 500))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len([c for c in await h.client.calls("getUpdates") if failed(c)]) < count:
        assert loop.time() < deadline, f"getUpdates was not answered {code} {count} times"
        await asyncio.sleep(0.1)


async def test_polling_survives_getupdates_failures(harness: Harness) -> None:
    """Telegram answering getUpdates with 429 and 500 for a while: the poller keeps going
    and the complaint posted meanwhile gets its card."""
    h = harness
    g = await h.group()
    # 429s for longer than the rate limiter retries them (5 × 1 s), then 5xx.
    await h.client.set_faults(error_rate=1.0, codes=(429,), methods=["getUpdates"],
                              retry_after=1)
    sent = await h.say(g["chat"], g["residents"][0], "5栋楼下下水道堵了 脏水冒出来了")
    await _failed_get_updates(h, 429, MAX_RETRIES + 2)  # past the limiter: the poller's turn
    await h.client.set_faults(error_rate=1.0, codes=(500, 502), methods=["getUpdates"])
    await _failed_get_updates(h, 500, 2)
    await h.client.set_faults(error_rate=0)
    card = await h.reply_from_bot(g["chat"], sent["message_id"],
                                  lambda m: "📌" in (m.get("text") or ""), timeout=40)
    assert "排水" in card["text"]
