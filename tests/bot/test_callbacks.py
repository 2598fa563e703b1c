"""The callback-data codec: typed buttons in, the same wire format out, 64 bytes at most."""

from __future__ import annotations

import pytest

from bot.callbacks import (
    MAX_BYTES,
    Ack,
    CallbackData,
    Dispatch,
    Escalate,
    IssueButton,
    NotIssue,
    Rate,
    Resolve,
    parse,
)


@pytest.mark.parametrize(("button", "wire"), [
    (Ack(12), "ack:12"), (Dispatch(3), "dispatch:3"), (Resolve(7), "resolve:7"),
    (NotIssue(9), "notissue:9"), (Rate(12, 5), "rate:12:5"), (Escalate(4, "water"), "esc:4:water"),
])
def test_pack_keeps_the_wire_format_of_cards_already_posted(button: IssueButton,
                                                            wire: str) -> None:
    assert button.pack() == wire
    assert parse(wire) == button


@pytest.mark.parametrize("data", [
    None, "", "ack", "ack:", "ack:x", "ack:1:2", "rate:1", "rate:1:five", "zzz:1", ":1",
])
def test_data_no_button_of_ours_makes_parses_to_none(data: str | None) -> None:
    assert parse(data) is None


def test_packing_refuses_what_telegram_or_the_parser_could_not_take() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Escalate(1, "部" * 30).pack()  # 90 bytes of UTF-8
    assert len(Escalate(1, "d" * (MAX_BYTES - len("esc:1:"))).pack()) == MAX_BYTES
    with pytest.raises(ValueError, match="may not contain"):
        Escalate(1, "a:b").pack()


def test_a_prefix_is_taken_once() -> None:
    with pytest.raises(ValueError, match="taken"):
        class Again(CallbackData, prefix="ack"):
            pass
