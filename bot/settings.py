"""The bot's own settings: the Telegram token, the Bot API server, polling and webhook, the rate
limits it allows itself, the operators' admin chat. Read from the same layers as the rest
(`issues.settings.read_layers`: the `bot:` section of the settings files and the environment:
TELEGRAM_BOT_TOKEN, SUQIU_WEBHOOK_URL, SUQIU_WEBHOOK_SECRET, SUQIU_TELEGRAM_API_URL,
SUQIU_TELEGRAM_FILE_URL). Secrets stay out of repr()."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from issues.settings import Settings, SettingsError, parse_duration


@dataclass(frozen=True)
class RateLimits:
    """What the bot allows itself (PTB's AIORateLimiter); Telegram's own are 30/s, 20/min.
    Overall the bot stays a little under: requests are spaced evenly (bot.app), and a rolling
    second that catches one late request and one on time would hold 31."""

    overall_per_second: float = 28
    group_per_minute: float = 20
    max_retries: int = 5


@dataclass(frozen=True)
class BotSettings:
    token: str | None = field(default=None, repr=False)
    # A Bot API server other than Telegram's (a self-hosted telegram-bot-api, or the sandbox).
    api_base_url: str | None = None
    api_file_url: str | None = None
    poll_timeout: int = 30
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"
    rate_limits: RateLimits = RateLimits()
    admin_chat_id: int | None = None  # bot.admin_chat: where errors are reported
    # bot.lookup_reply_ttl: answers to /list, /stats, /help, /settings and status questions
    # given in a group are removed after this long (privately they stay).
    lookup_reply_ttl: timedelta = timedelta(minutes=2)
    # bot.nudge_gap: a resident asking again mentions the person responsible at most this
    # often.
    nudge_gap: timedelta = timedelta(hours=2)
    # bot.inbox_lease: a webhook worker silent this long is taken for dead, and the updates
    # it had stored are handled by another (bot.serve.inbox).
    inbox_lease: timedelta = timedelta(seconds=20)


def bot_settings(settings: Settings) -> BotSettings:
    """The Telegram settings from the layers `settings` were built from."""
    bot, env = settings.layers.raw.get("bot") or {}, settings.layers.env
    try:
        return BotSettings(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=env.get("SUQIU_TELEGRAM_API_URL") or None,
            api_file_url=env.get("SUQIU_TELEGRAM_FILE_URL") or None,
            poll_timeout=int(bot.get("poll_timeout", 30)),
            webhook_url=env.get("SUQIU_WEBHOOK_URL") or None,
            webhook_secret=env.get("SUQIU_WEBHOOK_SECRET") or None,
            webhook_listen=str(bot.get("webhook_listen", "0.0.0.0")),
            webhook_port=int(bot.get("webhook_port", 8080)),
            webhook_path=str(bot.get("webhook_path", "/telegram/webhook")),
            rate_limits=RateLimits(**(bot.get("rate_limits") or {})),
            admin_chat_id=int(bot["admin_chat"]) if bot.get("admin_chat") else None,
            lookup_reply_ttl=parse_duration(bot.get("lookup_reply_ttl", "2m")),
            nudge_gap=parse_duration(bot.get("nudge_gap", "2h")),
            inbox_lease=parse_duration(bot.get("inbox_lease", "20s")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(f"invalid bot settings: {exc}") from exc
