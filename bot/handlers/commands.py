"""Group commands: parse the arguments, call the service, render the answer."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest

from bot import context as ctx
from bot.context import Context
from bot.handlers.rights import numbered, with_fresh_admins
from bot.handlers.spotting import open_issue
from bot.present.announce import announce
from bot.present.cards import LIGHT_ICONS, local_time, mention, render_card
from bot.present.html import escape
from bot.present.lookup import answer
from bot.present.posts import digest_html, figures, satisfaction
from bot.present.send import refresh_card
from bot.present.templates import event_detail, has, render, safe, status_words
from issues.lifecycle import Action, GroupAct
from issues.privacy import mask
from issues.settings import parse_clock, parse_quiet_hours
from issues.text import visible
from issues.views import IssueFilter, PersonRef, percent
from nlp import detect
from nlp.types import CATEGORIES, Detection

# Words for /list besides the statuses' own names (bot.present.templates.status_words).
MORE_STATUS_WORDS = {"进行中": "in_progress", "待办": "open", "全部": "", "open": "open",
                     "done": "resolved", "all": ""}
# /settings 灵敏度 高, /settings 自动 关; the English forms stay as aliases.
SETTING_KEYS = {"自动": "auto_detect", "自动识别": "auto_detect", "auto": "auto_detect",
                "灵敏度": "sensitivity", "sensitivity": "sensitivity",
                "时区": "timezone", "timezone": "timezone",
                "日报": "digest_time", "日报时间": "digest_time", "digest": "digest_time",
                "播报": "progress_time", "进展播报": "progress_time", "progress": "progress_time",
                "免打扰": "quiet_hours", "quiet": "quiet_hours"}
SWITCH = {"开": True, "开启": True, "打开": True, "是": True, "on": True, "true": True,
          "关": False, "关闭": False, "否": False, "off": False, "false": False}
SENSITIVITY = {"高": "high", "中": "normal", "普通": "normal", "正常": "normal", "低": "low",
               "high": "high", "normal": "normal", "low": "low"}
NO_QUIET = {"关", "无", "没有", "off", "none"}


def _number(args: list[str]) -> int | None:
    return numbered(args)[0]


# --- reporting ------------------------------------------------------------------------------
async def report(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    text = " ".join(context.args or []).strip()
    if update.edited_message is not None and await _report_edited(msg, context, text):
        return
    target = msg
    if not text and msg.reply_to_message is not None and msg.reply_to_message.from_user \
            and not msg.reply_to_message.from_user.is_bot:
        target = msg.reply_to_message  # /report as a reply reports that message
        text = target.text or target.caption or ""
    if not visible(text):  # nothing, or only spaces and zero-width characters
        await msg.reply_html(render("report_usage"))
        return
    det = detect(text)
    explicit = Detection(True, det.category if det.category in CATEGORIES else "other", 1.0,
                         det.urgent, det.location, det.summary or text[:20], det.keywords,
                         det.urgent_kind)
    await ctx.ensure_group(context, msg.chat)
    await open_issue(target, context, explicit, explicit=True, text=text, asker=msg)


async def _report_edited(msg: Message, context: Context, text: str) -> bool:
    """An edited /report: the issue it opened takes the corrected words (True); one that
    opened nothing files the words it has now, like a new /report (False), and an edit
    that still says nothing is left alone (True) — no usage text for a typo fixed."""
    svc = ctx.service(context)
    issue = await svc.find_by_source_message(msg.chat.id, msg.message_id)
    if issue is not None:
        if visible(text):
            updated = await svc.update_text(issue.id, text, detect(text))
            await refresh_card(context.bot, updated, await svc.get_group(msg.chat.id),
                               svc.settings)
        return True
    return not visible(text)


# --- looking ----------------------------------------------------------------------------------
async def list_issues(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None:
        return
    word = (context.args or ["未办结"])[0]
    words = status_words() | MORE_STATUS_WORDS
    status = words.get(word, words.get(word.lower(), "open_all"))
    label = word if word in words else render("status_open_all")
    page = await ctx.service(context).list_issues(
        IssueFilter(chat_id=msg.chat.id, status=status or None), page=1, page_size=15)
    if not page.items:
        await answer(msg, context, render("list_empty", label=label if status else ""))
        return
    lines = [render("list_header", label=label if status else "全部", total=page.total)]
    for i in page.items:
        lines.append(render("list_item", i=i, light=LIGHT_ICONS.get(i.light or "", "⚪"),
                            summary=mask(i.summary)))
    if page.total > len(page.items):
        lines.append(render("list_more", more=page.total - len(page.items)))
    await answer(msg, context, "\n".join(lines))


async def show_issue(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None:
        return
    n = _number(context.args or [])
    if n is None:
        await msg.reply_html(render("need_number", cmd="issue"))
        return
    svc = ctx.service(context)

    issue = await svc.get_issue(msg.chat.id, n, with_events=True)
    group = await svc.get_group(msg.chat.id)
    card, _ = render_card(issue, group, svc.settings, notify=False)  # a lookup: no ping
    tz = group.timezone if group else "Asia/Shanghai"
    events = []
    departments = ctx.settings(context).department_names()
    for e in issue.events:
        who = e.actor.name if e.actor else render("system_actor")
        note = mask(e.note) if e.note else None
        detail = event_detail(e.kind, e.data, note, departments)
        events.append(escape(f"{local_time(e.at, tz)} {who} {_event_word(e.kind)}")
                      + (f"：{detail}" if detail else ""))
    await answer(msg, context, render("issue_detail", card=safe(card),
                                      events=[safe(x) for x in events]))


def _event_word(kind: str) -> str:
    return render(f"event.{kind}") if has(f"event.{kind}") else kind


async def mine(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    items = await ctx.service(context).mine(msg.chat.id, msg.from_user.id)
    if not items:
        await answer(msg, context, render("mine_empty"))
        return
    lines = [render("mine_header", name=msg.from_user.full_name)]
    lines += [render("list_item", i=i, light=LIGHT_ICONS.get(i.light or "", "⚪"),
                     summary=mask(i.summary)) for i in items[:20]]
    await answer(msg, context, "\n".join(lines))


async def stats(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None:
        return
    svc = ctx.service(context)
    group = await ctx.ensure_group(context, msg.chat)
    tz = ZoneInfo(group.timezone)
    now = svc.clock().astimezone(tz)  # the service's clock, as the digest counts
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    s = await svc.stats(msg.chat.id, start, None)
    await answer(msg, context, render(
        "stats", s=s, period=f"{now.year}年{now.month}月至今",
        figures=safe(figures(s, render("figures_label.month"))), rate=percent(s.resolution_rate),
        satisfaction=satisfaction(s, svc.settings.satisfaction_min_ratings)))


async def categories(update: Update, context: Context) -> None:
    if update.effective_message:
        cats = [name for code, name in CATEGORIES.items() if code != "other"]
        await answer(update.effective_message, context, render("categories", cats=cats))


# --- acting -----------------------------------------------------------------------------------
async def _act(update: Update, context: Context, cmd: str,
               needs_text: str | None = None) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    n, words = numbered(context.args or [])
    if n is None:
        await msg.reply_html(render("need_number", cmd=cmd))
        return
    text = " ".join(words).strip()
    if needs_text and not text:
        await msg.reply_html(render(needs_text))
        return
    svc = ctx.service(context)
    actor = ctx.person(msg.from_user)

    group = await ctx.ensure_group(context, msg.chat)
    chat, num = msg.chat.id, n
    if group.department_code:
        # In a department's group, numbers are the global ids it was sent (第 N 号), and
        # whoever acts here is one of the department's people.
        await svc.add_department_member(group.department_code, actor)
        issue = await svc.get_issue_by_id(n)
        chat, num = issue.chat_id, issue.number
    calls = {
        "ack": lambda: svc.acknowledge(chat, num, actor, text or None),
        "resolve": lambda: svc.resolve(chat, num, actor, text or None),
        "reject": lambda: svc.reject(chat, num, actor, text),
        "reopen": lambda: svc.reopen(chat, num, actor, text or None),
        "progress": lambda: svc.progress(chat, num, actor, text),
    }
    result = await with_fresh_admins(context, chat, calls[cmd])
    await announce(context.bot, svc, result)
    if group.department_code:
        await msg.reply_html(render("synced_to_group", title=issue.group_title))


async def ack(update: Update, context: Context) -> None:
    await _act(update, context, "ack")


async def resolve(update: Update, context: Context) -> None:
    await _act(update, context, "resolve")


async def reject(update: Update, context: Context) -> None:
    await _act(update, context, "reject", needs_text="reject_usage")


async def reopen(update: Update, context: Context) -> None:
    await _act(update, context, "reopen")


async def progress(update: Update, context: Context) -> None:
    await _act(update, context, "progress", needs_text="progress_usage")


async def _target_person(msg: Message, context: Context) -> PersonRef | str:
    """The person a command names: a text_mention, a reply, or an @username we know."""
    for ent in msg.entities:
        if ent.type == MessageEntity.TEXT_MENTION and ent.user is not None:
            return ctx.person(ent.user)
    for ent in msg.entities:
        if ent.type == MessageEntity.MENTION:
            name = msg.parse_entity(ent)
            found = await ctx.service(context).find_person(name)
            return found if found is not None else name
    reply = msg.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        return ctx.person(reply.from_user)
    return ""


async def _named_member(msg: Message, context: Context, usage: str,
                        command: str) -> PersonRef | None:
    """The member of this group a command names (/assign, /setowner), or None once the
    sender is told why not: nobody named (the usage), or someone this group does not have —
    an @name never seen, or a person known from another group, who must not be handed this
    group's issues."""
    target = await _target_person(msg, context)
    if target == "":
        await msg.reply_html(render(usage))
        return None
    if isinstance(target, str):
        await msg.reply_html(render("assignee_unknown", who=target, command=command))
        return None
    member = None
    if target.user_id is not None:
        try:
            member = await context.bot.get_chat_member(msg.chat.id, target.user_id)
        except BadRequest:  # "user not found": Telegram has never seen them here
            member = None
    if member is None or member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        who = f"@{target.username}" if target.username else target.name
        await msg.reply_html(render("assignee_unknown", who=who, command=command))
        return None
    return target


