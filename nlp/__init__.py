"""Suqiu detector: keyword rules with learned weights that spot complaints in group chat.

`detect(text)` is pure and synchronous; the rules, weights and jieba dictionary load once,
lazily.
"""

from nlp.detector import detect, reload_rules, threshold_for, warm_up
from nlp.types import CATEGORIES, Detection, category_name
from nlp.yamlfile import RuleError

__all__ = ["CATEGORIES", "Detection", "RuleError", "category_name", "detect", "reload_rules",
           "threshold_for", "warm_up"]
