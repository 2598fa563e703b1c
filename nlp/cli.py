"""`suqiu classify`, `suqiu nlp eval` and `suqiu nlp train`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from nlp.datasets import Example, held_out, is_held_out, read_examples, tuning
from nlp.detector import current_rules, detect
from nlp.evaluate import Judge, Report, intent_figures, read_intents, score, targets_met
from nlp.rules import SIGNALS, RuleError, load_rules, rules_dir
from nlp.types import CATEGORIES, Detection
from nlp.weights import Weights, dump_weights, load_weights
from nlp.words import WordWeights, dump_words


def _text_of(line: str) -> str:
    s = line.strip()
    if s.startswith("{"):
        try:
            row = json.loads(s)
        except json.JSONDecodeError:
            return s
        if isinstance(row, dict):
            return str(row.get("text", ""))
    return s


def classify_stream(lines: IO[str], out: IO[str], progress: bool = False,
                    total: int | None = None) -> int:
    n = 0
    for line in tqdm(lines, total=total, disable=not progress, file=sys.stderr, unit="条"):
        if not line.strip():
            continue
        text = _text_of(line)
        out.write(json.dumps({"text": text, **detect(text).to_dict()}, ensure_ascii=False))
        out.write("\n")
        out.flush()
        n += 1
    return n


def classify_main(args: argparse.Namespace) -> int:
    if args.file:
        path = Path(args.file)
        try:
            with path.open(encoding="utf-8") as fh:
                total = sum(1 for _ in fh)
            with path.open(encoding="utf-8") as fh:
                classify_stream(fh, sys.stdout, progress=True, total=total)
        except OSError as exc:
            print(f"无法读取 {path}: {exc}", file=sys.stderr)
            return 1
    else:
        classify_stream(sys.stdin, sys.stdout)
    return 0


# --- eval ---------------------------------------------------------------------------------------
def _load(files: list[str]) -> dict[str, list[Example]] | None:
    out: dict[str, list[Example]] = {}
    for f in files:
        try:
            out[Path(f).stem] = read_examples(Path(f))
        except (OSError, ValueError) as exc:
            print(str(exc), file=sys.stderr)
            return None
    return out


def _judge(args: argparse.Namespace) -> Judge | None:
    """The rules named by --rules, else those in force (settings paths.rules, or shipped)."""
    try:
        return Judge(load_rules(Path(args.rules)) if args.rules else current_rules())
    except RuleError as exc:
        print(f"规则文件有错：{exc}", file=sys.stderr)
        return None


def eval_main(args: argparse.Namespace) -> int:
    intents = {Path(f).stem: read_intents(Path(f)) for f in args.files}
    if any(v is not None for v in intents.values()):
        return _eval_intents(args, {k: v for k, v in intents.items() if v is not None})
    files = _load(args.files)
    judge = _judge(args)
    if files is None or judge is None:
        return 1
    everything = [e for rows in files.values() for e in rows]
    layer = judge.rules.weights.words
    if getattr(args, "no_words", False) or not layer:
        layer = WordWeights()
        judge = Judge(replace(judge.rules, weights=replace(judge.rules.weights, words=layer)))
    if args.folds:
        rules_too = bool(getattr(args, "rule_folds", False))
        part = (f"tuning part, {args.folds} folds (each scored by weights fitted on the others"
                + (", without the rule entries only its own messages use" if rules_too
                   else "") + (", word layer refitted too" if layer else ", no word layer")
                + ")")
        train = tuning(everything)
        # the layer in force was fitted on these messages: each fold refits its own
        words = {"band": layer.band} if layer else None
        detections = dict(zip((id(e) for e in train),
                              judge.cross_validate(train, args.folds, rules_too=rules_too,
                                                   words=words),
                              strict=True))
        pairs = {name: [(e, detections[id(e)]) for e in tuning(rows)]
                 for name, rows in files.items()}
    else:
        pick: Callable[[list[Example]], list[Example]]
        if args.all:
            part, pick = "every message (includes the tuning part)", _every
        elif getattr(args, "tuning", False):
            part, pick = ("tuning part (the rules were written from it: training accuracy, "
                          "but for what was fitted on other files)"), tuning
        else:
            part, pick = "held-out part (no rule or weight was tuned on it)", held_out
        part += "" if layer else ", no word layer"
        pairs = {name: [(e, judge.detect(e.text)) for e in pick(rows)]
                 for name, rows in files.items()}
    results = {name: _result(name, p, len(files[name]), args.misses)
               for name, p in pairs.items()}
    if args.json:
        print(json.dumps({"part": part, "files": results}, ensure_ascii=False, indent=2))
    else:
        print(f"figures on the {part}\n")
        for name, res in results.items():
            _print_result(name, res)
    return 0


def _every(rows: list[Example]) -> list[Example]:
    return rows


def _eval_intents(args: argparse.Namespace,
                  files: dict[str, tuple[str, list[tuple[str, object]]]]) -> int:
    """Intent files (replies, status questions, help requests): their held-out part (or all
    with --all); the intents have no weights, so --folds does not apply."""
    results = {}
    for name, (kind, rows) in files.items():
        part = rows if args.all else [(t, v) for t, v in rows if is_held_out(t)]
        results[name] = {"intent": kind, "of": len(rows), **intent_figures(kind, part)}
    if args.json:
        print(json.dumps({"part": "every message" if args.all else "held-out part",
                          "files": results}, ensure_ascii=False, indent=2))
    else:
        for name, res in results.items():
            print(f"== {name} ({res['intent']}): {res['rows']} of {res['of']} messages")
            for k, v in res.items():
                if k not in ("intent", "rows", "of"):
                    print(f"  {k:26}{v}")
    return 0


def _result(name: str, pairs: list[tuple[Example, Detection]], total: int,
            misses: bool) -> dict[str, Any]:
    rep = score(pairs)
    out: dict[str, Any] = {
        "rows": rep.n, "of": total, "detector": rep.summary(),
        "targets": [{"figure": f, "value": round(v, 4), "target": f"{op} {g}", "met": m}
                    for f, v, op, g, m in targets_met(name, rep)],
        "per_category": {k: {"correct": v[0], "total": v[1]}
                         for k, v in sorted(rep.per_category.items())},
        "confusions": [{"label": a, "detected": b, "count": n}
                       for (a, b), n in rep.confusion.most_common(10)],
    }
    if misses:
        out["misses"] = rep.misses
    return out


def _print_result(name: str, res: dict[str, Any]) -> None:
    s = res["detector"]
    print(f"== {name}: {res['rows']} of {res['of']} labelled messages")
    for key in ("precision", "recall", "f1", "category_accuracy", "false_positive_rate",
                "urgent_recall", "urgent_precision"):
        if key in s:
            print(f"  {key:22}{s[key]:>8.3f}")
    print(f"  tp {s['tp']}  fp {s['fp']}  fn {s['fn']}  tn {s['tn']}")
    for t in res["targets"]:
        print(f"  target {t['figure']} {t['target']}: {t['value']:.3f} "
              f"{'met' if t['met'] else 'NOT MET'}")
    if res["per_category"]:
        print("  per category (right / complaints): " + ", ".join(
            f"{k} {v['correct']}/{v['total']}" for k, v in res["per_category"].items()))
    if res["confusions"]:
        print("  confusions: " + ", ".join(f"{c['label']}→{c['detected']} {c['count']}"
                                          for c in res["confusions"]))
    for m in res.get("misses", []):
        print(f"  [{m['kind']}] {m['label']} → {m['got']}: {m['text'][:70]}")
    print()


# --- train --------------------------------------------------------------------------------------
def train_main(args: argparse.Namespace) -> int:
    files = _load(args.files)
    judge = _judge(args)
    if files is None or judge is None:
        return 1
    if getattr(args, "words", False):
        return _train_words(args, files, judge)
    out = Path(args.output)
    try:
        before = load_weights(out) if out.exists() else judge.rules.weights
    except RuleError as exc:
        print(f"权重文件有错：{exc}", file=sys.stderr)
        return 1
    train = [e for rows in files.values() for e in tuning(rows)]
    options = {} if args.penalty is None else {"penalty": args.penalty}
    after = judge.fit(train, before, **options)
    note = _compare(judge, files, before, after, len(train))
    if note is None:
        print(f"新权重在留出数据上更差，没有写入 {out}", file=sys.stderr)
        return 1
    codes = [c for c in judge.rules.categories if c != "other"]
    out.write_text(dump_weights(after, codes, SIGNALS, note), encoding="utf-8")
    print(f"已写入 {out}")
    return 0


def _train_words(args: argparse.Namespace, files: dict[str, list[Example]], judge: Judge
                 ) -> int:
    """`suqiu nlp train --words`: the word layer fitted on top of the rule weights in force
    (they stay as they are), written to -o (config/rules/words.yaml) if it is not worse."""
    out = Path(args.output)
    before = judge.rules.weights
    train = [e for rows in files.values() for e in tuning(rows)]
    options: dict[str, Any] = {"band": args.band}
    if args.penalty is not None:
        options["penalty"] = args.penalty
    after = judge.fit_words(train, replace(before, words=WordWeights()), **options)
    note = _compare(judge, files, before, after, len(train))
    if note is None:
        print(f"新的词权重在留出数据上更差，没有写入 {out}", file=sys.stderr)
        return 1
    out.write_text(dump_words(after.words, note.replace("`suqiu nlp train`",
                                                        "`suqiu nlp train --words`")),
                   encoding="utf-8")
    print(f"已写入 {out}（{len(after.words.table)} 个词）")
    return 0


def _compare(judge: Judge, files: dict[str, list[Example]], before: Weights, after: Weights,
             trained: int) -> str | None:
    """Print the held-out figures before and after; the note for the file written, or None
    when the new weights' mean accuracy on the held-out parts is lower."""
    print(f"trained on {trained} messages (the held-out part of each file is left out)\n")
    print(f"{'held-out part':28}{'rows':>6}{'before':>9}{'after':>9}   figure")
    old_total = new_total = 0.0
    for name, rows in files.items():
        test = held_out(rows)
        old, new = judge.report(test, before), judge.report(test, after)
        old_total += old.accuracy
        new_total += new.accuracy
        for figure in _figures(old):
            print(f"{name[:28]:28}{len(test):>6}{getattr(old, figure):>9.3f}"
                  f"{getattr(new, figure):>9.3f}   {figure}")
    n = len(files) or 1
    old_mean, new_mean = old_total / n, new_total / n
    print(f"\nmean accuracy on the held-out parts: before {old_mean:.4f}, after {new_mean:.4f}")
    if new_mean < old_mean:
        return None
    sources = ", ".join(f"{k} ({len(tuning(v))})" for k, v in files.items())
    return (f"trained by `suqiu nlp train` on the tuning part of: {sources}\n"
            f"mean accuracy on the held-out parts: before {old_mean:.4f}, after {new_mean:.4f}")


def _figures(rep: Report) -> list[str]:
    out = ["accuracy"]
    if rep.tp + rep.fn:
        out += ["recall", "category_accuracy"]
    if rep.fp + rep.tn:
        out += ["false_positive_rate"]
    if rep.tp + rep.fn and rep.fp + rep.tn:
        out += ["precision"]
    return out


def default_weights_path() -> Path:
    return rules_dir() / "weights.yaml"


__all__ = ["CATEGORIES", "classify_main", "eval_main", "train_main"]
