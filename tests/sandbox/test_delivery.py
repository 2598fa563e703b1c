"""Updates reach a real PTB Application by polling and by webhook (with retries)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from telegram import Bot, Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.sandbox.conftest import webhook_server


def _echo_app(sandbox: Sandbox) -> Application:  # type: ignore[type-arg]
    app = Application.builder().token(sandbox.token).base_url(sandbox.bot_api_base).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"收到：{update.effective_message.text}")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def test_polling_application_receives_and_replies(
    sandbox: Sandbox, client: SandboxClient, group: dict[str, int]
) -> None:
    app = _echo_app(sandbox)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        sent = await client.send(group["chat"], group["resident"], "3栋门口路灯坏了好几天了")
        reply = await client.wait_for(
            group["chat"], lambda m: m.get("text", "").startswith("收到"), timeout=15)
        assert reply["text"] == "收到：3栋门口路灯坏了好几天了"
        assert reply["reply_to_message"]["message_id"] == sent["message_id"]
        await app.updater.stop()
        await app.stop()
    # The offset was confirmed on stop: nothing is delivered twice.
    info = await client.bot_info()
    assert info["pending_updates"] == 0


async def test_webhook_delivery_with_secret_and_retry(
    sandbox: Sandbox, client: SandboxClient, group: dict[str, int]
) -> None:
    received: list[dict[str, object]] = []
    failures = {"left": 2}

    async def hook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=401)
        if failures["left"] > 0:  # the first two attempts fail: the sandbox must retry
            failures["left"] -= 1
            return web.Response(status=500)
        received.append(await request.json())
        return web.Response(text="ok")

    async with webhook_server(hook) as url, Bot(sandbox.token,
                                                base_url=sandbox.bot_api_base) as bot:
        await bot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
        sent = await client.send(group["chat"], group["resident"], "下水道堵了")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.1)
        assert received, "the webhook never got the update"
        update = Update.de_json(received[0], bot)
        assert update.message is not None
        assert update.message.message_id == sent["message_id"]
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message



async def test_webhook_without_secret_header_is_refused_by_the_bot(
    sandbox: Sandbox, client: SandboxClient, group: dict[str, int]
) -> None:
    """Our own webhook endpoint (bot.serve.webhook) refuses a request without the right secret."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.serve.webhook import webhook_routes
    from bot.settings import bot_settings
    from issues.settings import load_settings

    settings = load_settings(env={"SUQIU_WEBHOOK_SECRET": "right", "SUQIU_WEBHOOK_URL": "x"})
    app = _echo_app(sandbox)
    site = web.Application()
    site.add_routes(webhook_routes(app, settings))
    async with app, TestClient(TestServer(site)) as http:
        await app.start()
        body = {"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": group["chat"], "type": "supergroup"},
            "from": {"id": group["resident"], "is_bot": False, "first_name": "李阿姨"},
            "text": "路灯坏了"}}
        path = bot_settings(settings).webhook_path
        assert (await http.post(path, json=body)).status == 401
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        assert (await http.post(path, json=body, headers=wrong)).status == 401
        right = {"X-Telegram-Bot-Api-Secret-Token": "right"}
        assert (await http.post(path, data=b"not json", headers=right)).status == 400
        assert (await http.post(path, json=body, headers=right)).status == 200
        reply = await client.wait_for(group["chat"], lambda m: m.get("text") == "收到：路灯坏了")
        assert reply["from"]["is_bot"]
        await app.stop()
