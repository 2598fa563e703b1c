"""Detector throughput against jieba.lcut on the same messages, measured in one run.

Prints JSON: {"mix": {"detect_per_s", "jieba_per_s", "ratio"}, "complaints": {...},
"cold_start_s"}. Targets: mix ratio ≥ 1 (everyday chat with no rule word stops after one
scan), complaints ratio ≥ 0.5, cold start < 1.5 s.

The mix is what a group sees: 800 everyday messages (real SMS and Weibo posts from
real-chat.jsonl when it is beside the repo, else a fixed list of chit-chat), 100 complaints
and 100 look-alikes from the dev set.

    .venv/bin/python bench/nlp_bench.py [--data ../shared/data/detector-dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHITCHAT = [
    "哈哈哈哈", "收到", "好的谢谢", "今天天气真好", "晚上吃什么", "👍👍", "明天几点集合",
    "谁家的快递放门口了", "孩子作业写完了没", "周末去爬山吗", "早上好", "辛苦了",
    "这个群好热闹", "新年快乐", "有没有人拼车去市里", "我家猫今天好乖", "[图片]",
    "今天菜市场的菜好便宜", "下午开家长会", "恭喜恭喜", "晚安", "在吗", "好的",
    "明天降温大家多穿点", "谁有多余的纸箱", "这个视频笑死我了", "中午恰么子",
]


def _rate(fn: Callable[[str], object], msgs: list[str], seconds: float = 2.0) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for m in msgs:
            fn(m)
        n += len(msgs)
    return n / (time.perf_counter() - start)


def _cold_start() -> float:
    code = ("import time; t=time.perf_counter(); from nlp import detect; "
            "detect('3栋门口路灯坏了好几天了'); print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "detector-dev.jsonl"))
    p.add_argument("--chat", default=str(ROOT.parent / "shared" / "data" / "real-chat.jsonl"))
    p.add_argument("--seconds", type=float, default=2.0)
    args = p.parse_args()
    rows = [json.loads(line) for line in Path(args.data).read_text().splitlines() if line]
    complaints = [r["text"] for r in rows if r["label"] != "none"]
    hard_none = [r["text"] for r in rows if r["label"] == "none"]
    rng = random.Random(1)
    chat_file = Path(args.chat)
    chat = [json.loads(line)["text"] for line in chat_file.read_text().splitlines() if line] \
        if chat_file.exists() else CHITCHAT
    # Real groups: most messages are chit-chat; a few complaints and look-alikes.
    mix = [rng.choice(chat) for _ in range(800)] + rng.sample(complaints, 100) + \
        rng.sample(hard_none, 100)
    rng.shuffle(mix)
    cold = _cold_start()

    import jieba

    from nlp import detect

    jieba.setLogLevel(60)
    jieba.initialize()
    # Warm both up on the messages themselves, outside the timed loops: detect loads its rules
    # and its own jieba dictionary lazily, on the first message that needs them (a two-character
    # warm-up such as "预热" needs neither), and that one-off load belongs to cold_start_s, not
    # to throughput. Nothing is remembered between messages, so this is no results cache.
    for m in mix + complaints:
        detect(m)
        jieba.lcut(m)
    out: dict[str, object] = {}
    for name, msgs in (("mix", mix), ("complaints", complaints)):
        d = _rate(detect, msgs, args.seconds)
        j = _rate(jieba.lcut, msgs, args.seconds)
        out[name] = {"detect_per_s": round(d), "jieba_per_s": round(j),
                     "ratio": round(d / j, 2)}
    out["cold_start_s"] = round(cold, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
