"""The dashboard's way to a photo, built on the bot: `web/` may not import `bot/`, so the
composition root hands this fetcher to `web.app.make_app`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot


def photo_fetcher(bot: Bot) -> Callable[[str], Awaitable[bytes]]:
    """File id → bytes through getFile and the file download (its URL carries the token, so
    only the bot can fetch; Telegram's servers or the sandbox, whichever the bot talks to)."""

    async def fetch(file_id: str) -> bytes:
        f = await bot.get_file(file_id)
        return bytes(await f.download_as_bytearray())

    return fetch
