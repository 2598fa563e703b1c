"""Webhook delivery: POST each pending update, in order, with the secret header; retry.

A 2xx answer may carry a Bot API call (`{"method": "sendMessage", ...}`), which Telegram runs
without reporting its outcome; methods named get*, setWebhook, deleteWebhook, close and logOut
are ignored there, as in tdlib/telegram-bot-api's WebhookActor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from sandbox.errors import ApiError
from sandbox.state import SandboxState, now_ts

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

log = logging.getLogger(__name__)
_IGNORED = {"deletewebhook", "setwebhook", "close", "logout"}


async def run_reply(api: BotApi, body: bytes) -> None:
    """Run the method a webhook answer carries, if any; its result goes nowhere."""
    try:
        params: Any = json.loads(body)
    except ValueError:
        return
    if not isinstance(params, dict):
        return
    method = str(params.pop("method", "") or "")
    if not method or method.lower() in _IGNORED or method.lower().startswith("get"):
        return
    entry: dict[str, Any] = {"method": method, "at": time.time(), "params": params,
                             "via": "webhook reply"}
    api.state.calls.append(entry)
    try:
        await api.call(method, params)
        entry["ok"] = True
    except ApiError as exc:
        entry.update(ok=False, error_code=exc.code, description=exc.description)


async def deliver_forever(state: SandboxState, api: BotApi) -> None:
    """Runs for the sandbox's lifetime; idle while no webhook is set."""
    wakeup = api.webhook_wakeup
    backoff = 0.2
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        while True:
            wh = state.webhook
            if wh is None or not state.updates:
                wakeup.clear()
                async with state.changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(state.changed.wait(), 1.0)
                continue
            update = state.updates[0]
            headers = {"Content-Type": "application/json"}
            if wh.secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = wh.secret
            error = None
            try:
                async with http.post(wh.url, json=update, headers=headers) as resp:
                    body = await resp.read()
                    if resp.status >= 300:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                    elif body:
                        await run_reply(api, body)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}"
            if error is None:
                if state.updates and state.updates[0] is update:
                    state.updates.pop(0)
                backoff = 0.2
                continue
            wh.last_error_date = now_ts()
            wh.last_error_message = error
            log.debug("webhook delivery failed: %s", error)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
