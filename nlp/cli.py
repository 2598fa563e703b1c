"""`suqiu classify` and `suqiu nlp eval`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO

from tqdm import tqdm

from nlp.detector import detect
from nlp.evaluate import evaluate, naive_predict_factory, read_examples
from nlp.types import CATEGORIES


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


def eval_main(args: argparse.Namespace) -> int:
    try:
        examples = read_examples(Path(args.file))
    except (OSError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    detect("预热")  # load rules and jieba outside the timed run
    ours = evaluate(examples)
    naive = evaluate(examples, naive_predict_factory())
    if args.json:
        print(json.dumps({"detector": ours.summary(), "naive_baseline": naive.summary(),
                          "per_category": {k: {"correct": v[0], "total": v[1]}
                                           for k, v in sorted(ours.per_category.items())},
                          "misses": ours.misses}, ensure_ascii=False, indent=2))
        return 0
    s, b = ours.summary(), naive.summary()
    print(f"{'':24}{'detector':>10}{'naive':>10}")
    for key in ("precision", "recall", "f1", "category_accuracy", "urgent_recall"):
        print(f"{key:24}{s[key]:>10.3f}{b[key]:>10.3f}")
    print(f"{'messages/s':24}{s['messages_per_s']:>10}{b['messages_per_s']:>10}")
    print(f"\nmessages {s['messages']}: tp {s['tp']}  fp {s['fp']}  fn {s['fn']}  tn {s['tn']}")
    print("\nper category (correct / complaints):")
    for code, (ok, total) in sorted(ours.per_category.items()):
        print(f"  {code:14} {CATEGORIES.get(code, code):8} {ok:>3} / {total:<3}")
    if ours.confusion:
        print("\nconfusions (label → detected):")
        for (label, got), n in ours.confusion.most_common(10):
            print(f"  {label} → {got}: {n}")
    print("\nworst misses:")
    for m in ours.misses[:25]:
        print(f"  [{m['kind']}] {m['label']} → {m['got']}: {m['text'][:70]}")
    return 0
