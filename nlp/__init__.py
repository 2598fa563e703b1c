"""Suqiu detector: jieba keyword rules that spot complaints in group chat.

`detect(text)` is pure and synchronous; the rules and the jieba dictionary load once, lazily.
"""

from nlp.detector import THRESHOLD, detect, reload_rules, threshold_for
from nlp.rules import RuleError
from nlp.types import CATEGORIES, Detection, category_name

__all__ = ["CATEGORIES", "THRESHOLD", "Detection", "RuleError", "category_name", "detect",
           "reload_rules", "threshold_for"]
