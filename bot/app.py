"""Building the python-telegram-bot Application: every handler is registered here.

Resources are opened in post_init (the database, the detector's dictionary, getMe) and
closed in post_shutdown, so building an Application opens nothing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    JobQueue,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.context import BotApp, Context, context_types
from bot.errors import on_error
from bot.handlers import (
    basic,
    buttons,
    commands,
    departments,
    gate,
    helping,
    notices,
    oversight,
    rights,
    spotting,
    voice,
    votes,
)
from bot.handlers.limits import KIND as INTAKE_KIND
from bot.handlers.limits import IntakeLimiter
from bot.jobs import schedule_jobs
from bot.present.announce import post_card
from bot.present.templates import use_templates
from bot.ratelimit import RetryingRateLimiter
from bot.serve.processor import ChatOrdered
from bot.serve.queue import DurableQueue, StoredFirst
from bot.settings import bot_settings
from issues.db import Database
from issues.service import IssueService
from issues.settings import Settings
from nlp import reload_rules, summarize, warm_up

log = logging.getLogger(__name__)
HandlerCallback = Callable[[Update, Context], Coroutine[Any, Any, None]]

COMMANDS = [
    ("help", "使用说明"),
    ("report", "登记一条诉求：/report 问题描述"),
    ("list", "本群诉求列表"),
    ("issue", "查看诉求详情：/issue 编号"),
    ("mine", "我提交的和我负责的诉求"),
    ("stats", "本群统计"),
    ("ack", "受理：/ack 编号"),
    ("assign", "交办：/assign 编号 @用户"),
    ("progress", "发布进展：/progress 编号 内容"),
    ("resolve", "办结：/resolve 编号 说明"),
    ("reject", "不予受理：/reject 编号 原因"),
    ("reopen", "重新打开：/reopen 编号 原因"),
    ("setowner", "设置群负责人：/setowner @用户"),
    ("settings", "本群设置"),
    ("categories", "诉求类别"),
    ("escalate", "吹哨：/escalate 编号 部门"),
    ("digest", "今日诉求日报"),
    ("claim", "部门群：报到认领 /claim 编号"),
    ("done", "部门群：办结 /done 编号 说明"),
    ("dept", "部门群登记：/dept 登记 部门名称"),
    ("overdue", "超时/临期诉求"),
    ("unit", "所属单位：/unit 加入 名称 层级"),
    ("notice", "单位工作群：发通知 /notice 内容，发进展 /notice 编号 内容"),
    ("supervise", "督办：/supervise 群名-编号"),
    ("joint", "攻坚：/joint 编号 部门 部门"),
    ("vote", "投票：/vote 标题 | 选项 | 选项"),
    ("wish", "求助（微心愿）：/wish 需要帮什么忙"),
    ("volunteer", "加入本群（或本单位）志愿者名单；/volunteer 退出"),
    ("points", "志愿者积分"),
]


# Every command a handler answers, by name (the menu above lists what users see).
COMMAND_HANDLERS: tuple[tuple[str, HandlerCallback], ...] = (
    ("start", basic.on_start), ("help", basic.on_help),
    ("report", commands.report), ("list", commands.list_issues),
    ("issue", commands.show_issue), ("mine", commands.mine), ("stats", commands.stats),
    ("categories", commands.categories), ("digest", commands.digest),
    ("ack", commands.ack), ("assign", commands.assign), ("progress", commands.progress),
    ("resolve", commands.resolve), ("reject", commands.reject), ("reopen", commands.reopen),
    ("setowner", commands.setowner), ("settings", commands.settings_cmd),
    ("escalate", departments.escalate_cmd), ("dept", departments.dept_cmd),
    ("claim", departments.claim_cmd), ("done", departments.done_cmd),
    ("overdue", departments.overdue_cmd), ("unit", departments.unit_cmd),
    ("notice", notices.notice_cmd), ("supervise", oversight.supervise_cmd),
    ("joint", oversight.joint_cmd), ("vote", votes.vote_cmd),
    ("wish", helping.wish_cmd), ("volunteer", helping.volunteer_cmd),
    ("points", helping.points_cmd),
)


def register_handlers(app: BotApp) -> None:
    """Every handler of the bot, in the order PTB must try them, and the error handler.

    PTB gives an update to the first handler of each group that accepts it, groups in
    ascending order. Group 0, in order: membership changes, a group's move to a supergroup,
    commands, buttons, polls' updates, edits, then ordinary group messages, voice messages
    (answered only when they answer the bot), then anything else said to the bot in a
    private chat (answered with where to report). Commands come
    before the chat handler so "/report 路灯坏了" is taken as a command, not as chat to detect
    (the chat filter also excludes commands).
    Group 1 catches commands no handler of group 0 took: since every group sees every update,
    it skips the names registered in group 0 (kept in bot_data.commands).
    Group -1, before all: a command from an anonymous admin or a channel, or past a member's
    limit (in a group or a private chat), is answered there and goes no further
    (bot.handlers.gate).
    The error handler answers the domain's refusals and reports failures (bot.errors).
    """
    # Before any of them: a command from no one we can tell (an anonymous admin, a
    # channel) or past a member's limit stops here (bot.handlers.gate).
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND,
                                   gate.on_command), group=-1)
    app.add_handler(ChatMemberHandler(basic.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(ChatMemberHandler(rights.on_chat_member, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, basic.on_migrate))
    app.add_handler(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER & filters.ChatType.GROUPS,
                                   rights.on_member_left))
    for name, callback in COMMAND_HANDLERS:
        # An edited command is not run again (a corrected /notice would go out twice): only
        # /report follows its edit, as a complaint's text does; the rest are told so.
        app.add_handler(CommandHandler(name, callback, filters=None if name == "report"
                                       else filters.UpdateType.MESSAGE))
    app.add_handler(CallbackQueryHandler(helping.on_help_button, pattern=helping.is_help_button))
    app.add_handler(CallbackQueryHandler(buttons.on_button))
    # Votes: a poll's new state (counts, closed) and a named voter's answer.
    app.add_handler(PollHandler(votes.on_poll))
    app.add_handler(PollAnswerHandler(votes.on_poll_answer))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.ChatType.GROUPS,
                                   spotting.on_edited_message))
    app.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.GROUPS
        & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.LOCATION),
        spotting.on_group_message))
    # Voice (and round video) messages cannot be heard yet: said when they answer the bot.
    spoken = filters.UpdateType.MESSAGE & (filters.VOICE | filters.VIDEO_NOTE)
    app.add_handler(MessageHandler(spoken & filters.ChatType.GROUPS, voice.on_group_voice))
    app.add_handler(MessageHandler(spoken & filters.ChatType.PRIVATE, voice.on_private_voice))
    app.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND,
        basic.on_private_message))
    app.bot_data.commands = frozenset(name for name, _ in COMMAND_HANDLERS)
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND,
                                   basic.on_unknown_command), group=1)
    app.add_error_handler(on_error)


def bot_defaults() -> Defaults:
    """Every text the bot sends is Telegram HTML (templates escape user text)."""
    return Defaults(parse_mode=ParseMode.HTML)


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> BotApp:
    """The whole bot. `base_url` points PTB at the sandbox instead of api.telegram.org;
    `request`/`get_updates_request` replace PTB's HTTP client (the offline test layer)."""
    tg = bot_settings(settings)
    token = token or tg.token
    base_url = base_url or tg.api_base_url
    base_file_url = base_file_url or tg.api_file_url
    if not token:
        raise ValueError("a bot token is needed (TELEGRAM_BOT_TOKEN or the sandbox's)")
    builder = ApplicationBuilder().token(token)
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or base_url)
    if request is not None:
        builder = builder.request(request)
    limits = tg.rate_limits
    queue = DurableQueue()
    # Polling confirms a batch with the next getUpdates: asked once the batch is stored.
    builder = builder.get_updates_request(StoredFirst(
        get_updates_request or HTTPXRequest(connection_pool_size=1), queue))
    app = (
        builder.context_types(context_types())
        # One path for polling and webhook: every update stored before Telegram is answered,
        # one chat's updates in order and chats side by side (bot.serve).
        .update_queue(queue).concurrent_updates(ChatOrdered(queue))
        .defaults(bot_defaults())
        # Overall: one request at a time, evenly spaced, instead of a bucket of a second's
        # worth: Telegram (and the sandbox) count a rolling second, and a full bucket spent
        # at once on top of the steady rate is answered with 429s (digest_bench measured
        # 97 of them for 2,000 groups' digests). Per group PTB's bucket stays, so a group
        # still gets a quick burst of replies.
        .rate_limiter(RetryingRateLimiter(
            overall_max_rate=1, overall_time_period=1 / limits.overall_per_second,
            group_max_rate=limits.group_per_minute,
            max_retries=limits.max_retries,
        ))
        .job_queue(JobQueue[Context]())  # PTB's default, typed for our context
        .post_init(_post_init).post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.settings = settings
    use_templates(settings.templates_dir)
    app.bot_data.intake_limiter = IntakeLimiter(settings.intake_per_person,
                                                settings.intake_window.total_seconds())
    app.bot_data.asking_limiter = IntakeLimiter(gate.ASKED_PER_MINUTE, gate.WINDOW)
    register_handlers(app)
    schedule_jobs(app)
    return app


async def _post_init(app: BotApp) -> None:
    data = app.bot_data
    settings = data.require_settings()
    if data.service is None:
        db = Database(settings.database_url)
        try:
            await db.require_current()  # only `suqiu db upgrade` migrates
        except BaseException:
            await db.dispose()
            raise
        data.db, data.service = db, IssueService(db, settings, summarize=summarize)
    data.service.on_opened_elsewhere(partial(post_card, app.bot, data.service))
    if data.intake_limiter is not None:  # every worker of the ledger counts one limit
        data.intake_limiter.shared = partial(data.service.rates.add, INTAKE_KIND,
                                             window=settings.intake_window)
    # Rules and the jieba dictionary load before the first update, not while a burst of
    # group messages waits behind the first one (about a second on a cold start).
    if settings.rules_dir is not None:
        await asyncio.to_thread(reload_rules, settings.rules_dir)
    await asyncio.to_thread(warm_up)
    # The dictionary and rules are millions of objects that live as long as the process; out
    # of the collector's sight, a full collection no longer stops every chat for a tenth of a
    # second (e2e_bench's paced p99).
    gc.collect()
    gc.freeze()
    me = await app.bot.get_me()
    data.me = me
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
    log.info("bot @%s ready (reads all group messages: %s)", me.username,
             me.can_read_all_group_messages)


async def _post_shutdown(app: BotApp) -> None:
    if app.bot_data.intake_limiter is not None:
        await app.bot_data.intake_limiter.close()
    db, app.bot_data.db = app.bot_data.db, None
    if db is not None:
        await db.dispose()
    log.info("bot stopped")
