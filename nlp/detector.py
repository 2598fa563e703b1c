"""The detector: normalised text → evidence (nlp.features) → weighted score → Detection.

Each category with evidence gets a score, the sum of the weights (config/rules/weights.yaml)
of its features and of the message's signals; "none" scores 0. The chance that the message is
a complaint is 1 − 1 / (1 + Σ e^score); the best-scoring category is its category. A
life-safety pattern (config/rules/urgent.yaml) makes the message an urgent complaint whatever
the score, unless the message is calm: a hypothetical, a question about what to do, a drill,
a past event or a joke.
"""

from __future__ import annotations

import re
import threading
from math import exp, log
from pathlib import Path

from nlp.features import CategoryEvidence, Evidence, Lexicon, scored
from nlp.normalize import normalize_keeping_halfwidth
from nlp.patterns import CLAUSE
from nlp.rules import Rules, load_rules
from nlp.types import Detection
from nlp.weights import Weights

# The category an emergency is filed under when the rules found no better one.
URGENT_CATEGORY = {"gas": "gas", "fire": "hazard", "elevator": "elevator", "power": "hazard",
                   "flood": "drainage", "collapse": "hazard"}
URGENT_CONFIDENCE = 0.95  # above every group's sensitivity: an emergency is always opened

_lock = threading.Lock()
_state: dict[str, Lexicon] = {}
_NOT_AN_ISSUE = Detection(is_issue=False)


def lexicon() -> Lexicon:
    """The rules in force, compiled (loaded on first use)."""
    lex = _state.get("lexicon")
    if lex is None:
        with _lock:
            lex = _state.get("lexicon")
            if lex is None:
                lex = _state["lexicon"] = Lexicon(load_rules())
    return lex


def reload_rules(rules_dir: Path | None = None) -> None:
    """Swap in freshly loaded rules and weights; on RuleError those in force stay."""
    lex = Lexicon(load_rules(rules_dir))  # raises before anything changes
    with _lock:
        _state["lexicon"] = lex


def warm_up() -> None:
    """Load the rules, the weights and jieba's dictionary now (a second or two), so the first
    message that needs them does not wait: for a bot's start-up."""
    lexicon().tokenizer.check_initialized()


def current_rules() -> Rules:
    return lexicon().rules


def threshold_for(sensitivity: str) -> float:
    """The confidence a message needs at a group's sensitivity (normal: the is_issue line)."""
    sens = lexicon().rules.weights.sensitivity
    return sens.get(sensitivity, sens["normal"])


def score(weights: Weights, cat: CategoryEvidence, ev: Evidence) -> float:
    return sum(weights.get(f) for f in scored(cat, ev))


def judge(ev: Evidence, weights: Weights) -> tuple[float, CategoryEvidence | None, float]:
    """(chance of a complaint, the best category's evidence, its score)."""
    best: CategoryEvidence | None = None
    best_score = 0.0
    total = 0.0
    for cat in ev.categories:
        s = score(weights, cat, ev)
        total += exp(min(s, 50.0))
        if best is None or (s, -cat.first, -cat.index) > (best_score, -best.first, -best.index):
            best, best_score = cat, s
    if weights.words and total > 0:  # the word layer moves the rules' log-odds
        z = weights.words.adjust(ev.text, log(total))
        return 1.0 / (1.0 + exp(min(-z, 50.0))), best, best_score
    return 1.0 - 1.0 / (1.0 + total), best, best_score


def detect(text: str | None) -> Detection:
    """Is this message a resident reporting a problem someone should fix? Pure and sync."""
    half, t = normalize_keeping_halfwidth(text)
    if len(t) < 3:
        return _NOT_AN_ISSUE
    lex = lexicon()
    return decide(lex.evidence(t, half), lex.rules.weights)


def named_kinds(text: str | None) -> frozenset[str]:
    """The categories whose objects a message names ("电梯的事已经报给物业了" names the lift
    and the property company), whether or not it complains: a grid worker's report of work
    done names the thing it was done to, with none of a complaint's problem words."""
    half, t = normalize_keeping_halfwidth(text)
    ev = lexicon().evidence(t, half) if len(t) >= 2 else None
    return frozenset(c.code for c in ev.categories if c.keywords) if ev else frozenset()


