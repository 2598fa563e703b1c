"""吹哨报到: escalation to department groups, /claim, /dept, relays (issue 6)."""

from __future__ import annotations

from telegram.ext import Application


def register_department_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register /escalate, /claim, /dept and the 交办 (dispatch:) button handler."""
