"""Webhook delivery: POST each pending update, in order, with the secret header; retry."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from sandbox.state import SandboxState, now_ts

log = logging.getLogger(__name__)


async def deliver_forever(state: SandboxState, wakeup: asyncio.Event) -> None:
    """Runs for the sandbox's lifetime; idle while no webhook is set."""
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
                    await resp.read()
                    if resp.status >= 300:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
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
