"""Structural readings of a message that no single rule can fix: a negation across a measure
word, a choice question's 还是, a generic place against an address, a question about a problem
stated in a clause of its own, and a problem word that belongs to the nearest object."""

from __future__ import annotations

import pytest

from nlp.detector import lexicon
from nlp.features import Evidence
from nlp.normalize import normalize_keeping_halfwidth


def evidence(text: str) -> Evidence:
    half, t = normalize_keeping_halfwidth(text)
    ev = lexicon().evidence(t, half)
    assert ev is not None, text
    return ev


def kinds(text: str) -> set[str]:
    """The kinds of the whole-message features (signals, place, address) of a message."""
    return {kind for _, kind, _ in evidence(text).shared}


def category_kinds(text: str) -> set[str]:
    return {kind for cat in evidence(text).categories for _, kind, _ in cat.features}


@pytest.mark.parametrize("text", [
    "3栋门口的路灯没一盏是亮的",
    "楼道的灯没有一个是亮的，晚上黑漆漆",
    "小区路灯坏了好多，没一盏灯是亮的",
])
def test_a_negation_reaches_across_a_measure_word(text: str) -> None:
    assert "ok_states" not in kinds(text)


@pytest.mark.parametrize("text", [
    "路灯是亮的，我刚从那边走过来",
    "小区的路灯我看了一下，一盏一盏都是亮的",
])
def test_an_ok_state_without_negation_still_counts(text: str) -> None:
    assert "ok_states" in kinds(text)


@pytest.mark.parametrize("text", [
    "楼下路灯坏了，是找物业还是找社区？",
    "路灯坏了，报给物业还是打12345？",
    "井盖松了，是供水公司的还是燃气公司的",
])
def test_a_choice_question_is_no_duration(text: str) -> None:
    assert "duration" not in kinds(text)


@pytest.mark.parametrize("text", [
    "路灯修了两次，还是不亮",
    "下水道通过了，还是堵",
    "说了好多次，电梯还是老样子",
])
def test_still_so_is_a_duration(text: str) -> None:
    assert "duration" in kinds(text)


@pytest.mark.parametrize("text", ["车库的灯坏了", "广场的路灯不亮了", "篮球场的篮筐断了"])
def test_a_generic_place_is_no_address(text: str) -> None:
    got = kinds(text)
    assert "address" not in got
    assert "spot" in got


@pytest.mark.parametrize("text", ["3栋2单元的灯坏了", "梅园路的路灯不亮了", "五组的水管漏了"])
def test_a_specific_place_is_an_address(text: str) -> None:
    got = kinds(text)
    assert "address" in got
    assert "spot" not in got


def pairs(text: str) -> dict[str, bool]:
    """Per category with evidence: does an object of it pair with a problem word?"""
    return {c.code: any(k == "pair" for _, k, _ in c.features)
            for c in evidence(text).categories}


@pytest.mark.parametrize("text", [
    "路灯一个星期没亮了，有人管吗？",
    "请问下水道什么时候来疏通？都堵了好几天了",
    "电梯又坏了，是不是没人管了？",
])
def test_a_question_about_a_stated_problem_is_asked(text: str) -> None:
    assert "asked" in category_kinds(text)


@pytest.mark.parametrize("text", [
    "路灯坏了是找供电局还是找城管？",
    "电梯坏了的话一般多久能修好",
    "下水道堵了打什么电话？",
])
def test_a_question_about_how_things_work_is_not(text: str) -> None:
    assert "asked" not in category_kinds(text)


@pytest.mark.parametrize(("text", "owner", "other"), [
    ("小区那条路的灯坏了", "streetlight", "road"),
    ("垃圾分类亭的感应门坏了", "facility", "garbage"),
    ("电梯旁边的垃圾桶坏了", "garbage", "elevator"),
])
def test_a_problem_word_belongs_to_the_nearest_object(text: str, owner: str,
                                                       other: str) -> None:
    got = pairs(text)
    assert got[owner], got
    assert not got.get(other), got
