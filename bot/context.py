"""What every handler needs: the typed bot_data (service, settings), the person, error
texts, the group as the ledger knows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from telegram import Chat, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.handlers.limits import IntakeLimiter
from bot.present.refusals import refusal
from bot.present.templates import render
from issues.db import Database
from issues.errors import IssueError
from issues.service import IssueService
from issues.settings import Settings
from issues.views import GroupView, PersonRef

GROUP_MAX_AGE = 5.0  # seconds a group's settings may be reused across its messages
# Seconds the recent notices' texts may be reused (another worker's new notice may pass for a
# complaint this long; one sent through this worker is known at once).
NOTICE_MAX_AGE = 5.0
RETRY_PRIVATE = 3600.0  # seconds before trying privately again someone who has not started us
VOICE_TOLD_FOR = 600.0  # seconds: one "please type it" for a run of voice messages
PRIVATE_HELD = 100_000  # such people held at once (the longest-held go first)


@dataclass
class BotData:
    """PTB's bot_data, typed: what every handler and job of one Application shares.

    PTB creates it without arguments (ContextTypes(bot_data=BotData)); build_application sets
    the settings, post_init the database and service.
    """

    settings: Settings | None = None
    service: IssueService | None = None
    db: Database | None = None  # opened by post_init, closed by post_shutdown
    me: User | None = None
    commands: frozenset[str] = frozenset()  # names answered by a CommandHandler
    # user id → when a private message to them last failed (they have not started the bot):
    # lookups go to the group for a while (RETRY_PRIVATE) instead of failing again on every
    # command; a district meets too many members to keep every one for the process's life.
    private_closed: TTLCache[int, float] = field(
        default_factory=lambda: TTLCache(PRIVATE_HELD, RETRY_PRIVATE))
    intake_limiter: IntakeLimiter | None = None  # set by build_application
    asking_limiter: IntakeLimiter | None = None  # commands, questions (bot.handlers.gate)
    # When each group's admins were last read from Telegram (time.monotonic()).
    admins_read_at: dict[int, float] = field(default_factory=dict)
    # (chat id, user id) → (issue number, its category, until when, time.monotonic()): a
    # reporter just asked "哪里不满意？", whose next message is her answer even when it is not
    # a reply.
    reasons_asked: dict[tuple[int, int], tuple[int, str, float]] = field(default_factory=dict)
    # (chat id, user id) told a moment ago that voice messages cannot be heard (VOICE_TOLD_FOR)
    voice_told: TTLCache[tuple[int, int], bool] = field(
        default_factory=lambda: TTLCache(PRIVATE_HELD, VOICE_TOLD_FOR))

    def require_service(self) -> IssueService:
        if self.service is None:
            raise RuntimeError("the issue service is not ready (post_init has not run)")
        return self.service

    def require_settings(self) -> Settings:
        if self.settings is None:
            raise RuntimeError("the bot has no settings (build_application sets them)")
        return self.settings


# The bot is an ExtBot[int]: AIORateLimiter's per-request argument is an int.
Context = CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], BotData]
BotApp = Application[ExtBot[int], Context, dict[Any, Any], dict[Any, Any], BotData,
                     JobQueue[Context]]


def context_types() -> ContextTypes[Context, dict[Any, Any], dict[Any, Any], BotData]:
    return ContextTypes(bot_data=BotData)


def service(context: Context) -> IssueService:
    return context.bot_data.require_service()


def settings(context: Context) -> Settings:
    return context.bot_data.require_settings()


def person(user: User) -> PersonRef:
    return PersonRef(user.id, user.full_name or str(user.id), user.username)


def error_text(err: IssueError) -> str:
    return refusal(err)


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


async def ensure_group(context: Context, chat: Chat) -> GroupView:
    """The group as the ledger knows it; registered on first sight, owner = the creator."""
    svc = service(context)
    group = await svc.get_group(chat.id, max_age=GROUP_MAX_AGE)
    if group is not None:
        return group
    return await register(context, chat)


async def register(context: Context, chat: Chat) -> GroupView:
    admins = await context.bot.get_chat_administrators(chat.id)
    people = [person(a.user) for a in admins if not a.user.is_bot]
    creator = next((person(a.user) for a in admins if a.status == ChatMemberStatus.OWNER),
                   people[0] if people else None)
    return await service(context).register_group(chat.id, chat.title or "", creator, people)


async def group_message(update: Update) -> Message | None:
    """The command's message when it was sent in a group; in a private chat the sender is
    told it is a group's command (None)."""
    msg = update.effective_message
    if msg is None:
        return None
    if not is_group(update.effective_chat):
        await msg.reply_html(render("group_only"))
        return None
    return msg