def decide(ev: Evidence | None, weights: Weights) -> Detection:
    """The Detection the weights make of a message's evidence (training scores with this
    too, so its figures are the detector's)."""
    if ev is None:
        return _NOT_AN_ISSUE
    chance, best, best_score = judge(ev, weights)
    is_issue = chance >= weights.sensitivity["normal"]
    category = best.code if best is not None else "other"
    urgent = ev.urgent_kind is not None and not ev.calm
    if urgent:
        is_issue, chance = True, max(chance, URGENT_CONFIDENCE)
        if best is None or best_score < 0:  # the rules alone would not have filed it
            category = URGENT_CATEGORY.get(ev.urgent_kind or "", "hazard")
    return Detection(
        is_issue=is_issue,
        category=category,
        confidence=round(chance, 3),
        urgent=urgent,
        location=ev.location,
        summary=_summary(ev.text, best, ev.location),
        keywords=tuple(best.keywords) if best else (),
        urgent_kind=ev.urgent_kind if urgent else None,
    )


SUMMARY = 20  # characters: a summary stands in a list line and a reminder
# Words that join a clause to what was said before it (但是6号楼电梯又坏了): a summary stands
# alone in a list, where a leading 但是 or 然后 reads as a fragment of a conversation.
_LEAD = re.compile(r"^(?:(?:但是|可是|而且|然后|不过|另外|还有|并且|所以|因为|结果|况且|再说|"
                   r"而是|只是|就是|同时|此外|其次|最后|对了|话说)[,，、:：\s]*)+")


def _summary(text: str, best: CategoryEvidence | None, location: str | None) -> str:
    """The resident's own clause that says the problem ("2号楼后面垃圾堆了好几天没人清"),
    with its place and object before it when the clause does not name them; when it is too long
    for a line (a run-on without punctuation), the place, object and problem words alone.
    Built from the words alone, a summary read as cut off (2号楼后面垃圾堆好几天没) or named
    its place twice (5栋楼道楼道的灯坏)."""
    if best is not None and best.said:
        said = _LEAD.sub("", _clause_at(text, best.said[0]))
        if said and best.obj and best.obj not in said:  # "路灯，好几天了都不亮"
            said = best.obj + said
        said = _with_place(said, location)
        if said and len(said) <= SUMMARY:
            return said
    core = ""
    if best is not None:
        if best.obj and best.problem:
            core = f"{best.obj}{best.problem}"
        elif best.keywords:
            core = best.keywords[0]
    s = _with_place(core, location) if core else _first_clause(text)
    return _clip(s)


def summarize(text: str) -> str:
    """A line that stands for a report in lists and reminders, whether or not it reads as a
    complaint (a hotline order's category is given, not detected): the detector's summary,
    else its first clause, cut between words."""
    return detect(text).summary or _clip(_first_clause(text).strip())


def _clip(s: str) -> str:
    """At most SUMMARY characters, cut where a word ends (jieba with the rules' words), not
    inside one (幸福路与建设路交叉口附近路灯不亮已 cut 已经)."""
    if len(s) <= SUMMARY:
        return s
    kept = 0
    for word in lexicon().tokenizer.lcut(s, HMM=False):
        if kept + len(word) > SUMMARY:
            break
        kept += len(word)
    return s[:kept or SUMMARY]


def _clause_at(text: str, at: int) -> str:
    """The clause of `text` around position `at`."""
    start = 0
    for m in CLAUSE.finditer(text):
        if m.start() > at:
            return text[start:m.start()].strip()
        start = m.end()
    return text[start:].strip()


def _with_place(said: str, place: str | None) -> str:
    """`said` with the place before it, unless it names the place already; where the place
    ends as `said` begins (5栋楼道 + 楼道的灯坏了) the two are joined, not repeated. The place
    is read before traditional → simplified folding and `said` after it: 梅园路干源国际段 in
    `said` is the place, named as the resident wrote it (乾源)."""
    if not said or not place:
        return said
    folded = normalize_keeping_halfwidth(place)[1]
    if folded != place and folded in said:
        return said.replace(folded, place, 1)
    if place in said or said in place:
        return said
    overlap = next((n for n in range(min(len(place), len(said)), 0, -1)
                    if place.endswith(said[:n])), 0)
    return place + said[overlap:]


def _first_clause(text: str) -> str:
    for part in CLAUSE.split(text):
        if _LEAD.sub("", part.strip()):
            return _LEAD.sub("", part.strip())
    return text
