"""Who may act follows Telegram, not a copy read once.

A group's admins are kept from `chat_member` updates (the bot asks for them in
`allowed_updates`; Telegram sends them only while the bot is an admin of the group): a
promotion, a demotion, a kick or a departure re-reads the admins. Updates can be missed (the
bot was down, or is no admin there), so an act that needs rights re-reads the admins first
when the ledger's copy is older than `ADMINS_MAX_AGE`, and a refusal re-reads them once and
tries again. Leaving a department's group ends acting for the department.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update, User
from telegram.constants import ChatMemberStatus

from bot import context as ctx
from bot.context import Context
from bot.present.templates import render
from issues.errors import PermissionDenied

log = logging.getLogger(__name__)
T = TypeVar("T")
ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}
ADMINS_MAX_AGE = 600.0  # seconds the ledger's copy of a group's admins is trusted


# A number leading a command's words as a Chinese keyboard types it: 12号, 第12号, or joined to
# what follows by a full-width comma or colon (12，明天来修) — but not 12号楼, nor 1.5. \d takes
# full-width digits too (＃１２); never ² nor ten digits or more.
_LEADING = re.compile(r"^第?[#＃]?(\d{1,9})号?(?:[，,：:。、；;]|$)(.*)$", re.S)


def numbered(args: list[str]) -> tuple[int | None, list[str]]:
    """The issue number a command's words start with, and the words after it."""
    if not args:
        return None, []
    m = _LEADING.match(args[0].strip())
    if m is None:
        return None, args[1:]
    rest = m.group(2).strip()
    return int(m.group(1)), ([rest] if rest else []) + args[1:]


async def refresh_admins(context: Context, chat_id: int) -> bool:
    """Read the group's admins from Telegram into the ledger; True when they changed."""
    svc = ctx.service(context)
    before = await svc.get_group(chat_id)
    if before is None:
        return False
    members = await context.bot.get_chat_administrators(chat_id)
    context.bot_data.admins_read_at[chat_id] = time.monotonic()
    after = await svc.sync_admins(chat_id, [ctx.person(m.user) for m in members
                                            if not m.user.is_bot])
    return {a.user_id for a in before.admins} != {a.user_id for a in after.admins}


async def refresh_if_stale(context: Context, chat_id: int) -> None:
    """Re-read the group's admins when the ledger's copy is older than ADMINS_MAX_AGE."""
    read_at = context.bot_data.admins_read_at.get(chat_id)
    if read_at is None or time.monotonic() - read_at > ADMINS_MAX_AGE:
        await refresh_admins(context, chat_id)


async def with_fresh_admins(context: Context, chat_id: int,
                            call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, with the admins re-read first if the copy is old; refused for want of rights,
    once more after re-reading them, if they changed since the ledger last knew them."""
    await refresh_if_stale(context, chat_id)
    try:
        return await call()
    except PermissionDenied:
        if not await refresh_admins(context, chat_id):
            raise
        log.info("admins of %s were stale; re-read before refusing", chat_id)
        return await call()


async def on_chat_member(update: Update, context: Context) -> None:
    """Someone's status in a group changed: admins re-read; a department's people follow its
    group's members."""
    change = update.chat_member
    if change is None or not ctx.is_group(change.chat):
        return
    svc = ctx.service(context)
    group = await svc.get_group(change.chat.id)
    if group is None:
        return
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if (old in ADMINS) != (new in ADMINS):
        await refresh_admins(context, change.chat.id)
    if group.department_code and new in GONE:
        await svc.leave_department(group.department_code, change.new_chat_member.user.id)
    if new in GONE and old not in GONE:
        await owner_gone(context, change.chat.id, change.new_chat_member.user)


async def on_member_left(update: Update, context: Context) -> None:
    """The "X left the group" message (all a bot that is not an admin hears of it): as a
    `chat_member` update would, it ends acting for the group's department and re-reads the
    admins when an admin left (else a former admin acts until the copy is ten minutes old)."""
    msg = update.effective_message
    if msg is None or msg.left_chat_member is None or not ctx.is_group(msg.chat):
        return
    user = msg.left_chat_member
    group = await ctx.service(context).get_group(msg.chat.id)
    if group is not None and group.department_code:
        await ctx.service(context).leave_department(group.department_code, user.id)
    if group is not None and any(a.user_id == user.id for a in group.admins):
        await refresh_admins(context, msg.chat.id)
    await owner_gone(context, msg.chat.id, user)


async def owner_gone(context: Context, chat_id: int, user: User) -> None:
    """The owner left: the group is told once, in one line, to set another (the cards and
    reminders would go on naming someone no longer there)."""
    if user.is_bot or await ctx.service(context).owner_left(chat_id, user.id) is None:
        return
    await context.bot.send_message(chat_id, render("owner_left", who=user.full_name))
