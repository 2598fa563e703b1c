"""回访 through the real bot: an issue resolved without a rating is asked about once, as a
reply to the report with the rating buttons; unanswered, it is recorded as 未评价 and never
counted as satisfied; a rated one is never asked."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.practices.conftest import Start, text_of

FAST = {"schedule": {"enabled": True, "reminder_interval": "0.3s", "quiet_hours": "",
                     "digest_time": "23:59", "progress_time": "23:59"},
        "practices": {"followup": {"after": "1.5s", "wait": "2s"}}}


def _rating_buttons(m: dict[str, Any]) -> list[str]:
    rows = (m.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row
            if b.get("callback_data", "").startswith("rate:")]


async def test_unrated_resolution_is_asked_once_then_recorded_unrated(practice: Start) -> None:
    h = await practice(**FAST)
    g = await h.group()
    chat, owner, (a, b) = g["chat"], g["owner"], g["residents"]
    first = await h.say(chat, a, "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(chat, first["message_id"], lambda m: "#1" in text_of(m))
    second = await h.say(chat, b, "小区东门垃圾桶满了两天冇人收")
    await h.reply_from_bot(chat, second["message_id"], lambda m: "#2" in text_of(m))
    for n, source in ((1, first), (2, second)):
        await h.say(chat, owner, f"/resolve {n} 已处理")
        done = await h.reply_from_bot(chat, source["message_id"], _rating_buttons)
    # #2's reporter rates at once; #1's says nothing.
    await h.client.press(chat, b, done["message_id"], _rating_buttons(done)[0])
    await h.client.wait_for(chat, lambda m: m["message_id"] == done["message_id"]
                            and not _rating_buttons(m))

    ask = await h.reply_from_bot(chat, first["message_id"],
                                 lambda m: "还没收到您的评价" in text_of(m), timeout=20)
    assert any(e["type"] == "text_mention" and e["user"]["id"] == a
               for e in ask.get("entities", []))
    assert len(_rating_buttons(ask)) == 3
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert issue.followup == "asked"
    await asyncio.sleep(3)  # past the wait: recorded as 未评价
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert issue.followup == "unrated" and issue.rating is None
    assert [e.kind for e in issue.events if e.kind == "unrated"] == ["unrated"]
    await h.client.wait_for(chat, lambda m: m["message_id"] == issue.card_message_id
                            and "回访：未评价" in text_of(m))
    msgs = await h.client.bot_messages(chat)
    assert len([m for m in msgs if "还没收到您的评价" in text_of(m)
                and (m.get("reply_to_message") or {}).get("message_id")
                == first["message_id"]]) == 1
    assert not [m for m in msgs if "还没收到您的评价" in text_of(m)
                and (m.get("reply_to_message") or {}).get("message_id")
                == second["message_id"]]
    stats = await h.service.stats(chat)
    assert (stats.rated, stats.satisfied) == (1, 1)  # the unrated one is no satisfied one
    # A late rating still counts.
    await h.client.press(chat, a, ask["message_id"], _rating_buttons(ask)[-1])
    await h.client.wait_for(chat, lambda m: "不满意" in text_of(m) or "哪里" in text_of(m))
    assert (await h.service.get_issue(chat, 1)).rating == 1
