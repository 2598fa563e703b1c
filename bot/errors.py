"""The one error handler: refusals reach the person who asked; failures reach the log first,
then the operators' admin chat (settings: bot.admin_chat), never the residents' group.

Handlers let the domain's IssueError rise to here, so a refusal is worded and delivered the
same way everywhere: an alert to whoever pressed a button (the group is not spammed), a reply
to a command. Telegram's own expected failures are named and only logged.
"""

from __future__ import annotations

import html
import logging
import traceback
from collections.abc import Awaitable

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import Context, error_text
from bot.present.html import MAX_MESSAGE, plain_text
from bot.present.templates import render, safe
from bot.settings import bot_settings
from issues.errors import IssueError, NotFound

log = logging.getLogger(__name__)
ALERT_MAX = 200  # characters Telegram shows in a callback query's alert


async def on_error(update: object, context: Context) -> None:
    err = context.error
    if isinstance(err, IssueError):
        await refuse(update, err)
        return
    if isinstance(err, RetryAfter | NetworkError) and not isinstance(err, BadRequest):
        log.warning("Telegram unavailable: %s", err)
        return
    if isinstance(err, Forbidden):
        log.warning("not allowed to act in a chat: %s", err)
        return
    log.error("error while handling an update", exc_info=err)
    await _tell_admins(update, context, err)
    if isinstance(update, Update) and update.callback_query is not None:
        # Only the person who pressed sees an alert; the button stops spinning.
        await _quietly(update.callback_query.answer(render("internal_error"), show_alert=True))


async def refuse(update: object, err: IssueError) -> None:
    """Tell the person who asked why not: an alert for a button, a reply for a message."""
    if not isinstance(update, Update):
        log.info("refused outside an update: %s", err)
        return
    query = update.callback_query
    if query is not None:
        text = render("issue_gone") if isinstance(err, NotFound) else plain(error_text(err))
        await _quietly(query.answer(text, show_alert=True))
    elif update.effective_message is not None:
        await _quietly(update.effective_message.reply_html(error_text(err)))


def plain(html_text: str) -> str:
    """Alerts show plain text, and at most 200 characters of it."""
    return plain_text(html_text)[:ALERT_MAX]


async def _tell_admins(update: object, context: Context, err: BaseException | None) -> None:
    settings = context.bot_data.settings
    chat_id = bot_settings(settings).admin_chat_id if settings is not None else None
    if chat_id is None or err is None:
        return
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f"update {update.update_id}" + (f" · chat {chat.id}" if chat else "")
    head = f"{type(err).__name__}: {err}"
    trace = "".join(traceback.format_exception(err))
    try:
        await context.bot.send_message(chat_id, _admin_text(head, where, trace))
    except TelegramError:
        # Never let the report of an error raise ("message is too long", a wrong chat id):
        # try the bare headline, and otherwise the log above is all there is.
        log.warning("could not send the error report to admin chat %s", chat_id,
                    exc_info=True)
        await _quietly(context.bot.send_message(
            chat_id, render("admin_error", head=head[:500], where=where, trace="")))


def _admin_text(head: str, where: str, trace: str) -> str:
    """The report with as much of the traceback's end as fits in one message."""
    keep = len(trace)
    while True:
        text = render("admin_error", head=head[:500], where=where,
                      trace=safe(html.escape(trace[-keep:], quote=False)) if keep else "")
        if len(text) <= MAX_MESSAGE or keep == 0:
            return text
        keep = max(0, keep - (len(text) - MAX_MESSAGE) - 16)


async def _quietly(call: Awaitable[object]) -> None:
    """Send from the error path: a failure here is logged, never raised."""
    try:
        await call
    except TelegramError:
        log.warning("could not answer from the error handler", exc_info=True)
