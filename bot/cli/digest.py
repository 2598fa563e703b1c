"""`suqiu digest [--chat ID] [--dry-run]`: today's digest now, for one group or all."""

from __future__ import annotations

import argparse
import asyncio
import sys

from telegram.ext import ExtBot

from bot.app import bot_defaults
from bot.present.html import plain_text
from bot.present.posts import digest_html
from bot.present.templates import use_templates
from bot.settings import bot_settings
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings


def digest_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    use_templates(settings.templates_dir)
    tg = bot_settings(settings)
    if not args.dry_run and not tg.token:
        print("需要 TELEGRAM_BOT_TOKEN 才能发送；只看内容请加 --dry-run。", file=sys.stderr)
        return 2

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            await db.require_current()
            svc = IssueService(db, settings)
            groups = [g for g in await svc.list_groups() if not g.department_code
                      and (args.chat is None or g.chat_id == args.chat)]
            if not groups:
                print("没有找到登记过的群。", file=sys.stderr)
                return 1
            posts = [(g, await digest_html(svc, g, svc.clock(), always=True)) for g in groups]
            if args.dry_run:
                for g, html in posts:  # a terminal shows no HTML: the text as a member reads it
                    print(f"== {g.title} ({g.chat_id})\n{plain_text(html or '')}\n")
                return 0
            async with ExtBot(tg.token or "", defaults=bot_defaults(),
                              base_url=tg.api_base_url
                              or "https://api.telegram.org/bot") as bot:
                for g, html in posts:
                    await bot.send_message(g.chat_id, html or "")
                    await asyncio.sleep(1 / 25)
            print(f"已发送 {len(posts)} 份日报。")
            return 0
        finally:
            await db.dispose()

    return asyncio.run(run())
