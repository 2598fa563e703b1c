"""The word layer (config/rules/words.yaml): pairs of characters with learned weights that move
the rules' chance of a complaint — readable, refused with file and line when mistaken, never
touching a message the rules find nothing in, never changing a category, refitted per fold by
`suqiu nlp eval --folds` and fitted by `suqiu nlp train --words`, which refuses worse ones."""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from nlp.cli import eval_main, train_main
from nlp.datasets import DATA_DIR, is_held_out
from nlp.detector import current_rules, decide
from nlp.evaluate import Judge
from nlp.rules import load_rules, rules_dir
from nlp.words import WordWeights, dump_words, load_words, units
from nlp.yamlfile import RuleError

EXTRA = DATA_DIR / "community-extra.jsonl"


def test_units_are_the_pairs_of_chinese_characters_each_once() -> None:
    assert units("3栋路灯不亮，路灯") == {"栋路", "路灯", "灯不", "不亮"}
    assert units("ok 好") == set()


def test_the_shipped_layer_is_readable_and_in_force() -> None:
    path = rules_dir() / "words.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 词的证据")  # a person can read what the numbers are
    assert "suqiu nlp train --words" in text
    table = yaml.safe_load(text)["words"]
    assert len(table) > 100
    assert list(table.values()) == sorted(table.values(), reverse=True)  # strongest first
    assert max(abs(v) for v in table.values()) < 3  # regularised: no pair decides alone
    assert current_rules().weights.words.table == load_words(path).table


def test_the_layer_moves_the_chance_never_the_category_nor_a_message_without_evidence(
        ) -> None:
    judge = Judge(current_rules())
    plain = replace(judge.rules.weights, words=WordWeights())
    text = "3栋门口的路灯坏了"
    ev = judge.evidence(text)
    assert ev is not None
    pushed = replace(plain, words=WordWeights({u: -3.0 for u in units(ev.text)}))
    before, after = decide(ev, plain), decide(ev, pushed)
    assert before.is_issue and not after.is_issue
    assert after.confidence < before.confidence and after.category == before.category
    chat = "周末一起去爬山吧"  # no rule word: "none" whatever the pairs weigh
    loud = replace(plain, words=WordWeights({u: 9.0 for u in units(chat)}))
    assert not decide(judge.evidence(chat), loud).is_issue


def test_the_band_limits_the_layer_to_messages_the_rules_are_unsure_of() -> None:
    layer = WordWeights({"路灯": 2.0}, band=1.5)
    assert layer.adjust("路灯坏了", 1.0) == 3.0
    assert layer.adjust("路灯坏了", 4.0) == 4.0  # the rules are sure: untouched


def test_a_bad_words_file_is_refused_with_its_line(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    shutil.copytree(rules_dir(), d)
    (d / "words.yaml").write_text("words:\n  路灯: +0.5\n  路: 1\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(d)
    assert err.value.path.name == "words.yaml" and err.value.line == 3
    (d / "words.yaml").write_text("words:\n  路灯: lots\n", encoding="utf-8")
    with pytest.raises(RuleError, match="number"):
        load_rules(d)


def test_dump_and_load_keep_the_weights(tmp_path: Path) -> None:
    path = tmp_path / "words.yaml"
    path.write_text(dump_words(WordWeights({"路灯": 0.8, "小说": -1.1}, band=2.0)),
                    encoding="utf-8")
    assert "  路灯: +0.80" in path.read_text(encoding="utf-8")
    layer = load_words(path)
    assert layer.table == {"路灯": 0.8, "小说": -1.1} and layer.band == 2.0


def _train_words(files: list[Path], out: Path, rules: Path | None = None) -> int:
    return train_main(argparse.Namespace(files=[str(f) for f in files], output=str(out),
                                         rules=str(rules) if rules else None, penalty=None,
                                         words=True, band=None))


def test_train_words_writes_a_layer_that_loads(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "words.yaml"  # a pair needs messages of two files to get a weight
    assert _train_words([EXTRA, DATA_DIR / "hard-cases.jsonl"], out) == 0
    assert "before" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "community-extra" in text
    assert load_words(out).table  # it learned something, and the file loads


def test_a_worse_word_layer_is_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Labels turned upside down in the tuning part only: the words learn the opposite of
    # what the held-out part says.
    # (two files: a pair needs messages of two files to get a weight)
    halves = [tmp_path / "flipped-a.jsonl", tmp_path / "flipped-b.jsonl"]
    for i, line in enumerate(EXTRA.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        if not is_held_out(row["text"]):
            row["label"] = "streetlight" if row["label"] == "none" else "none"
        with halves[i % 2].open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    alone = tmp_path / "rules"  # the rules without a layer: the new one must beat them
    shutil.copytree(rules_dir(), alone)
    (alone / "words.yaml").unlink()
    target = tmp_path / "words.yaml"
    assert _train_words(halves, target, alone) == 1
    assert "更差" in capsys.readouterr().err
    assert not target.exists()


def test_eval_folds_refit_the_layer_instead_of_scoring_with_the_one_in_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A layer in force was fitted on the tuning part: scoring a fold with it would be
    training accuracy. A poisoned layer (every pair of every message weighs +9) shows which
    one a figure used."""
    d = tmp_path / "rules"
    shutil.copytree(rules_dir(), d)
    rows = [json.loads(line) for line in EXTRA.read_text(encoding="utf-8").splitlines()]
    poison = {u: 9.0 for r in rows for u in units(r["text"])}
    (d / "words.yaml").write_text(dump_words(WordWeights(poison)), encoding="utf-8")

    def figures(folds: int, no_words: bool = False) -> dict[str, float]:
        args = argparse.Namespace(files=[str(EXTRA)], folds=folds, rule_folds=False,
                                  all=False, misses=False, rules=str(d), json=True,
                                  no_words=no_words)
        assert eval_main(args) == 0
        out = json.loads(capsys.readouterr().out)
        return dict(out["files"]["community-extra"]["detector"], part=out["part"])

    assert figures(0)["false_positive_rate"] > 0.3  # held out: the layer in force
    assert figures(0, no_words=True)["false_positive_rate"] < 0.1  # the rules alone
    folds = figures(3)
    assert "word layer refitted" in str(folds["part"])
    assert folds["false_positive_rate"] < 0.1  # refitted per fold, not the poisoned one
