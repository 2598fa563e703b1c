"""Talking with the group in its own words.

- A grid worker's natural reply ("收到，已经联系物业了，明天上午来修", "东门井盖已经修好了"),
  as a reply to a resident's report or naming an open issue (its number, its place and what
  it is, or the kind of problem when one open issue is of that kind), is read for the step it
  reports (`nlp.intent`); the bot asks "记为 进展 #6？" — privately when the
  worker has started the bot — and nothing changes until they tap. Words naming no issue are
  about the one just reported. A nod ("收到", "👌") under the report takes it on at once;
  under the card, see `under_card`.
- A resident asking ("修好了没有", "怎么样了", "有人管吗", "@bot 我反映的路灯怎么样了", or a
  reply to a card) gets the status of the issue in this group that best matches; when she is
  its reporter, asking again is a 催办 that reminds the person responsible (at most every
  `bot.nudge_gap`), and the count of people stays.
- A resident's answer to "哪里不满意？" — a reply to it, or simply her next message within
  `REASON_WAIT` (people type; not everyone taps 回复) — is recorded and passed to the person
  responsible.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity

from bot import context as ctx
from bot.callbacks import Confirm, Dismiss
from bot.context import Context
from bot.present.announce import announce
from bot.present.cards import holder, local_time, rating_word
from bot.present.lookup import answer, remove_later, send_private
from bot.present.send import refresh_card
from bot.present.templates import render, safe
from bot.settings import bot_settings
from issues.errors import IssueError
from issues.lifecycle import OPEN_STATUSES, Status
from issues.privacy import mask
from issues.service import IssueService
from issues.views import GroupView, IssueFilter, IssueView
from nlp import detect, named_kinds
from nlp.intent import (
    Step,
    asks_status,
    assents_only,
    mentions,
    mere_nod,
    names_something,
    names_spot,
    read_progress,
    thanks,
    topic,
)

log = logging.getLogger(__name__)
CANDIDATES = 50  # newest issues of a group a message is matched against
REASON_WAIT = 600.0  # seconds her next message counts as the answer to "哪里不满意？"
OWN_ISSUE = 2  # what being an issue's reporter adds to how well a question matches it
NAMED = 3  # how plainly an owner's words must name an issue (its place and what it is)
# An owner's words that name no issue, this soon after one was reported, are about that one.
JUST_REPORTED = timedelta(hours=2)
_NUMBER = re.compile(r"#(\d+)")
# What each step may be offered from (a step the issue is past is not offered).
OFFER_FROM = {
    Step.ACKNOWLEDGE: (Status.OPEN,),
    Step.PROGRESS: OPEN_STATUSES,
    Step.RESOLVE: OPEN_STATUSES,
    Step.DECLINE: OPEN_STATUSES,
}


def addressed(msg: Message, context: Context) -> bool:
    """The message @-mentions the bot or replies to one of its messages."""
    me = context.bot_data.me
    if me is None:
        return False
    reply = msg.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == me.id:
        return True
    for ent in msg.entities or ():
        if ent.type == MessageEntity.MENTION and msg.parse_entity(ent)[1:].lower() == (
                me.username or "").lower():
            return True
        if ent.type == MessageEntity.TEXT_MENTION and ent.user and ent.user.id == me.id:
            return True
    return False


def without_mention(msg: Message, context: Context, text: str) -> str:
    """The words without the bot's own @mention: "@suqiu_bot 车库的水还要等多久" is filed,
    shown on the card and noted as 车库的水还要等多久. The text as it is when nothing else
    is left."""
    me = context.bot_data.me
    if me is None or not me.username:
        return text
    words = text
    tagged = (msg.parse_entities([MessageEntity.MENTION]) if msg.text
              else msg.parse_caption_entities([MessageEntity.MENTION]))
    for said in tagged.values():
        if said[1:].lower() == me.username.lower():
            words = words.replace(said, "")
    return words.strip() or text


def manages(group: GroupView, user_id: int, issue: IssueView | None = None) -> bool:
    """Owner, admin or the issue's assignee: whose words may be offered as a step (the
    service decides again when the step is taken)."""
    return bool((group.owner and group.owner.user_id == user_id)
                or any(a.user_id == user_id for a in group.admins)
                or (issue is not None and issue.assignee is not None
                    and issue.assignee.user_id == user_id))


async def candidates(svc: IssueService, chat_id: int,
                     assignee: int | None = None) -> list[IssueView]:
    if assignee is not None:
        return await svc.assigned_issues(chat_id, assignee, CANDIDATES)
    page = await svc.list_issues(IssueFilter(chat_id=chat_id), page=1, page_size=CANDIDATES)
    return page.items


def best_match(text: str, issues: list[IssueView], asker: int | None,
               least: int) -> IssueView | None:
    """The issue `text` names most plainly (newest first on a tie); naming the kind of an
    open one counts ("水还要停多久": the water outage); being its reporter counts when the
    question names it or nothing in particular, so "有人管吗" from a resident means her own
    issue, but "电梯修好了没有" or "水还要停多久" never means her drain."""
    about = topic(text)
    kinds = named_kinds(text)
    vague = not names_something(about) and not kinds
    best, best_score = None, least - 1
    for issue in issues:
        score = mentions(about, issue.location_text, f"{issue.summary} {issue.category_name}")
        if asker is not None and issue.reporter.user_id == asker and (score or vague):
            score += OWN_ISSUE  # not for its kind alone: "车库的水…" names the flooded garage
        if issue.is_open and issue.category in kinds:
            score += 1
        if score > best_score:
            best, best_score = issue, score
    return best


# --- the grid worker's own words ------------------------------------------------------------
async def owner_words(msg: Message, context: Context, group: GroupView, text: str) -> bool:
    """A manager's reply read as a step: offer it for one tap. True when a question was
    offered (the message needs nothing else)."""
    step = read_progress(text)
    if step is None or msg.from_user is None:
        return False
    svc = ctx.service(context)
    issue: IssueView | None = None
    reply = msg.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        issue = await svc.find_by_source_message(msg.chat.id, reply.message_id)
    under_report = issue is not None
    if issue is None:
        # A resident's "收到" is common chat: someone who manages nothing in the group can be
        # offered only an issue assigned to them, so only those are read.
        mine = None if manages(group, msg.from_user.id) else msg.from_user.id
        open_ones = [i for i in await candidates(svc, msg.chat.id, mine) if i.is_open]
        issue = _named(text, open_ones)
        if issue is None and _NUMBER.search(text) is None and not mere_nod(text):
            issue = _unnamed(text, step, open_ones, svc.clock())
    if issue is None or issue.status not in OFFER_FROM[step]:
        return False
    if not manages(group, msg.from_user.id, issue):
        return False
    if under_report and step is Step.ACKNOWLEDGE and assents_only(text):
        # "收到" under her own report: she has read it, the card says 已受理; a question
        # asking to confirm a nod would be the only noise
        result = await svc.acknowledge(msg.chat.id, issue.number, ctx.person(msg.from_user))
        await announce(context.bot, svc, result, told=True)
        return True
    await offer(msg, context, issue, step, text)
    return True


def _named(text: str, issues: list[IssueView]) -> IssueView | None:
    """The open issue a message names: by its number ("#3 修好了"); by place and by what it
    is (both, when it has a place; two pieces of what it is, when it has none); or, when the
    words name a kind of problem ("井盖那个换好了") and no other place, the one open issue
    of that kind — a worker names the thing, not our summary of it."""
    number = _NUMBER.search(text)
    if number is not None:
        return next((i for i in issues if i.number == int(number.group(1))), None)
    for issue in issues:
        score = mentions(text, issue.location_text, f"{issue.summary} {issue.category_name}")
        if score >= NAMED:
            return issue
    det = detect(text)
    kinds = named_kinds(text) | ({det.category} - {"other"})
    kind = [i for i in issues if i.category in kinds]
    if len(kind) > 1:  # two of the kind: the one whose place the words name, if only one
        kind = [i for i in kind if names_spot(text, i.location_text)]  # → the 5栋楼道 lamp
    if len(kind) != 1:  # nothing in particular, or two issues it could be
        return None
    issue = kind[0]
    if det.location and not _at(det.location, issue) and (
            issue.location_text or any(_at(det.location, i) for i in issues)):
        return None  # "5栋路灯修好了" is not about the lamp at 3栋, nor "车库的水…" about
        # the outage at no place when the garage is another open issue's place
    return issue


def _unnamed(text: str, step: Step, issues: list[IssueView],
             now: datetime) -> IssueView | None:
    """The issue words that name none are about ("已经修好了，大家看看", "明天上午处理",
    "收到"): the one just reported (`JUST_REPORTED`), when only one was; else, for "done",
    the group's only open issue. None when the words name a place or a kind
    (they are about something else) or when it could be either of two."""
    det = detect(text)
    if det.location or named_kinds(text) or det.category != "other":
        return None
    recent = [i for i in issues if i.created_at >= now - JUST_REPORTED]
    if len(recent) == 1:
        return recent[0]
    if step is Step.RESOLVE and not recent and len(issues) == 1:
        return issues[0]  # "已经修好了，大家看看" the next day
    return None


def _at(place: str, issue: IssueView) -> bool:
    return bool(issue.location_text) and mentions(place, issue.location_text, "") >= 2


async def offer(msg: Message, context: Context, issue: IssueView, step: Step,
                text: str) -> None:
    """记为 进展 #6？ — privately to a worker who has started the bot, else under their
    message (removed if left unanswered)."""
    assert msg.from_user is not None
    name = render(f"step.{step.value}")
    html = render("confirm_step", i=issue, step=name, who=msg.from_user.full_name,
                  note=mask(text[:500]))
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(render("button.confirm", step=name, number=issue.number),
                             callback_data=Confirm(issue.id, step.value).pack()),
        InlineKeyboardButton(render("button.dismiss"),
                             callback_data=Dismiss(msg.from_user.id).pack()),
    ]])
    if await send_private(context, msg.from_user.id, html, markup, group=msg.chat.title):
        return
    asked = await msg.reply_html(html, reply_markup=markup)
    remove_later(context, msg.chat.id, [asked.message_id])


async def under_card(msg: Message, context: Context, issue: IssueView) -> None:
    """A manager's words in reply to the card, which names the issue: "修好了" and "不归我们管"
    are offered for one tap (办结 asks the reporter to rate; a misread one must not close
    it); "收到", "👌" take an open issue on, and say nothing once it is taken; a question or
    thanks is no step; anything else is a progress note, as before."""
    assert msg.from_user is not None and msg.text
    svc = ctx.service(context)
    actor = ctx.person(msg.from_user)
    step = read_progress(msg.text)
    if step is None and (asks_status(msg.text) or thanks(msg.text)):
        return  # "师傅来过了吗？", "辛苦大家了": asked or thanked, nothing done to note
    if step in (Step.RESOLVE, Step.DECLINE):
        if issue.status in OFFER_FROM[step]:
            await offer(msg, context, issue, step, msg.text)
        return
    if step is Step.ACKNOWLEDGE and issue.status == Status.OPEN:
        note = None if assents_only(msg.text) else msg.text
        result = await svc.acknowledge(msg.chat.id, issue.number, actor, note)
    elif step is Step.ACKNOWLEDGE and assents_only(msg.text):
        return  # taken on already: "👌" adds nothing the card does not show
    else:
        result = await svc.progress(msg.chat.id, issue.number, actor, msg.text)
    await announce(context.bot, svc, result)


# --- residents asking -----------------------------------------------------------------------
@dataclass(frozen=True)
class Answered:
    """A question answered: with the status of `issue`, or (None) with "还没有找到"."""

    issue: IssueView | None


async def question(msg: Message, context: Context, group: GroupView, text: str,
                   about: IssueView | None = None) -> Answered | None:
    """A resident asking how an issue stands: answer with the one it most plainly names —
    by its words and place, or, naming only a kind of thing ("水还要停多久"), the one open
    issue of that kind, as a worker's words find it. None when not answered."""
    if msg.from_user is None:
        return None
    svc = ctx.service(context)
    issue = about
    if issue is None:
        issues = await candidates(svc, msg.chat.id)
        issue = best_match(text, issues, msg.from_user.id, least=1) or _named(
            text, [i for i in issues if i.is_open])
    if issue is None:
        if addressed(msg, context):
            # asked after something not found; else thanked or greeted: how to report
            said = ("status_unknown" if asks_status(text)
                    else "addressed_thanks" if thanks(text) else "addressed_hint")
            await answer(msg, context, render(said), private=False)
            return Answered(None)
        return None
    urged = issue.reporter.user_id == msg.from_user.id and issue.is_open
    await tell_status(msg, context, issue, group, urged=urged)
    return Answered(issue)


