"""Typed refusals: a stable `code` and the data that goes with it (`params`), never a sentence.

The bot words each code from its templates (`error_<code>` in config/templates/), the
dashboard and Open311 from theirs; str() is a plain line for logs. Codes of `InvalidInput`:
unknown_category, bad_coordinates, empty_progress, empty_reason, bad_rating,
unknown_department (department, choices), unknown_setting (key), bad_setting (key, value,
detail), bad_sensitivity (value, choices), bad_level (level, choices). `PermissionDenied`
carries the action asked for and the roles that may take it.
"""

from __future__ import annotations

from typing import Any


class IssueError(Exception):
    code = "invalid"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        detail = ", ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(f"{self.code} ({detail})" if detail else self.code)


class NotFound(IssueError):
    """not_found (number), group_unknown (chat_id)."""

    code = "not_found"


class PermissionDenied(IssueError):
    """forbidden: action (a lifecycle action or a group act such as set_owner), roles (the
    role codes that may take it), number when an issue was named."""

    code = "forbidden"


class InvalidTransition(IssueError):
    """bad_transition: number, status (where the issue stands), action."""

    code = "bad_transition"


class AlreadyRated(IssueError):
    code = "already_rated"


class InvalidInput(IssueError):
    code = "invalid"


class Conflict(IssueError):
    code = "conflict"
