"""The detector as it was before the fast path, kept as the yardstick for it.

Every step the slow, obvious way: zhconv and the full-width fold on every message, the
pre-filter's own character loop, every pattern list of every category searched as one
alternation, jieba run on the whole message for single-character objects, the best category
taken with max() over all of them, every veto list and location pattern searched. The fast
detector must give exactly the same Detection for every message.
"""

from __future__ import annotations

import re
import unicodedata

import zhconv

from nlp import detector
from nlp.location import _ORDER, _ROAD, _trim_road
from nlp.normalize import _MENTION, _PLACEHOLDER, _SPACES, MAX_CHARS, load_conversion_table
from nlp.rules import Rules
from nlp.types import Detection


def halfwidth(text: str) -> str:
    return "".join(
        unicodedata.normalize("NFKC", ch) if 0xFF01 <= ord(ch) <= 0xFF5E else ch for ch in text
    )


def normalize(text: str | None) -> str:
    if not text:
        return ""
    t = text[:MAX_CHARS]
    load_conversion_table()
    t = halfwidth(t)
    t = zhconv.convert(t, "zh-cn")
    t = _PLACEHOLDER.sub(" ", t)
    t = _MENTION.sub(" ", t)
    t = _SPACES.sub(" ", t).lower()
    return t.strip()


def find_location(text: str) -> str | None:
    for rx in _ORDER:
        for m in rx.finditer(text):
            span: str | None = m.group(0)
            if rx is _ROAD:
                span = _trim_road(m.group(0))
                if not span:
                    continue
            return span
    return None


def _union(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns)) if patterns else None


def _words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None


def _negated(text: str, start: int, negations: tuple[str, ...]) -> bool:
    before = text[max(0, start - 3):start]
    return any(before.endswith(n) for n in negations)


def _score(rules: Rules, code: str, text: str, clauses: list[tuple[int, int]],
           tokens: set[str]) -> tuple[float, list[str], str | None, str | None, int]:
    cat = rules.categories[code]
    negs = rules.shared_words["negations"]
    score, keywords, obj_word, problem, obj_pos = 0.0, [], None, None, 10**6
    exclusion_rx = _union(list(cat.exclusions))
    if exclusion_rx is not None and exclusion_rx.search(text):
        return score, keywords, obj_word, problem, obj_pos
    phrase_rx = _union(list(cat.phrases))
    if phrase_rx is not None:
        for m in phrase_rx.finditer(text):
            if not _negated(text, m.start(), negs):
                score += 3.0
                keywords.append(m.group(0))
                obj_pos = m.start()
                break
    object_rx = _words(cat.objects)
    problem_rx = _words((*cat.problems, *rules.shared_words["problems"]))
    own_rx = _words(cat.problems)
    objs = [] if object_rx is None else [
        (m.start(), m.group(0)) for m in object_rx.finditer(text)
        if len(m.group(0)) > 1 or m.group(0) in tokens]
    probs = [] if problem_rx is None or not objs else [
        (m.start(), m.group(0)) for m in problem_rx.finditer(text)]
    best_pair = 0.0
    for pos, obj in objs:
        obj_pos = min(obj_pos, pos)
        if obj_word is None:
            obj_word = obj
        lo, hi = next(((a, b) for a, b in clauses if a <= pos < b), (0, len(text)))
        for ppos, prob in probs:
            if not lo <= ppos < hi or abs(ppos - pos) > detector.WINDOW or \
                    pos <= ppos < pos + len(obj):
                continue
            if prob[0] not in "不冇没冒" and _negated(text, ppos, negs):
                continue
            pair = 2.5 if ppos > pos else 2.0
            if pair > best_pair:
                best_pair, obj_word, problem = pair, obj, prob
                keywords += [w for w in (obj, prob) if w not in keywords]
    score += best_pair
    if not best_pair:
        if objs:
            score += 0.7
        if own_rx is not None:
            for m in own_rx.finditer(text):
                if not _negated(text, m.start(), negs):
                    score += 0.6
                    break
    return score, keywords, obj_word, problem, obj_pos


def detect(text: str | None) -> Detection:
    """The reference answer, with the rules and jieba dictionary currently in force."""
    eng = detector._engine()
    rules = eng.rules
    t = normalize(text)
    if len(t) < 3 or not rules.prefilter.search(t):
        return Detection(is_issue=False)
    tokens = set(eng.tokenizer.lcut(t, HMM=False))
    clauses = detector._clauses(t)
    scored = [(code, *_score(rules, code, t, clauses, tokens))
              for code in rules.categories if code != "other"]
    code, best, keywords, obj, problem, _ = max(scored, key=lambda s: (s[1], -s[5]))
    if best <= 0:
        return Detection(is_issue=False)
    score = best
    boosts = sum(1 for p in rules.shared["intensifiers"] if p.search(t))
    score += min(1.5, 0.5 * boosts)
    hits = [name for name in detector.PENALTIES
            if (rx := _union(list(rules.shared[name]))) is not None and rx.search(t)]
    for name in hits:
        if name == "questions" and boosts:
            continue
        score -= detector._PENALTY[name]
    urgent_rx = re.compile("|".join(f"(?P<u{i}>{u.pattern.pattern})"
                                    for i, u in enumerate(rules.urgent))) if rules.urgent else None
    um = urgent_rx.search(t) if urgent_rx is not None else None
    urgent_kind = rules.urgent[int(um.lastgroup[1:])].kind if um and um.lastgroup else None
    if urgent_kind and not {"fixed", "ok_states", "notices", "replies", "elsewhere",
                            "private", "ads"} & set(hits):
        score = max(score, detector.THRESHOLD + 1.0)
    confidence = max(0.0, min(1.0, score / (2 * detector.THRESHOLD)))
    is_issue = score >= detector.THRESHOLD
    location = find_location(halfwidth(text or "")[:MAX_CHARS]) or find_location(t)
    if obj and problem:
        core = f"{obj}{problem}"
    elif keywords:
        core = keywords[0]
    else:
        core = ""
    if core and location and core not in location:
        summary = f"{location}{core}"
    elif core:
        summary = core
    else:
        first = clauses[0] if t else (0, 0)
        summary = t[first[0]:first[1]]
    return Detection(
        is_issue=is_issue,
        category=code if is_issue or best >= 2 else "other",
        confidence=round(confidence, 3),
        urgent=bool(is_issue and urgent_kind),
        location=location,
        summary=summary[:20],
        keywords=tuple(keywords),
        urgent_kind=urgent_kind if is_issue else None,
    )
