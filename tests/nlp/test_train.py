"""`suqiu nlp train` fits readable weights from labelled files (owners' feedback included) and
refuses weights that are worse on the held-out part; `suqiu nlp eval --folds` scores each
tuning fold with weights fitted on the others."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml

from nlp.cli import eval_main, train_main
from nlp.datasets import DATA_DIR, is_held_out
from nlp.rules import rules_dir
from nlp.weights import load_weights

EXTRA = DATA_DIR / "community-extra.jsonl"
DEFAULTS = """\
defaults:
  bias: -3.0
  pair: 3.0
  objects: 0.5
  phrases: 3.0
  exclusions: -4.0
"""


def _train(files: list[Path], out: Path) -> int:
    return train_main(argparse.Namespace(files=[str(f) for f in files], output=str(out),
                                         rules=None, penalty=None))


def _feedback(tmp_path: Path) -> Path:
    """What `suqiu nlp feedback` exports: 不是诉求 as none, /report of a missed message as
    its category."""
    rows = [{"text": "晚上路灯下面好多人打羽毛球，好热闹", "label": "none"},
            {"text": "3栋后面那个路灯罩子掉了一半", "label": "streetlight"}]
    f = tmp_path / "feedback.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                 encoding="utf-8")
    return f


def test_training_writes_readable_weights_that_load(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "weights.yaml"
    out.write_text(DEFAULTS, encoding="utf-8")  # a file nobody trained: the defaults alone
    assert _train([EXTRA, _feedback(tmp_path)], out) == 0
    printed = capsys.readouterr().out
    assert "before" in printed and "after" in printed and "held-out" in printed
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 检测器的权重")  # a person can read what the numbers mean
    assert "suqiu nlp train" in text and "community-extra" in text and "feedback" in text
    data = yaml.safe_load(text)
    assert set(data) == {"constants", "defaults", "categories", "shared"}
    assert data["categories"]["streetlight"]["objects"]["路灯"] > 0
    assert data["shared"]["notices"]  # the signals got weights of their own
    weights = load_weights(out)
    assert weights.get(("streetlight", "objects", "路灯")) > 0


def test_weights_worse_on_the_held_out_part_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Labels turned upside down in the tuning part only: what training learns from them
    # is wrong on the held-out part, whose labels are right.
    flipped = tmp_path / "flipped.jsonl"
    with flipped.open("w", encoding="utf-8") as out:
        for line in EXTRA.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if not is_held_out(row["text"]):
                row["label"] = "streetlight" if row["label"] == "none" else "none"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    target = tmp_path / "weights.yaml"
    shipped = (rules_dir() / "weights.yaml").read_text(encoding="utf-8")
    target.write_text(shipped, encoding="utf-8")
    assert _train([flipped], target) == 1
    assert "更差" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == shipped  # untouched


def test_eval_folds_scores_each_fold_with_weights_fitted_on_the_others(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(files=[str(EXTRA)], folds=3, all=False, misses=False,
                              rules=None, json=True)
    assert eval_main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert "3 folds" in out["part"]
    res = out["files"]["community-extra"]
    tuning = sum(1 for line in EXTRA.read_text(encoding="utf-8").splitlines()
                 if not is_held_out(json.loads(line)["text"]))
    assert res["rows"] == tuning
    assert res["detector"]["recall"] > 0.7  # fitted on two folds, still a detector


@pytest.mark.parametrize("tuning", [False, True])
def test_eval_scores_the_held_out_part_or_with_tuning_the_rest(
        tuning: bool, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(files=[str(EXTRA)], folds=0, all=False, tuning=tuning,
                              misses=False, rules=None, json=True)
    assert eval_main(args) == 0
    out = json.loads(capsys.readouterr().out)
    # the tuning part is training accuracy for the rules, and says so
    assert out["part"].startswith("tuning part (the rules were written from it: training "
                                  "accuracy" if tuning else "held-out")
    rows = sum(1 for line in EXTRA.read_text(encoding="utf-8").splitlines()
               if is_held_out(json.loads(line)["text"]) != tuning)
    assert out["files"]["community-extra"]["rows"] == rows


def test_rule_folds_leave_out_the_entries_only_one_fold_uses() -> None:
    """A rule entry that fires on one fold's messages alone is what a rule cut from those
    messages looks like: scoring that fold without it shows how the rules do on text they
    were not written from."""
    from nlp.datasets import Example, fold_of
    from nlp.detector import current_rules, decide
    from nlp.evaluate import Judge, without

    judge = Judge(current_rules())
    texts = [f"{n}栋门口积水严重" for n in range(1, 30)]
    one = texts[0]
    other = next(t for t in texts if fold_of(t, 5) != fold_of(one, 5))
    alone = judge.single_fold_entries([Example(one, "drainage")], 5)
    gone = alone[fold_of(one, 5)]
    assert any(kind == "phrases" for _, kind, _ in gone)
    assert judge.detect(one).is_issue
    assert not decide(without(judge.evidence(one), gone), current_rules().weights).is_issue
    # the same phrase in a message of another fold: no longer one fold's entry
    shared = judge.single_fold_entries(
        [Example(one, "drainage"), Example(other, "drainage")], 5)
    assert not any(kind == "phrases" for k in shared for _, kind, _ in shared[k])


def test_eval_rule_folds_says_so_and_scores_the_tuning_part(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(files=[str(EXTRA)], folds=3, rule_folds=True, all=False,
                              misses=False, rules=None, json=True)
    assert eval_main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert "without the rule entries only its own messages use" in out["part"]
    assert out["files"]["community-extra"]["detector"]["recall"] > 0.7

