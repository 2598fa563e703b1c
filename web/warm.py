"""The dashboard's warm-up as it starts: the first district officer after a deploy should not
wait for what every later request finds ready.

On a district's ledger the first `/` or 大屏 after a start took a third longer than the next
(370 ms against 250–290): its templates were compiled, the database connections its figures
are read on side by side were opened (on PostgreSQL each statement prepared on each), and
SQLAlchemy compiled its statements, all on that one request. The warm-up does that work once
before the site takes requests, by computing what the 大屏 shows (the overview's figures and
more), the ledger's first page and its list of people in charge; the figures and the list
are then kept for their minute like any request's.

Then what the process holds from now on to its end (modules, compiled templates and
statements, settings) is put out of the garbage collector's sight, as the bot does after its
own start (bot.app): on a district's dashboard each full collection walked all of it,
100–400 ms every second or two while a page or an export was being made, on whichever
request was running.
"""

from __future__ import annotations

import gc
import logging
import time

from aiohttp import web

from issues.views import IssueFilter
from web import figures
from web.pages import HOLDERS_MAX_AGE, PAGE_SIZE, SERVICE, SETTINGS
from web.render import TEMPLATES

log = logging.getLogger(__name__)


async def warm_up(app: web.Application) -> None:
    """aiohttp's on_startup: never stops the start (a dashboard that starts cold still
    serves)."""
    t = time.perf_counter()
    env = app[TEMPLATES]
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    if SERVICE in app:
        svc = app[SERVICE]
        try:
            await figures.screen(svc, app[SETTINGS])
            await svc.list_issues(IssueFilter(), page_size=PAGE_SIZE)
            await svc.holders(max_age=HOLDERS_MAX_AGE)  # the ledger's 负责人 list
        except Exception:  # the requests will say what is wrong, to whoever asks
            log.exception("dashboard warm-up failed")
    gc.collect()
    gc.freeze()
    log.info("dashboard warmed up in %.0f ms", (time.perf_counter() - t) * 1000)
