"""The fast path gives the same answers as the slow, obvious one.

`tests/nlp/reference.py` is the detector before the fast path; here it is compared with
`nlp.detect` on real and generated chat, and each shortcut the fast path takes (required
literals, the gate, the trie-shaped word lists, jieba on one block, the normalisation skips)
is checked against the thing it replaces.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import zhconv

from nlp import detect, detector, reload_rules
from nlp.literals import Gate, literal_gate, required_literals, trie_pattern
from nlp.location import _ORDER
from nlp.normalize import load_conversion_table, normalize, normalize_keeping_halfwidth
from nlp.rules import DEFAULT_RULES_DIR, load_rules
from tests.nlp import reference
from tests.nlp.test_detector import COMPLAINTS, DEV_SET, NOT_ISSUES, URGENT

CHITCHAT = [
    "哈哈哈哈", "收到", "好的谢谢", "今天天气真好", "晚上吃什么", "👍👍", "谁家的快递放门口了",
    "孩子作业写完了没", "这个群好热闹", "有没有人拼车去市里", "我家猫今天好乖", "[图片]",
    "明天降温大家多穿点", "中午恰么子", "在吗", "",
]
NOISE = ["", "！！", " 😡", " [图片]", " @物业 麻烦看看", "？？都三天了", "，谢谢"]


def _base_texts() -> list[str]:
    texts = [t for t, _ in COMPLAINTS] + URGENT + NOT_ISSUES + CHITCHAT
    if DEV_SET.exists():
        texts += [json.loads(line)["text"] for line in DEV_SET.read_text().splitlines() if line]
    return texts


def _variants(texts: list[str], n: int, seed: int) -> Iterator[str]:
    """Chat as it comes: traditional script, full-width forms, noise, negations, two messages
    run together, words shuffled, cut short."""
    load_conversion_table()  # before zhconv.convert: zhconv's own loader leaves the file open
    rng = random.Random(seed)
    for _ in range(n):
        a, b = rng.choice(texts), rng.choice(texts)
        kind = rng.randrange(7)
        if kind == 0:
            yield zhconv.convert(a, "zh-tw")
        elif kind == 1:
            yield "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in a)
        elif kind == 2:
            yield a + rng.choice(NOISE)
        elif kind == 3:
            cut = rng.randrange(len(a) + 1)
            yield a[:cut] + rng.choice(["没", "冇", "不", "没有"]) + a[cut:]
        elif kind == 4:
            yield a + rng.choice([" ", "，", "  ", ""]) + b
        elif kind == 5:
            chars = list(a)
            rng.shuffle(chars)
            yield "".join(chars)
        else:
            yield a[rng.randrange(len(a) + 1):]


TEXTS = _base_texts()


@pytest.mark.parametrize("seed", [1, 2])
def test_fast_detect_equals_the_reference(seed: int) -> None:
    texts = TEXTS + list(_variants(TEXTS, 800, seed))
    wrong = [(t, detect(t), reference.detect(t)) for t in texts
             if detect(t) != reference.detect(t)]
    assert not wrong, wrong[:3]


def test_fast_detect_equals_the_reference_after_a_reload(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    cats = rules / "categories.yaml"
    text = cats.read_text(encoding="utf-8")
    text = text.replace("facility:\n  objects: [", "facility:\n  objects: [秋千链子, 车, ")
    text = text.replace('    - "黑灯瞎火"\n', '    - "黑灯瞎火"\n    - "(路灯|灯).{0,4}闪"\n')
    cats.write_text(text, encoding="utf-8")
    with (rules / "userdict.txt").open("a", encoding="utf-8") as fh:
        fh.write("拼车 500\n")
    extra = ["小区的秋千链子坏了好久了", "路灯一直闪", "有没有人拼车去市里", "车坏了"]
    try:
        reload_rules(rules)
        assert detect("小区的秋千链子坏了好久了").category == "facility"
        texts = TEXTS[:300] + extra + list(_variants(TEXTS + extra, 300, 3))
        wrong = [t for t in texts if detect(t) != reference.detect(t)]
        assert not wrong, wrong[:3]
    finally:
        reload_rules()
    assert detect("有没有人拼车去市里") == reference.detect("有没有人拼车去市里")


def _rule_patterns() -> list[str]:
    rules = load_rules()
    out = [p.pattern for cat in rules.categories.values() for p in (*cat.phrases,
                                                                     *cat.exclusions)]
    out += [p.pattern for ps in rules.shared.values() for p in ps]
    out += [u.pattern.pattern for u in rules.urgent] + [rx.pattern for rx in _ORDER]
    return out


@pytest.mark.parametrize("pattern,expected", [
    # Longer strings are rarer: the nine spellings beat the bare 一盏灯.
    ("(冇|冒|没)(得|有)?一盏灯", {a + b + "一盏灯" for a in "冇冒没" for b in ("", "得", "有")}),
    ("(燃气|煤气)味", {"燃气味", "煤气味"}),
    ("井盖.{0,6}(偷|冇人补)", {"井盖"}),
    ("^(谢谢|感谢)", {"谢谢", "感谢"}),
    ("[!！?？]{2,}|😡", {"!", "！", "?", "？", "😡"}),
    ("(?<!打不)着火(?!了?跑)", {"着火"}),
    ("[一二三四五六七八九十\\d]+组", {"组"}),
])
def test_required_literals_of_rule_shapes(pattern: str, expected: set[str]) -> None:
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", ["(?i)abc", "(a)\\1", ".{2,}", "\\d+", "[^a]b?"])
def test_patterns_without_a_required_literal_are_always_run(pattern: str) -> None:
    assert required_literals(pattern) is None
    assert literal_gate(pattern)("")


def test_required_literals_are_required() -> None:
    texts = [normalize(t) for t in TEXTS] + list(_variants(TEXTS, 400, 4))
    for pattern in _rule_patterns():
        rx, need = re.compile(pattern), required_literals(pattern)
        if need is None:
            continue
        for t in texts:
            if rx.search(t):
                assert any(s in t for s in need), (pattern, t, need)


def test_gate_mask_is_exactly_which_needs_occur() -> None:
    needs = [required_literals(p) for p in _rule_patterns()] + [frozenset(), None,
                                                                 frozenset({"水", "水管", "abc"})]
    gate = Gate(needs)
    for t in [normalize(t) for t in TEXTS[:400]] + ["xabcx", "水", ""]:
        expected = sum(1 << i for i, need in enumerate(needs)
                       if need is None or any(s in t for s in need))
        assert gate.mask(t) == expected, t


def test_trie_alternation_matches_like_longest_first() -> None:
    rules = load_rules()
    lists = [cat.objects for cat in rules.categories.values()] + [
        (*cat.problems, *rules.shared_words["problems"]) for cat in rules.categories.values()]
    lists.append(("a", "ab", "abc", "b", "bc", "a.b", "a|b", "(", "?"))
    texts = [normalize(t) for t in TEXTS] + ["abcab.a|b(?bc", "aab", "a.bc"]
    for words in lists:
        if not words:
            continue
        flat = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len,
                                                               reverse=True)))
        trie = re.compile(trie_pattern(words))
        for t in texts:
            assert [m.span() for m in trie.finditer(t)] == [m.span() for m in flat.finditer(t)]


def test_single_characters_are_judged_as_jieba_segments() -> None:
    detect("3栋门口路灯坏了")  # build the engine
    eng = detector._engine()
    texts = [normalize(t) for t in TEXTS] + list(_variants(TEXTS, 300, 5)) + [
        "ab1水c", "水水水", "下水道的水", "x", "〇水", "①灯"]
    for t in texts:
        jieba_words = set(eng.tokenizer.lcut(t, HMM=False))
        tokens = detector._Tokens(eng, t)
        for ch in set(t):
            assert tokens.has(ch) == (ch in jieba_words), (t, ch)


def test_normalisation_skips_change_nothing() -> None:
    rng = random.Random(6)
    keys = ["么子", "回覆", "沈默", "體", "壞了", "乾源", "都卜勒", "A型肝炎", "𠮶"]
    texts = TEXTS + list(_variants(TEXTS, 400, 7)) + [
        "".join(rng.choice([*keys, "ａ", "Ａ", "　", "\t", "\xa0", "[图片]", "@王", "\n", "😡",
                            "水", "，", " "]) for _ in range(rng.randrange(12)))
        for _ in range(2000)]
    for t in texts:
        assert normalize(t) == reference.normalize(t), t
        assert normalize_keeping_halfwidth(t)[0] == reference.halfwidth(t)[:1200], t


def test_gated_pattern_lists_answer_as_their_alternation() -> None:
    detect("3栋门口路灯坏了")
    plan = detector._engine().plan
    texts = [normalize(t) for t in TEXTS] + list(_variants(TEXTS, 200, 8))
    for t in texts:
        mask = plan.gate.mask(t)
        for cp in plan.categories:
            for pats in (cp.phrases, cp.exclusions):
                if pats.union is None:
                    continue
                assert pats.search(mask, t) == bool(pats.union.search(t))
                assert [m.span() for m in pats.finditer(mask, t)] == [
                    m.span() for m in pats.union.finditer(t)]


def test_same_clause_without_splitting_agrees_with_the_spans() -> None:
    def spans_say(text: str, pos: int, other: int) -> bool:
        for lo, hi in detector._clauses(text):
            if lo <= pos < hi:
                return lo <= other < hi
        return True

    rng = random.Random(9)
    pieces = ["水", "灯坏了", " ", "  ", "\n", " \n ", "，", "。。", "~", "…", "a", "!?", "\t\t"]
    texts = [normalize(t) for t in TEXTS[:300]] + [
        "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(500)]
    for t in texts:
        for pos in range(len(t)):
            for other in range(max(0, pos - 14), min(len(t), pos + 15)):
                assert detector._one_clause(t, pos, other) == spans_say(t, pos, other), (
                    t, pos, other)
