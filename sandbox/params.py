"""JSON-valued Bot API parameters: strings in forms and multipart, values in JSON bodies."""

from __future__ import annotations

import json
from typing import Any

from sandbox.errors import bad


def loose_json(value: Any) -> Any:
    """The parsed value, or None where Telegram silently ignores a bad one."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def json_value(params: dict[str, Any], key: str, parse_error: str, kind: type,
               kind_error: str) -> Any:
    """A JSON-valued parameter, or None when absent; Telegram's errors when malformed."""
    value = params.get(key)
    if value is None or value == "":
        return None
    parsed = value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise bad(parse_error) from None
    if not isinstance(parsed, kind):
        raise bad(kind_error)
    return parsed
