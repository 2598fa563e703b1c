"""The webhook endpoint Telegram posts updates to."""

from __future__ import annotations

import json
import logging
import secrets

from aiohttp import web
from telegram import Update

from bot.context import BotApp
from bot.serve.queue import DurableQueue
from bot.settings import bot_settings
from issues.settings import Settings

log = logging.getLogger(__name__)


def webhook_routes(application: BotApp, settings: Settings) -> list[web.RouteDef]:
    """The webhook endpoint: check the secret, hand the update to PTB's queue and answer 200
    once it is stored (DurableQueue.stored): a worker killed after the 200 leaves
    it in the inbox for another worker, one killed before it gets it again from Telegram."""
    tg = bot_settings(settings)
    secret = tg.webhook_secret or ""
    queue = application.update_queue

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secrets.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401, text="unauthorized")
        try:
            body = await request.text()
            update = Update.de_json(json.loads(body), application.bot)
        except Exception:  # a malformed body must not reach the handlers
            log.warning("malformed webhook body refused")
            return web.Response(status=400, text="bad update")
        if isinstance(queue, DurableQueue):
            queue.as_sent(update.update_id, body)
        await queue.put(update)
        if isinstance(queue, DurableQueue):  # build_application's; PTB's own stores nothing
            await queue.stored()
        return web.Response(text="ok")

    return [web.post(tg.webhook_path, receive)]