async def tell_status(msg: Message, context: Context, issue: IssueView, group: GroupView,
                      *, urged: bool) -> None:
    """The issue's status as a short reply (removed later); a reporter asking again about an
    open issue is a 催办: the person responsible is @-mentioned, at most every nudge_gap."""
    svc = ctx.service(context)
    nudged = urged and await _may_nudge(svc, issue)
    html = render("status_answer", i=issue, line=safe(status_line(issue, group)),
                  nudged=nudged, urged=urged, holder=safe(holder(issue, group)),
                  reminded=_holder_name(issue, group))
    await answer(msg, context, html, private=False)


def status_line(issue: IssueView, group: GroupView) -> str:
    tz = group.timezone
    due = issue.due_at
    taken = ""
    if issue.taken_by is not None and issue.acknowledged_at is not None:
        taken = f"{issue.taken_by.name}，{local_time(issue.acknowledged_at, tz)}"
    return render(f"status_line.{issue.status}", i=issue,
                  due=local_time(due, tz) if due else "", taken=taken,
                  progress=mask(issue.progress_note or "")[:100],
                  done=local_time(issue.resolved_at, tz) if issue.resolved_at else "",
                  rating=rating_word(issue.rating))


def _holder_name(issue: IssueView, group: GroupView) -> str:
    person = issue.assignee or group.owner
    return person.name if person else render("owner_fallback")


