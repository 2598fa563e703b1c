"""What every handler needs: the service, the settings, the person, error texts."""

from __future__ import annotations

from telegram import Chat, User
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from bot.present.templates import render
from issues.errors import IssueError
from issues.service import IssueService
from issues.settings import Settings
from issues.views import GroupView, PersonRef

GROUP_MAX_AGE = 5.0  # seconds a group's settings may be reused across its messages


def service(context: ContextTypes.DEFAULT_TYPE) -> IssueService:
    svc = context.bot_data.get("service")
    if svc is None:
        raise RuntimeError("the issue service is not ready (post_init has not run)")
    return svc  # type: ignore[no-any-return]


def settings(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    return context.bot_data["settings"]  # type: ignore[no-any-return]


def person(user: User) -> PersonRef:
    return PersonRef(user.id, user.full_name or str(user.id), user.username)


def error_text(err: IssueError) -> str:
    return render(f"error_{err.code}", **{"number": "?", "reason": "", "status": "",
                                          "action": "", **err.params})


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


async def ensure_group(context: ContextTypes.DEFAULT_TYPE, chat: Chat) -> GroupView:
    """The group as the ledger knows it; registered on first sight, owner = the creator."""
    svc = service(context)
    group = await svc.get_group(chat.id, max_age=GROUP_MAX_AGE)
    if group is not None:
        return group
    return await register(context, chat)


async def register(context: ContextTypes.DEFAULT_TYPE, chat: Chat) -> GroupView:
    admins = await context.bot.get_chat_administrators(chat.id)
    people = [person(a.user) for a in admins if not a.user.is_bot]
    creator = next((person(a.user) for a in admins if a.status == ChatMemberStatus.OWNER),
                   people[0] if people else None)
    return await service(context).register_group(chat.id, chat.title or "", creator, people)
