"""Typed refusals. `code` is stable (the bot maps it to a Chinese template); str() is a
Chinese default for logs and the command line."""

from __future__ import annotations

from typing import Any

DEFAULT_TEXT = {
    "not_found": "找不到编号为 #{number} 的诉求。",
    "group_unknown": "这个群还没有登记，请先发送 /start。",
    "forbidden": "你没有权限执行这个操作：{reason}",
    "bad_transition": "诉求 #{number} 当前状态是「{status}」，不能{action}。",
    "already_rated": "诉求 #{number} 已经评价过了。",
    "invalid": "{reason}",
    "conflict": "诉求 #{number} 刚被其他人修改，请再试一次。",
}


class IssueError(Exception):
    code = "invalid"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        try:
            text = DEFAULT_TEXT.get(self.code, "{reason}").format(**params)
        except (KeyError, IndexError):
            text = self.code
        super().__init__(text)


class NotFound(IssueError):
    code = "not_found"


class PermissionDenied(IssueError):
    code = "forbidden"


class InvalidTransition(IssueError):
    code = "bad_transition"


class AlreadyRated(IssueError):
    code = "already_rated"


class InvalidInput(IssueError):
    code = "invalid"


class Conflict(IssueError):
    code = "conflict"
