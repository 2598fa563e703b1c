"""The rule files a community worker edits: every entry shows an example it matches, the
readable "A 附近有 B" form, and the loader's refusals (file and line) for duplicates and
mistakes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlp.normalize import normalize
from nlp.patterns import Entry, PatternError, Scanner, example_matches, parse_entry
from nlp.rules import Rules, load_rules, rules_dir
from nlp.yamlfile import RuleError


def _entries(rules: Rules) -> Iterator[tuple[str, Entry]]:
    for code, cat in rules.categories.items():
        for e in cat.phrases:
            yield f"{code}.phrases", e
        for e in cat.exclusions:
            yield f"{code}.exclusions", e
    for name, entries in rules.signals.items():
        for e in entries:
            yield f"signals.{name}", e
    for kind, entries in rules.urgent.items():
        for e in entries:
            yield f"urgent.{kind}", e
    for e in rules.calm:
        yield "calm", e


RULES = load_rules()
ENTRIES = list(_entries(RULES))


def test_the_shipped_rules_have_many_entries_with_examples() -> None:
    assert len(ENTRIES) > 200
    assert all(e.example for _, e in ENTRIES)
    assert any(e.right for _, e in ENTRIES)  # "A 附近有 B" is used


@pytest.mark.parametrize("where,entry", ENTRIES, ids=[f"{w}:{e.where}" for w, e in ENTRIES])
def test_every_entry_matches_its_example(where: str, entry: Entry) -> None:
    w = RULES.weights
    assert example_matches(entry, RULES.negations, w.reach, w.near), (where, entry)


def _match(pattern: str, text: str) -> bool:
    entry = parse_entry(pattern, need_example=False)
    hits = Scanner(entry.words).scan(normalize(text), ("没", "不"), 3, 8)
    return hits.match(entry) is not None


@pytest.mark.parametrize("pattern,text,matches", [
    ("停电/断电", "7栋又停电了", True),
    ("停电/断电", "7栋没停电", False),             # negated
    ("没人管/没人修", "垃圾三天冇人管", True),      # the negation is the word's own; 冇 → 没
    ("路灯 附近有 不亮/黑了", "路灯又不亮了", True),
    ("路灯 附近有 不亮/黑了", "不亮的是路灯", True),  # either order
    ("路灯 附近有 不亮/黑了", "路灯修好了，楼道灯不亮", False),  # another clause
    ("路灯 附近有 不亮/黑了", "路灯旁边那家小超市的招牌灯不亮", False),  # too far apart
    ("以前 同时有 现在", "以前这里很黑。现在装了灯", True),
    ("开头是 【通知】/通知:", "【通知】明天停水", True),
    ("开头是 【通知】/通知:", "我没看到【通知】", False),
])
def test_the_pattern_forms(pattern: str, text: str, matches: bool) -> None:
    assert _match(pattern, text) is matches


@pytest.mark.parametrize("line,problem", [
    ("停电/断电", "needs an example"),
    ("停电//断电  例：停电了", "empty word"),
    ("停电 断电  例：停电了", "separate alternatives with /"),
    ("附近有 断电  例：断电了", "A 附近有 B"),
    ("（小区） 附近有 断电  例：断电了", "unknown list"),
])
def test_unreadable_entries_are_explained(line: str, problem: str) -> None:
    with pytest.raises(PatternError, match=problem):
        parse_entry(line, named={"地点": ("小区",)})


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "rules"
    shutil.copytree(rules_dir(), d)
    return d


def _insert_after(path: Path, anchor: str, line: str) -> int:
    """Insert a line after the first line holding `anchor`; returns its line number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(n for n, text in enumerate(lines) if anchor in text) + 1
    lines.insert(i, line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return i + 1


def _first_line(path: Path, anchor: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines) if anchor in text) + 1


def test_a_phrase_written_twice_is_refused_with_both_lines(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    cats = d / "categories.yaml"
    first = _first_line(cats, "没有路灯/没得路灯")
    line = _insert_after(cats, "没有路灯/没得路灯",
                         "    - 没得路灯/没有路灯/没路灯/没一盏灯  例：这条路没有路灯")
    with pytest.raises(RuleError) as err:
        load_rules(d)
    assert err.value.path.name == "categories.yaml" and err.value.line == line
    assert "duplicate" in str(err.value) and f"line {first}" in str(err.value)


def test_a_word_that_is_both_object_and_problem_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    cats = d / "categories.yaml"
    text = cats.read_text(encoding="utf-8")
    cats.write_text(text.replace("  problems: [不亮, 没亮,", "  problems: [路灯杆, 不亮, 没亮,",
                                 1), encoding="utf-8")
    with pytest.raises(RuleError, match="'路灯杆' is a duplicate") as err:
        load_rules(d)
    assert err.value.line == _first_line(cats, "problems: [路灯杆")


def test_a_category_written_twice_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    cats = d / "categories.yaml"
    with cats.open("a", encoding="utf-8") as fh:
        fh.write("streetlight:\n  objects: [路灯]\n")
    with pytest.raises(RuleError, match="written twice") as err:
        load_rules(d)
    assert err.value.line == len(cats.read_text(encoding="utf-8").splitlines()) - 1


def test_an_example_that_does_not_match_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    line = _insert_after(d / "shared.yaml", "  fixed:", "    - 修好了  例：路灯坏了")
    with pytest.raises(RuleError, match="does not match") as err:
        load_rules(d)
    assert err.value.path.name == "shared.yaml" and err.value.line == line


def test_a_bad_weights_file_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "weights.yaml").write_text("defaults:\n  bias: lots\n", encoding="utf-8")
    with pytest.raises(RuleError, match="must be a number") as err:
        load_rules(d)
    assert err.value.path.name == "weights.yaml" and err.value.line == 2
