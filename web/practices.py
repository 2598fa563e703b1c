"""工作动态: the practices beyond intake on one page (`/practices`): the newest notices with
their reach and delivery, the supervised issues still open, votes and their results, the
month's volunteer help and the latest help requests, and the 12345 orders of the last 30 days
with what became of each."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from issues.privacy import mask
from web.names import name, rating_word
from web.pages import SETTINGS, owners, svc_of
from web.render import render

SHOWN = 30  # items per list
HOTLINE_DAYS = 30


async def page(request: web.Request) -> web.Response:
    svc = svc_of(request)
    now = svc.clock()
    local = now.astimezone(ZoneInfo(request.app[SETTINGS].timezone))
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    orders = await svc.hotline.outcomes(now - timedelta(days=HOTLINE_DAYS), newest=SHOWN)
    notices = await svc.notices.newest(SHOWN)
    helps = await svc.helping.newest(SHOWN)
    supervised = await svc.oversight.supervised()
    # Who holds each (the assignee, else the group's owner, as in the ledger) and by when:
    # what a district worker chasing the supervised issues asks first.
    holders = owners(await svc.groups_of(i.chat_id for i, _ in supervised))
    return render(
        request, "practices.html", supervised=supervised, owners=holders,
        notices=list(zip(notices, [mask(n.text)[:80] for n in notices], strict=True)),
        votes=[(v, list(zip(v.options, v.counts, strict=True)))
               for v in await svc.votes.newest(SHOWN)],
        helped=await svc.helping.figures(month, now + timedelta(seconds=1)), month=local.month,
        helps=[(h, mask(h.text)[:80], name("wish", h.status)) for h in helps],
        orders=[(o, rating_word(o.issue.rating)) for o in orders],
        hotline_days=HOTLINE_DAYS)


def routes() -> list[web.RouteDef]:
    return [web.get("/practices", page)]
