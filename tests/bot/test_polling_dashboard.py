"""`suqiu run` polling Telegram, as a community runs it on one machine: with a dashboard token
set, the dashboard is served too (web.host, web.port), since polling has no webhook server
whose address it could share."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from sandbox.server import Sandbox
from tests.ledgers import migrated_sqlite
from tests.proofs.balancer import free_port

ROOT = Path(__file__).resolve().parents[2]


async def test_a_polling_bot_serves_the_dashboard(tmp_path: Path) -> None:
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    port = free_port()
    config = tmp_path / "site.yaml"
    config.write_text(f"web: {{host: 127.0.0.1, port: {port}}}\n"
                      "schedule: {enabled: false}\n")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": sandbox.token,
           "SUQIU_TELEGRAM_API_URL": sandbox.bot_api_base,
           "SUQIU_TELEGRAM_FILE_URL": sandbox.bot_file_base,
           "SUQIU_DATABASE_URL": migrated_sqlite(tmp_path / "suqiu.db"),
           "SUQIU_CONFIG": str(config), "SUQIU_DASHBOARD_TOKEN": "read-token-for-test"}
    env.pop("SUQIU_WEBHOOK_URL", None)
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # unsafe: keep the session cookie of an address given by IP
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            page = ""
            for _ in range(240):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/?token=read-token-for-test"
                                        ) as r:
                        page = await r.text()
                        break
                except aiohttp.ClientConnectionError:
                    assert bot.returncode is None, "suqiu run stopped"
                    await asyncio.sleep(0.25)
            assert "总览" in page and "今日收到" in page
        async with aiohttp.ClientSession() as stranger, stranger.get(
                f"http://127.0.0.1:{port}/issues", allow_redirects=False) as r:
            assert r.status in (302, 303, 401)  # nobody gets in without the token
    finally:
        bot.terminate()
        await asyncio.wait_for(bot.wait(), 20)
        await sandbox.stop()
