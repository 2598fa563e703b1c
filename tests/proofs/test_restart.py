"""A burst of complaints; the bot process is killed with SIGKILL in the middle and started
again. Afterwards every complaint has exactly one issue and a card: none is lost.

A card that Telegram accepted in the last milliseconds before the kill, before its message id
was recorded, cannot be told apart from one that was never sent (the Bot API has no way to
read a chat's history), so it is sent again: at most one such repeat per chat, the message in
flight at the moment of the kill. Everything else is sent once. (bench/restart_bench.py runs
the same with 1,000 complaints across 50 groups.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.proofs.restart_scenario import run

pytestmark = pytest.mark.slow


async def test_sigkill_in_the_middle_of_a_burst(tmp_path: Path) -> None:
    out = await run(tmp_path, groups=5, complaints=60, kill_after=15)
    assert out.cards_before_kill < 60, "the bot finished before it could be killed"
    assert out.complaints_with_card == 60, "a complaint got no card"
    assert out.complaints_with_issue == 60 and out.distinct_issues == 60
    assert out.max_cards_for_one_message <= 2, "a card was sent three times"
    assert out.max_repeats_in_a_chat <= 1, f"more than the in-flight card: {out}"