async def assign(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    n = _number(context.args or [])
    if n is None:
        await msg.reply_html(render("assign_usage"))
        return
    svc = ctx.service(context)
    actor = ctx.person(msg.from_user)
    # Who asks first: a plain member hears "只有…可以交办", not "找不到 @x".
    await ctx.ensure_group(context, msg.chat)
    user_id = msg.from_user.id
    await with_fresh_admins(context, msg.chat.id, lambda: svc.require(
        msg.chat.id, n, user_id, Action.ASSIGN))
    target = await _named_member(msg, context, "assign_usage", f"/assign {n}")
    if target is None:
        return
    result = await with_fresh_admins(context, msg.chat.id, lambda: svc.assign(
        msg.chat.id, n, actor, target))
    await announce(context.bot, svc, result)


async def setowner(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    svc = ctx.service(context)
    await ctx.ensure_group(context, msg.chat)
    actor_id = msg.from_user.id
    await with_fresh_admins(context, msg.chat.id, lambda: svc.require_group_manager(
        msg.chat.id, actor_id, GroupAct.SET_OWNER))
    target = await _named_member(msg, context, "setowner_usage", "/setowner")
    if target is None:
        return
    group = await with_fresh_admins(context, msg.chat.id, lambda: svc.set_owner(
        msg.chat.id, actor_id, target))
    await msg.reply_html(render("owner_set", owner=safe(mention(group.owner))))


async def settings_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    svc = ctx.service(context)
    group = await ctx.ensure_group(context, msg.chat)
    args = context.args or []
    if not args:
        await answer(msg, context, settings_text(group.settings))
        return
    actor_id = msg.from_user.id
    # Who asks first: a plain member hears "只有群主或管理员可以修改设置", not which values
    # a setting takes.
    await with_fresh_admins(context, msg.chat.id, lambda: svc.require_group_manager(
        msg.chat.id, actor_id, GroupAct.SETTINGS))
    key = SETTING_KEYS.get(args[0].lower())
    if key is None or len(args) < 2:
        await answer(msg, context, render("settings_unknown"))
        return
    raw = " ".join(args[1:]).strip()
    value = setting_value(key, raw)
    if value is None:
        await answer(msg, context, render("settings_bad_value",
                                          name=render(f"setting_name.{key}"),
                                          choices=render(f"setting_choices.{key}")))
        return
    g = await with_fresh_admins(context, msg.chat.id, lambda: svc.update_group_settings(
        msg.chat.id, actor_id, **{key: value}))
    await answer(msg, context, render("settings_saved", name=render(f"setting_name.{key}"),
                                      value=shown_setting(key, g.settings.get(key))))


def setting_value(key: str, raw: str) -> object | None:
    """A setting as the service takes it, from Chinese or English words; None if invalid."""
    word = raw.lower()
    if key == "auto_detect":
        return SWITCH.get(word)
    if key == "sensitivity":
        return SENSITIVITY.get(word)
    if key == "quiet_hours" and word in NO_QUIET:
        return ""
    try:
        if key in ("digest_time", "progress_time"):
            parse_clock(raw)
        elif key == "quiet_hours":
            parse_quiet_hours(raw)
        elif key == "timezone":
            ZoneInfo(raw)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return raw


def shown_setting(key: str, value: object) -> str:
    if key == "auto_detect":
        return "开" if value else "关"
    if key == "sensitivity":
        return render(f"sensitivity.{value}") if has(f"sensitivity.{value}") else str(value)
    if key == "timezone":
        return render(f"timezone_name.{value}") if has(f"timezone_name.{value}") else str(value)
    if key == "quiet_hours":
        return str(value) or "无"
    return str(value)


def settings_text(settings: dict[str, object]) -> str:
    return render("settings_show", s=settings,
                  sensitivity=shown_setting("sensitivity", settings.get("sensitivity")),
                  timezone=shown_setting("timezone", settings.get("timezone")))


async def digest(update: Update, context: Context) -> None:
    """/digest: the daily figures now, on demand."""
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None:
        return
    svc = ctx.service(context)
    group = await ctx.ensure_group(context, msg.chat)
    # In a unit's own group: the unit's figures (every group under it) and its 督办事项, as
    # its evening digest, not this group's own (a work group receives no complaints).
    unit = next(((uid, name) for uid, name, _level, home in await svc.org_units()
                 if home == group.chat_id), None)
    html = await digest_html(svc, group, svc.clock(), always=True, unit=unit)
    assert html is not None
    await answer(msg, context, html)
