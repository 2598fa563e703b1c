"""Labelled messages for evaluating and training the detector, and the fixed held-out part.

A labelled JSONL file has one object per line with `text` and `label` (a category code, or
"none" for a message nobody should open an issue for), optionally `urgent`. Two shared files
need more than that (../shared/data/README.md):

- real-hotline.jsonl: 12345 hotline reports, all of them complaints. Where `label` is null the
  hotline's own category (`hotline_label`) is mapped by nlp/labels/hotline_map.yaml: onto one
  of our codes, onto "any" (a complaint a community would handle, category not fixed by the
  hotline's taxonomy), or left out (outside a community group's reach, or too mixed).
- real-chat.jsonl: everyday messages, all "none"; the few that are real reports of a public
  problem are listed in nlp/labels/chat_reports.yaml with their category.

The held-out part: a message is held out when a stable hash of its text (SHA-1 of
"suqiu-holdout:" + text, first four bytes, modulo 100) is below 30. No rule may be written
from a held-out message, training never sees one, and every figure we report is measured on
them (`suqiu nlp eval`); the rest is the tuning part, split into folds by the same hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from nlp.types import CATEGORIES

ANY = "any"  # a complaint whose category we do not know
NONE = "none"
HOLDOUT_PERCENT = 30
_SALT = "suqiu-holdout:"
DATA_DIR = Path(str(resources.files("nlp") / "labels"))  # package data, in a wheel too


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # a category code, "none" or "any"
    urgent: bool = False
    source: str = ""  # the file it came from (its stem)

    @property
    def is_complaint(self) -> bool:
        return self.label != NONE


def bucket(text: str) -> int:
    """0–99, fixed for a text: the basis of the held-out part and of the folds."""
    digest = hashlib.sha1((_SALT + text.strip()).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100


def is_held_out(text: str) -> bool:
    return bucket(text) < HOLDOUT_PERCENT


def fold_of(text: str, folds: int) -> int:
    """The fold of a tuning-part message (folds split the buckets above the held-out part)."""
    return (bucket(text) - HOLDOUT_PERCENT) * folds // (100 - HOLDOUT_PERCENT)


@cache
def hotline_map() -> tuple[tuple[tuple[str, ...], str | None], ...]:
    """The mapping's keys split into path segments, most specific first."""
    raw = yaml.safe_load((DATA_DIR / "hotline_map.yaml").read_text(encoding="utf-8")) or {}
    keys = [(tuple(str(k).split("/")), None if v is None else str(v)) for k, v in raw.items()]
    for _, code in keys:
        if code is not None and code != ANY and code not in CATEGORIES:
            raise ValueError(f"hotline_map.yaml: unknown category {code!r}")
    return tuple(sorted(keys, key=lambda kv: (-len(kv[0]), sum(s == "*" for s in kv[0]))))


def map_hotline(path: str) -> str | None:
    """Our code (or "any") for a hotline category path, or None when it is left out."""
    segments = path.split("/")
    for key, code in hotline_map():
        if len(key) <= len(segments) and all(k in ("*", s) for k, s in zip(key, segments,
                                                                            strict=False)):
            return code
    return None


@cache
def chat_reports() -> dict[str, str]:
    """Texts of real-chat.jsonl that report a public problem after all → their category."""
    raw = yaml.safe_load((DATA_DIR / "chat_reports.yaml").read_text(encoding="utf-8")) or []
    return {str(r["text"]): str(r["label"]) for r in raw}


def example_of(row: dict[str, object], source: str = "") -> Example | None:
    """One labelled example from a JSONL row, or None when the row has no usable label."""
    text = str(row.get("text") or "")
    if not text.strip():
        return None
    label = row.get("label")
    if label is None and row.get("hotline_label"):
        label = map_hotline(str(row["hotline_label"]))
    if label is None:
        return None
    label = str(label)
    if label == NONE and text in chat_reports():
        label = chat_reports()[text]
    if label not in CATEGORIES and label not in (NONE, ANY):
        raise ValueError(f"unknown label {label!r}")
    return Example(text, label, bool(row.get("urgent")), source)


def read_examples(path: Path) -> list[Example]:
    """Every usable labelled example of a JSONL file (see the module docstring)."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ex = example_of(row, path.stem) if isinstance(row, dict) else None
        except (json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"{path}:{i}: expected JSON with text and label ({exc})") from None
        if ex is not None:
            out.append(ex)
    return out


def held_out(examples: list[Example]) -> list[Example]:
    return [e for e in examples if is_held_out(e.text)]


def tuning(examples: list[Example]) -> list[Example]:
    return [e for e in examples if not is_held_out(e.text)]
