"""The labelled data: the fixed held-out part, the folds, the hotline category mapping and the
real chat messages that are reports after all."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp.datasets import (
    ANY,
    HOLDOUT_PERCENT,
    bucket,
    chat_reports,
    fold_of,
    is_held_out,
    map_hotline,
    read_examples,
)
from nlp.types import CATEGORIES

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_the_held_out_part_is_fixed_by_the_text() -> None:
    # Pinned: changing the hash would silently move rows between the parts.
    assert bucket("3栋门口路灯坏了好几天了") == bucket("3栋门口路灯坏了好几天了 ")
    assert [is_held_out(t) for t in ("收到", "3栋门口路灯坏了好几天了", "哈哈哈哈")] == \
        [bucket(t) < HOLDOUT_PERCENT for t in ("收到", "3栋门口路灯坏了好几天了", "哈哈哈哈")]
    texts = [f"第{i}条消息" for i in range(2000)]
    share = sum(map(is_held_out, texts)) / len(texts)
    assert abs(share - HOLDOUT_PERCENT / 100) < 0.04


def test_folds_cover_the_tuning_part_evenly() -> None:
    texts = [f"消息{i}" for i in range(3000) if not is_held_out(f"消息{i}")]
    sizes = Counter(fold_of(t, 5) for t in texts)
    assert sorted(sizes) == [0, 1, 2, 3, 4]
    assert max(sizes.values()) < 1.3 * min(sizes.values())


@pytest.mark.parametrize("path,code", [
    ("城管问题/街面秩序/机动车违停/移车", "parking"),
    ("城市管理（事件类）/市容环境/商业噪音/播放高音喇叭", "noise"),
    ("部件/公共设施/电力井盖/破损", "road"),
    ("商业服务（事件类）/物业服务/物业维修/物业维修", ANY),
    ("交通港口/出租车/物品遗失/其他", None),          # not a community's business
    ("城市管理（事件类）/交通管理/交通设施/交警指挥", None),  # too mixed to map
    ("其他/其他/其他/其他", None),
])
def test_hotline_categories_map_onto_our_codes(path: str, code: str | None) -> None:
    assert map_hotline(path) == code


@pytest.mark.skipif(not DATA.exists(), reason="shared data not beside the repo")
def test_the_mapping_agrees_with_the_labels_the_file_gives() -> None:
    disagree = Counter()
    for line in (DATA / "real-hotline.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        mapped = map_hotline(row["hotline_label"])
        if row["label"] and mapped not in (None, ANY, row["label"]):
            disagree[(row["hotline_label"], row["label"], mapped)] += 1
    assert not disagree


@pytest.mark.skipif(not DATA.exists(), reason="shared data not beside the repo")
def test_labelled_examples_of_the_shared_files() -> None:
    hotline = read_examples(DATA / "real-hotline.jsonl")
    assert len(hotline) > 1200 and all(e.is_complaint for e in hotline)
    assert {e.label for e in hotline} <= set(CATEGORIES) | {ANY}
    chat = read_examples(DATA / "real-chat.jsonl")
    assert len(chat) == 8000
    reports = chat_reports()
    assert all(e.label == reports[e.text] for e in chat if e.text in reports)
    assert set(reports.values()) <= set(CATEGORIES)
