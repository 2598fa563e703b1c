"""Suqiu detector: keyword rules with learned weights that spot complaints in group chat.

`detect(text)` is pure and synchronous; the rules, weights and jieba dictionary load once,
lazily.
"""

from nlp.detector import (
    detect,
    named_kinds,
    reload_rules,
    summarize,
    threshold_for,
    warm_up,
)
from nlp.intent import (
           HelpRequest,
           StatusQuery,
           Step,
           asks_status,
           help_request,
           read_progress,
           status_query,
)
from nlp.types import CATEGORIES, Detection, category_name
from nlp.yamlfile import RuleError

__all__ = ["CATEGORIES", "Detection", "HelpRequest", "RuleError", "StatusQuery", "Step",
           "asks_status", "category_name", "detect", "help_request", "named_kinds",
           "read_progress", "reload_rules", "status_query", "summarize", "threshold_for",
           "warm_up"]
