"""`suqiu run`'s loop: start the bot by polling or webhook, wait for a signal, stop cleanly.

The webhook server may serve other routes too (the dashboard); the caller passes a factory
for that site, so this package does not import `web`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from aiohttp import web
from telegram import Bot, Update

from bot.app import build_application
from bot.context import BotApp
from bot.serve.polling import boot, open_inbox, start_polling, stop_bot
from bot.serve.webhook import webhook_routes
from bot.settings import bot_settings
from issues.service import IssueService
from issues.settings import Settings

log = logging.getLogger(__name__)

SiteFactory = Callable[[IssueService, Bot], web.Application]  # the bot: for the photo fetcher


def _site_app(application: BotApp, settings: Settings,
              site: SiteFactory | None) -> web.Application:
    """The webhook endpoint, on the caller's site (the dashboard) when it gives one."""
    app = (site(application.bot_data.require_service(), application.bot)
           if site is not None else web.Application())
    app.add_routes(webhook_routes(application, settings))
    return app


async def _dashboard_alone(application: BotApp, settings: Settings,
                           site: SiteFactory | None) -> web.AppRunner | None:
    """Polling has no webhook server to share: with a dashboard token set, the dashboard is
    served on its own address (settings web.host, web.port). A busy port is logged and the
    bot runs on without it."""
    if site is None or not (settings.dashboard_token or settings.dashboard_admin_token):
        return None
    runner = web.AppRunner(site(application.bot_data.require_service(), application.bot),
                           access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    except OSError as exc:
        log.error("dashboard not served on %s:%s: %s", settings.web_host, settings.web_port,
                  exc)
        await runner.cleanup()
        return None
    log.info("dashboard: http://%s:%s/login", settings.web_host, settings.web_port)
    return runner


async def serve(settings: Settings, use_webhook: bool, site: SiteFactory | None = None) -> None:
    application = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    runner: web.AppRunner | None = None
    if use_webhook:
        await boot(application)
        queue = await open_inbox(application)  # what a dead worker left, then on a lease
        queue.keep(application.bot)
        runner = web.AppRunner(_site_app(application, settings, site), access_log=None)
        await runner.setup()
        tg = bot_settings(settings)
        await web.TCPSite(runner, tg.webhook_listen, tg.webhook_port).start()
        await application.bot.set_webhook(
            f"{tg.webhook_url}", secret_token=tg.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("webhook mode: listening on %s:%s%s", tg.webhook_listen, tg.webhook_port,
                 tg.webhook_path)
    else:
        await start_polling(application, settings)
        log.info("polling Telegram for updates")
        runner = await _dashboard_alone(application, settings, site)
    await stop.wait()
    log.info("shutting down")
    if runner is not None:
        await runner.cleanup()
    await stop_bot(application)
