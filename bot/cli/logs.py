"""Logging for every `suqiu` command, with secrets kept out of every handler.

Libraries log what they were given: PTB's debug line "Set Bot API URL: …/bot<token>" carries
the token, and an HTTP error's text carries the URL. A filter on each handler rewrites the
message, its arguments, the traceback and the stack before any formatter sees them: the
secrets from the environment and anything shaped like a bot token become `<redacted>`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping

SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "SUQIU_WEBHOOK_SECRET", "SUQIU_DASHBOARD_TOKEN",
                    "SUQIU_DASHBOARD_ADMIN_TOKEN", "SUQIU_OPEN311_API_KEY")
# A bot token: the bot's id, a colon, 30+ characters of its secret.
BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "<redacted>"


class Redact(logging.Filter):
    """Replace the given secrets and bot-token-shaped strings in a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return BOT_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(verbose: bool, env: Mapping[str, str] | None = None) -> Redact:
    """Root logging for a command; every handler of the root logger redacts."""
    env = os.environ if env is None else env
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redact = Redact(env.get(name) or "" for name in SECRET_VARIABLES)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    return redact