async def _may_nudge(svc: IssueService, issue: IssueView) -> bool:
    """Once per nudge_gap per issue (a delivery key per window: exactly once across
    workers and restarts)."""
    gap = bot_settings(svc.settings).nudge_gap.total_seconds() or 1
    window = int(svc.clock().timestamp() // gap)
    return await svc.claim_delivery(f"nudge:{issue.id}:{window}", issue.chat_id)


# --- 不满意: why ----------------------------------------------------------------------------
def asked_issue_number(bot_message: Message) -> int | None:
    """The issue a message of ours is about (each starts with its "#N")."""
    m = _NUMBER.search(bot_message.text or bot_message.caption or "")
    return int(m.group(1)) if m else None


def ask_reason(context: Context, issue: IssueView, user_id: int) -> None:
    """Remember that this reporter was just asked why she is not satisfied with the issue
    (in this process: a restart forgets it, and a reply to the question still counts)."""
    asked = context.bot_data.reasons_asked
    now = time.monotonic()
    for key in [k for k, (_, _, until) in asked.items() if until < now]:
        del asked[key]
    asked[(issue.chat_id, user_id)] = (issue.number, issue.category, now + REASON_WAIT)


def asked_why(chat_id: int, user_id: int, context: Context) -> bool:
    """Whether this reporter was asked "哪里不满意？" in this chat a moment ago."""
    asked = context.bot_data.reasons_asked.get((chat_id, user_id))
    return asked is not None and asked[2] >= time.monotonic()


def reason_awaited(msg: Message, context: Context) -> int | None:
    """The issue whose "哪里不满意？" this message plainly answers (asked of its sender a
    moment ago), or None. Not when it reports a problem of another kind ("5栋的井盖也松了"):
    that is a new complaint."""
    if msg.from_user is None or msg.reply_to_message is not None or not msg.text:
        return None
    asked = context.bot_data.reasons_asked.get((msg.chat.id, msg.from_user.id))
    if asked is None or asked[2] < time.monotonic():
        return None
    det = detect(msg.text)
    return asked[0] if not det.is_issue or det.category == asked[1] else None


async def unsatisfied_reason(msg: Message, context: Context, group: GroupView,
                             awaited: int | None = None) -> bool:
    """The reporter answering our "哪里不满意？" — a reply to it, or her next message (the
    issue `reason_awaited` found) —: recorded on the issue and passed to the person
    responsible (privately when they have started the bot)."""
    if msg.from_user is None or not msg.text:
        return False
    reply = msg.reply_to_message
    if reply is None:
        number = awaited
    elif render("unsatisfied_marker") not in (reply.text or ""):
        return False
    else:
        number = asked_issue_number(reply)
    if number is None:
        return False
    context.bot_data.reasons_asked.pop((msg.chat.id, msg.from_user.id), None)  # answered
    svc = ctx.service(context)
    try:
        result = await svc.comment(msg.chat.id, number, ctx.person(msg.from_user), msg.text,
                                   kind="reason")
    except IssueError as err:
        log.info("reason for #%s not recorded: %s", number, err)
        return False
    issue = result.issue
    who, reason = msg.from_user.full_name, mask(msg.text[:500])

    def told(to: str) -> str:
        return render("unsatisfied_reason", i=issue, who=who, reason=reason, holder=to)

    person = issue.assignee or group.owner
    # Privately, to the one who holds it: he is not asked by name to follow up. In the group
    # he is named without a ping: the reopening a few minutes ago already @-mentioned him.
    if person is None or person.user_id is None \
            or not await send_private(context, person.user_id, told(""), group=msg.chat.title):
        await msg.reply_html(told(safe(holder(issue, group, notify=False))))
    await refresh_card(context.bot, issue, group, svc.settings)
    return True

