"""`suqiu run [--webhook]`: the bot against Telegram; in webhook mode the same server also
serves the dashboard (wired here, in the CLI, the one place that joins bot and web)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import web
from telegram import Bot

from bot.cli.photos import photo_fetcher
from bot.serve.runner import SiteFactory, serve
from bot.settings import bot_settings
from issues.db import check_schema
from issues.service import IssueService
from issues.settings import Settings, load_settings
from web.app import make_app

NO_TOKEN = """\
没有设置 TELEGRAM_BOT_TOKEN，无法连接 Telegram。
  · 在 Telegram 里找 @BotFather，发送 /newbot 创建机器人，得到 token，然后：
      export TELEGRAM_BOT_TOKEN=123456:ABC...  &&  suqiu run
  · 或者先在本地沙盒里试用（不需要 token）：make run  或  suqiu sandbox --demo

TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather (/newbot), or try Suqiu locally
without one: `make run` or `suqiu sandbox --demo`."""


def dashboard_site(settings: Settings) -> SiteFactory:
    """The dashboard the webhook server also serves, with the webhook's own path left to
    Telegram (it carries its own secret) rather than to the dashboard's login."""
    webhook = bot_settings(settings).webhook_path

    def site(service: IssueService, bot: Bot) -> web.Application:
        return make_app(settings, service, photos=photo_fetcher(bot), open_paths=(webhook,),
                        warm=True)

    return site


def run_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    tg = bot_settings(settings)
    if not tg.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    use_webhook = bool(getattr(args, "webhook", False) or tg.webhook_url)
    if use_webhook and not tg.webhook_url:
        print("webhook 模式需要 SUQIU_WEBHOOK_URL（公网 HTTPS 地址）。", file=sys.stderr)
        return 2
    if use_webhook and not tg.webhook_secret:
        print("webhook 模式需要 SUQIU_WEBHOOK_SECRET（任意随机字符串）。", file=sys.stderr)
        return 2
    asyncio.run(check_schema(settings.database_url))  # before anything starts
    asyncio.run(serve(settings, use_webhook, site=dashboard_site(settings)))
    return 0
