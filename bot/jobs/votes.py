"""Closing votes: a vote past its closing time whose closed poll never reached us (the bot was
down, the update was lost) is stopped here, and every result is posted once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from telegram import Bot
from telegram.error import BadRequest

from bot.present.send import send_html
from bot.present.templates import render
from issues.service import IssueService
from issues.votes import VoteView

log = logging.getLogger(__name__)


async def close_due_votes(bot: Bot, svc: IssueService, now: datetime | None = None) -> None:
    """Stop the polls of votes past their closing time (`now`: the service's clock)."""
    for vote in await svc.votes.due(now):
        assert vote.message_id is not None
        try:
            poll = await bot.stop_poll(vote.chat_id, vote.message_id)
        except BadRequest as exc:  # closed already, or the poll's message is gone
            log.info("vote %s: poll not stopped (%s); the last counts stand", vote.id, exc)
            await announce_result(bot, svc, vote, None, None)
            continue
        await announce_result(bot, svc, vote, [o.voter_count for o in poll.options],
                              poll.total_voter_count)


async def announce_result(bot: Bot, svc: IssueService, vote: VoteView,
                          counts: Sequence[int] | None, voters: int | None) -> None:
    """Record the result and post it under the poll, the first time only."""
    final, first = await svc.votes.close(vote.id, counts, voters)
    if not first:
        return
    key = f"voteresult:{vote.id}"
    if not await svc.claim_delivery(key, vote.chat_id):
        return
    total = sum(final.counts)
    rows = [(o, c, round(100 * c / total) if total else 0)
            for o, c in zip(final.options, final.counts, strict=True)]
    sent = await send_html(bot, vote.chat_id, render("vote_result", v=final, rows=rows),
                           reply_to=vote.message_id)
    await svc.mark_delivered(key, sent.message_id)
