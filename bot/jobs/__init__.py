"""Scheduled work on PTB's JobQueue: SLA reminders, progress posts, digests (issue 6)."""

from __future__ import annotations

from telegram.ext import Application


def register_jobs(application: Application) -> None:  # type: ignore[type-arg]
    """Register the scheduled jobs and their commands; filled in by the scheduling work."""
