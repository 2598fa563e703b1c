"""PTB's AIORateLimiter (flood limits, 429 retry_after) plus retries of server errors.

AIORateLimiter retries only 429s. A 500 or a dropped connection would otherwise lose an issue
card or a digest, so those are retried with backoff too. Refusals (400, 403) are final.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
)
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
JSON = bool | dict[str, Any] | list[dict[str, Any]]


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, *, server_retries: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.server_retries = server_retries

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        for attempt in range(self.server_retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                      rate_limit_args)
            except (BadRequest, Forbidden, InvalidToken, Conflict, ChatMigrated):
                raise
            except NetworkError as exc:
                if attempt == self.server_retries:
                    raise
                delay = min(0.3 * 2**attempt, 5.0)
                log.info("Telegram %s failed (%s); retrying in %.1fs", endpoint, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
