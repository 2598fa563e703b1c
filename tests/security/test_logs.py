"""#15 item 9: `suqiu -v run` never writes the bot token (or another secret) into its log."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sandbox.server import Sandbox
from tests.ledgers import migrated_sqlite


async def test_verbose_run_keeps_the_token_out_of_the_log(tmp_path: Path) -> None:
    """The real command against the sandbox, debug logging on, until the bot has polled."""
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    config = tmp_path / "settings.yaml"
    config.write_text("bot: {poll_timeout: 1}\nschedule: {enabled: false}\n")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": sandbox.token,
           "SUQIU_TELEGRAM_API_URL": sandbox.bot_api_base,
           "SUQIU_TELEGRAM_FILE_URL": sandbox.bot_file_base,
           "SUQIU_DATABASE_URL": migrated_sqlite(tmp_path / "run.db"),
           "SUQIU_CONFIG": str(config), "SUQIU_OPEN311_API_KEY": "open311-secret-key"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "-v", "run", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("polling Telegram" in line for line in lines):
                raw = await proc.stdout.readline()
                assert raw, "suqiu run ended early:\n" + "".join(lines)
                lines.append(raw.decode())
            await asyncio.sleep(2)  # a few getUpdates rounds, logged at debug level
    finally:
        proc.terminate()
        rest, _ = await proc.communicate()
        await sandbox.stop()
    log = "".join(lines) + rest.decode()
    assert " DEBUG telegram" in log  # the debug lines that used to carry the URL are there
    secret = sandbox.token.split(":", 1)[1]
    assert secret not in log
    assert "open311-secret-key" not in log
