"""Life safety both ways: every case of the table is urgent or not as it should be, and the
table as a whole meets the targets (recall 1.0, precision ≥ 0.95)."""

from __future__ import annotations

import pytest

from nlp import detect
from tests.nlp.urgent_cases import NOT_URGENT, URGENT


def test_the_table_is_large_enough() -> None:
    assert len(URGENT) + len(NOT_URGENT) >= 150
    assert len({t for t, _ in URGENT} | {t for t, _ in NOT_URGENT}) == \
        len(URGENT) + len(NOT_URGENT)


@pytest.mark.parametrize("text,kind", URGENT)
def test_an_emergency_is_urgent_and_opened(text: str, kind: str) -> None:
    d = detect(text)
    assert d.is_issue and d.urgent, d
    assert d.urgent_kind == kind, d
    assert d.confidence >= 0.9  # opened at every group's sensitivity


@pytest.mark.parametrize("text,why", NOT_URGENT)
def test_a_look_alike_is_not_urgent(text: str, why: str) -> None:
    d = detect(text)
    assert not d.urgent, (why, d)


def test_a_hypothetical_hazard_may_still_be_an_ordinary_complaint() -> None:
    d = detect("楼道里堆满了纸箱和旧家具，消防通道都堵了，着火了跑都跑不出去")
    assert d.is_issue and not d.urgent, d


def test_the_table_meets_the_targets() -> None:
    found = sum(1 for t, _ in URGENT if detect(t).urgent)
    false = sum(1 for t, _ in NOT_URGENT if detect(t).urgent)
    assert found / len(URGENT) == 1.0
    assert found / (found + false) >= 0.95
