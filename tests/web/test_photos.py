"""Photos reach the dashboard the way they do in production: python-telegram-bot's getFile and
download against the Bot API (the sandbox emulator over real HTTP), through the fetcher the CLI
wiring hands to `make_app`, then from the disk cache."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
from telegram import Bot

from bot.cli.photos import photo_fetcher
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.web.conftest import png
from web.photos import PhotoStore, PhotoUnavailable


async def test_fetched_through_the_bot_api_once_then_cached(tmp_path: Path) -> None:
    image = png(6, 5, (39, 174, 96))
    async with Sandbox(flood_limits=False) as sandbox, SandboxClient(sandbox.url) as client:
        user = await client.create_user("李阿姨")
        chat = await client.create_chat("幸福社区3栋群", user)
        sent = await client.send(chat, user, caption="井盖没了",
                                 photo_base64="data:image/png;base64,"
                                 + base64.b64encode(image).decode())
        shown = next(m for m in await client.messages(chat)
                     if m["message_id"] == sent["message_id"])
        file_id = shown["photo"][-1]["file_id"]
        bot = Bot(sandbox.token, base_url=sandbox.bot_api_base,
                  base_file_url=sandbox.bot_file_base)
        async with bot:
            fetch = photo_fetcher(bot)
            calls: list[str] = []

            async def counted(fid: str) -> bytes:
                calls.append(fid)
                return await fetch(fid)

            store = PhotoStore(tmp_path / "cache", counted)
            got = await asyncio.gather(*(store.get(file_id) for _ in range(3)))
            assert {g for g in got} == {(image, "image/png")}
            assert calls == [file_id]  # three viewers at once: one download
            # A new process (empty memory, same disk): no Telegram call at all.
            again = PhotoStore(tmp_path / "cache", None)
            assert await again.get(file_id) == (image, "image/png")
            # The cache names files by a hash, never by the file id.
            stored = await asyncio.to_thread(
                lambda: [p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()])
            assert len(stored) == 1 and file_id not in stored[0]
            with pytest.raises(PhotoUnavailable):
                await store.get("no-such-file")


async def test_a_request_that_missed_the_cache_as_a_fetch_ended_does_not_fetch_again(
        tmp_path: Path) -> None:
    """Readers look in the cache side by side (threads): one that found no file just before a
    running fetch wrote it may come to fetch after that fetch has ended (the race the test
    above lost now and then on a busy machine)."""
    image = png(2, 2, (0, 0, 0))
    calls: list[str] = []

    async def fetch(fid: str) -> bytes:
        calls.append(fid)
        return image

    store = PhotoStore(tmp_path / "cache", fetch)
    assert await store.get("f1") == (image, "image/png")
    # Where a reader that missed the cache goes: the file is there now.
    assert await store._fetch_once("f1", store._path("f1")) == image
    assert calls == ["f1"]


async def test_not_an_image_is_refused(tmp_path: Path) -> None:
    async def html(_: str) -> bytes:
        return b"<script>alert(1)</script>"

    with pytest.raises(PhotoUnavailable):
        await PhotoStore(tmp_path, html).get("x")
    assert not await asyncio.to_thread(lambda: any(tmp_path.rglob("*")))  # nothing cached
