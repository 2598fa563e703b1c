"""Issue photos for the dashboard: fetched from Telegram once, kept on disk, served only
behind the login.

A photo's only address is the Bot API file id the bot stored; Telegram serves the bytes only to
the bot (getFile, then a download URL that carries the token). `web/` may not import `bot/`, so
the composition root hands in a `PhotoFetcher` (file id → bytes) built on the bot, and the
cache keeps what it fetched: the next look costs no Telegram call and survives file ids that
Telegram has since expired. The cache file name is a hash of the file id, never the id itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

PhotoFetcher = Callable[[str], Awaitable[bytes]]
MAX_BYTES = 20 * 1024 * 1024  # getFile serves files up to 20 MB

_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"GIF8", "image/gif"))


class PhotoUnavailable(Exception):
    """No fetcher is wired (a dashboard without a bot) or Telegram would not give the file."""


def content_type(data: bytes) -> str | None:
    """The image type by its first bytes; None for anything that is not an image we serve."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class PhotoStore:
    def __init__(self, cache_dir: str | Path, fetcher: PhotoFetcher | None) -> None:
        self.cache_dir = Path(cache_dir)
        self.fetcher = fetcher
        self._inflight: dict[str, asyncio.Future[bytes]] = {}

    def _path(self, file_id: str) -> Path:
        digest = hashlib.sha256(file_id.encode()).hexdigest()
        return self.cache_dir / digest[:2] / digest

    async def get(self, file_id: str) -> tuple[bytes, str]:
        """The photo's bytes and content type, from the cache or from Telegram (once, however
        many requests ask for it at the same moment)."""
        path = self._path(file_id)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            data = await self._fetch_once(file_id, path)
        kind = content_type(data)
        if kind is None:
            raise PhotoUnavailable("not an image")
        return data, kind

    async def _fetch_once(self, file_id: str, path: Path) -> bytes:
        running = self._inflight.get(file_id)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[file_id] = future
        try:
            try:  # a fetch that ended since this request missed the cache has written it
                data = await asyncio.to_thread(path.read_bytes)
            except FileNotFoundError:
                data = await self._fetch(file_id)
                await asyncio.to_thread(self._write, path, data)
            future.set_result(data)
            return data
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a lone request must not warn "never retrieved"
            raise
        finally:
            del self._inflight[file_id]

    async def _fetch(self, file_id: str) -> bytes:
        if self.fetcher is None:
            raise PhotoUnavailable("no bot to fetch photos with")
        try:
            data = await self.fetcher(file_id)
        except Exception as exc:  # Telegram's error, a network failure: say unavailable
            raise PhotoUnavailable(str(exc)) from exc
        if not data or len(data) > MAX_BYTES or content_type(data) is None:
            raise PhotoUnavailable("not an image")
        return data

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Write beside, then rename: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
