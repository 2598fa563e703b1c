"""#15 item 10: a webhook path of the deployer's choosing reaches the bot, not the dashboard's
login; only that exact path is open."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_application
from bot.cli.run import dashboard_site
from bot.serve.runner import _site_app
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings

UPDATE = {"update_id": 7, "message": {
    "message_id": 1, "date": 1_764_000_000, "text": "/help",
    "chat": {"id": -100, "type": "supergroup", "title": "幸福社区3栋群"},
    "from": {"id": 5, "is_bot": False, "first_name": "李阿姨"}}}


async def test_custom_webhook_path_is_not_caught_by_the_login(tmp_path: Path) -> None:
    settings = load_settings(
        overrides={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
                   "bot": {"webhook_path": "/hooks/suqiu-7f3a"}},
        env={"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "SUQIU_WEBHOOK_SECRET": "s3cret",
             "SUQIU_DASHBOARD_TOKEN": "read"})
    application = build_application(settings)
    db = Database(settings.database_url)
    await db.upgrade()
    application.bot_data.service = IssueService(db, settings)
    client = TestClient(TestServer(_site_app(application, settings, dashboard_site(settings))))
    await client.start_server()
    try:
        ok = await client.post("/hooks/suqiu-7f3a", json=UPDATE, allow_redirects=False,
                               headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert ok.status == 200 and await ok.text() == "ok"
        assert application.update_queue.qsize() == 1
        refused = await client.post("/hooks/suqiu-7f3a", json=UPDATE, allow_redirects=False)
        assert refused.status == 401
        # Only the webhook's own path is open: its neighbours still need the login.
        near = await client.get("/hooks/suqiu-7f3a/x", allow_redirects=False)
        assert near.status == 302 and near.headers["Location"].startswith("/login")
        other = await client.get("/telegram/anything", allow_redirects=False)
        assert other.status == 302
    finally:
        await client.close()
        await db.dispose()
