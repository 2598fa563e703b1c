"""Two independent Bot API clients behind one small interface, for the conformance suite.

Each scenario runs through python-telegram-bot and through aiogram 3: both build their own
requests (form fields, multipart, `attach://` uploads) and parse the sandbox's answers into
their own typed objects, so a field the sandbox gets wrong fails in at least one of them.
Results come back as plain JSON-like dicts (Telegram's field names) and failures as `Failure`
with Telegram's full description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiogram
import aiogram.exceptions as aex
import telegram
import telegram.error as ptb_error
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    BufferedInputFile,
    InputMediaDocument,
    InputMediaPhoto,
    ReactionTypeEmoji,
)


@dataclass
class Failure(Exception):
    code: int
    description: str
    migrate_to_chat_id: int | None = None
    retry_after: float | None = None
    exact: bool = True  # PTB capitalizes descriptions (str.capitalize), aiogram keeps them

    def says(self, expected: str) -> bool:
        """The description is Telegram's (letter case too, where the library keeps it)."""
        if self.exact:
            return self.description == expected
        return self.description.lower() == expected.lower()


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, telegram.TelegramObject):
        return value.to_dict()
    if isinstance(value, aiogram.types.base.TelegramObject):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return value


class PTBClient:
    name = "ptb"

    def __init__(self, token: str, base: str) -> None:
        self.bot = telegram.Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")

    async def __aenter__(self) -> PTBClient:
        await self.bot.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.shutdown()

    async def call(self, method: str, **kwargs: Any) -> Any:
        try:
            return _plain(await getattr(self.bot, method)(**kwargs))
        except ptb_error.ChatMigrated as exc:
            raise Failure(400, "Bad Request: group chat was upgraded to a supergroup chat",
                          migrate_to_chat_id=exc.new_chat_id, exact=False) from exc
        except ptb_error.RetryAfter as exc:
            seconds = exc.retry_after
            raise Failure(429, exc.message, retry_after=float(
                seconds.total_seconds() if hasattr(seconds, "total_seconds") else seconds),
                exact=False) from exc
        except ptb_error.TelegramError as exc:
            codes = {ptb_error.BadRequest: 400, ptb_error.Forbidden: 403,
                     ptb_error.Conflict: 409, ptb_error.InvalidToken: 404}
            code = next((c for kind, c in codes.items() if isinstance(exc, kind)), 500)
            text = exc.message
            if code == 400 and not text.startswith("Bad Request"):
                text = f"Bad Request: {text}"
            raise Failure(code, text, exact=False) from exc

    async def download(self, file_id: str) -> bytes:
        f = await self.bot.get_file(file_id)
        return bytes(await f.download_as_bytearray())

    # Arguments each library wants in its own types.
    @staticmethod
    def keyboard(rows: list[list[tuple[str, str]]]) -> Any:
        return telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])

    @staticmethod
    def file(data: bytes, name: str) -> Any:
        return telegram.InputFile(data, filename=name)

    @staticmethod
    def media(kind: str, data: bytes, name: str, caption: str | None = None) -> Any:
        cls = telegram.InputMediaPhoto if kind == "photo" else telegram.InputMediaDocument
        return cls(telegram.InputFile(data, filename=name, attach=True), caption=caption)

    @staticmethod
    def reaction(emoji: str) -> Any:
        return [telegram.ReactionTypeEmoji(emoji)]

    @staticmethod
    def reply_to(message_id: int) -> dict[str, Any]:
        return {"reply_parameters": telegram.ReplyParameters(message_id)}


class AiogramClient:
    name = "aiogram"

    def __init__(self, token: str, base: str) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(base))
        self.bot = aiogram.Bot(token, session=session)

    async def __aenter__(self) -> AiogramClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.session.close()

    async def call(self, method: str, **kwargs: Any) -> Any:
        try:
            return _plain(await getattr(self.bot, method)(**kwargs))
        except aex.TelegramMigrateToChat as exc:
            # aiogram rewrites the text and appends Telegram's after "Original description: ".
            original = exc.message.rsplit("Original description: ", 1)[-1]
            raise Failure(400, original, migrate_to_chat_id=exc.migrate_to_chat_id) from exc
        except aex.TelegramRetryAfter as exc:
            raise Failure(429, exc.message, retry_after=float(exc.retry_after)) from exc
        except aex.TelegramAPIError as exc:
            codes = {aex.TelegramBadRequest: 400, aex.TelegramForbiddenError: 403,
                     aex.TelegramConflictError: 409, aex.TelegramNotFound: 404}
            code = next((c for kind, c in codes.items() if isinstance(exc, kind)), 500)
            raise Failure(code, exc.message) from exc

    async def download(self, file_id: str) -> bytes:
        f = await self.bot.get_file(file_id)
        assert f.file_path is not None
        buf = await self.bot.download_file(f.file_path)
        assert buf is not None
        return buf.read()

    @staticmethod
    def keyboard(rows: list[list[tuple[str, str]]]) -> Any:
        return aiogram.types.InlineKeyboardMarkup(inline_keyboard=[
            [aiogram.types.InlineKeyboardButton(text=t, callback_data=d) for t, d in row]
            for row in rows])

    @staticmethod
    def file(data: bytes, name: str) -> Any:
        return BufferedInputFile(data, filename=name)

    @staticmethod
    def media(kind: str, data: bytes, name: str, caption: str | None = None) -> Any:
        cls = InputMediaPhoto if kind == "photo" else InputMediaDocument
        return cls(media=BufferedInputFile(data, filename=name), caption=caption)

    @staticmethod
    def reaction(emoji: str) -> Any:
        return [ReactionTypeEmoji(emoji=emoji)]

    @staticmethod
    def reply_to(message_id: int) -> dict[str, Any]:
        return {"reply_parameters": aiogram.types.ReplyParameters(message_id=message_id)}


Client = PTBClient | AiogramClient
