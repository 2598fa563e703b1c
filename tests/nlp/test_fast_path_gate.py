"""The shortcuts added for throughput give what they replace: the Aho-Corasick gate, the
place patterns gated by it, the first clause, Detection built without its __init__, and
jieba's route found between the boundaries around a character."""

from __future__ import annotations

import dataclasses
import re

import pytest

from nlp import detect, detector
from nlp.literals import Gate
from nlp.location import ORDER, find_location, find_location_gated
from nlp.normalize import normalize
from nlp.types import Detection
from tests.nlp.test_fast_path import TEXTS, _variants


def test_gate_of_no_strings_or_unknown_needs() -> None:
    assert Gate([]).mask("水管漏水") == 0
    assert Gate([frozenset()]).mask("水管漏水") == 0
    assert Gate([None, frozenset({"水"})]).mask("") == 1
    assert Gate([None, frozenset({"水"})]).mask("水") == 3
    assert Gate([frozenset({"😡", "a😡b"}), frozenset({"b"})]).mask("x😡a😡b") == 3


def test_places_gated_by_the_detectors_gate_are_find_location() -> None:
    detect("3栋门口路灯坏了")
    plan = detector._engine().plan
    assert len(plan.location) == len(ORDER)
    texts = [normalize(t) for t in TEXTS] + list(_variants(TEXTS, 300, 9))
    for t in texts:
        mask = plan.gate.mask(t)
        assert find_location_gated(t, mask, plan.location) == find_location(t), t
        assert bool(mask & plan.location_bits) == any(mask & b for b in plan.location)


def test_first_clause_is_the_first_of_the_clauses() -> None:
    texts = [normalize(t) for t in TEXTS] + ["", "。。", "，好的", "  a", "~~x~y", "a\nb"]
    for t in texts:
        spans = detector._clauses(t)
        if spans:
            assert detector._first_clause(t) == t[spans[0][0]:spans[0][1]], t
        elif t:
            try:
                detector._first_clause(t)
            except IndexError:
                continue
            raise AssertionError(t)  # as _summary always did: no clause, no summary
        else:
            assert detector._first_clause(t) == ""


def test_detection_built_without_init_equals_the_dataclass() -> None:
    names = [f.name for f in dataclasses.fields(Detection)]
    fields = {"is_issue": True, "category": "water", "confidence": 0.7, "urgent": True,
              "location": "3栋", "summary": "3栋停水", "keywords": ("停水",),
              "urgent_kind": "flood"}
    assert list(fields) == names
    made = detector._detection(dict(fields))
    assert made == Detection(**fields)  # type: ignore[arg-type]
    assert repr(made) == repr(Detection(**fields))  # type: ignore[arg-type]
    assert hash(made) == hash(Detection(**fields))  # type: ignore[arg-type]
    assert made.to_dict() == Detection(**fields).to_dict()  # type: ignore[arg-type]
    # Every field detect fills is one the dataclass declares, in its order.
    out = detect("3栋门口路灯坏了好几天了")
    assert list(vars(out)) == names


@pytest.mark.parametrize("margin", [detector._MARGIN, float("inf")])
def test_jieba_route_in_long_blocks(margin: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Single characters deep inside long blocks, answered from the stretch between two
    boundaries (the default margin) or, as when a choice is too close to call, from the
    route over the whole block (an infinite margin): jieba's answer either way."""
    monkeypatch.setattr(detector, "_MARGIN", margin)
    detect("3栋门口路灯坏了")
    eng = detector._engine()
    han = re.compile(r"[^\u4e00-\u9fa5]")
    texts = [normalize(t) for t in TEXTS]
    long_blocks = ["".join(han.sub("", t) for t in texts[i:i + 6]) for i in range(0, 240, 6)]
    assert max(map(len, long_blocks)) > 100
    for t in long_blocks:
        jieba_words = set(eng.tokenizer.lcut(t, HMM=False))
        tokens = detector._Tokens(eng, t)
        for ch in set(t):
            assert tokens.has(ch) == (ch in jieba_words), (t, ch)
