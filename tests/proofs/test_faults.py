"""Telegram failing under us: 10 % of requests answered 429 or 500, others delayed. Every card
and every update still arrives, once."""

from __future__ import annotations

from typing import Any

from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


async def test_cards_and_updates_arrive_once_despite_faults(harness: Harness) -> None:
    groups = [await harness.group(title=f"{n}号楼群", owner_username=f"owner_{n}")
              for n in range(2)]
    await harness.client.set_faults(error_rate=0.1, codes=[429, 500], latency_ms=[0, 40],
                                    retry_after=1, seed=11)
    sent = []
    for n in range(8):
        g = groups[n % 2]
        m = await harness.say(g["chat"], g["residents"][0], f"{n + 1}栋门口路灯坏了好几天了")
        sent.append((g, m))
    for g, m in sent:
        await harness.reply_from_bot(g["chat"], m["message_id"],
                                     lambda x: "路灯照明" in _text(x), timeout=60)
    for g, m in sent[:4]:
        issue = await harness.service.find_by_source_message(g["chat"], m["message_id"])
        assert issue is not None and issue.card_message_id is not None
        await harness.client.press(g["chat"], g["owner"], issue.card_message_id,
                                   f"ack:{issue.id}")
        await harness.reply_from_bot(g["chat"], m["message_id"],
                                     lambda x: "✅" in _text(x) and "已受理" in _text(x),
                                     timeout=60)
    calls = await harness.client.calls()
    assert any(not c.get("ok", True) for c in calls), "no fault was injected"
    await harness.client.set_faults()
    for g in groups:
        msgs = await harness.client.bot_messages(g["chat"])
        cards = [x for x in msgs if "路灯照明" in _text(x) and "📌" in _text(x)]
        updates = [x for x in msgs if "✅" in _text(x) and "已受理" in _text(x)]
        assert len(cards) == 4, [_text(x) for x in msgs]
        assert len(updates) == 2
        assert len({x["reply_to_message"]["message_id"] for x in cards}) == 4
