"""The supervision facts as columns of the issue, a mixin of `models.Issue` (what each fact
is and when it is set: issues.facts). The model sets the clocks' facts itself whenever a
clock stops or restarts, whichever write path moved it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column, validates

from issues import facts


class IssueFacts:
    ack_seconds: Mapped[int | None] = mapped_column(Integer)  # receipt to acceptance
    ack_on_time: Mapped[int | None] = mapped_column(Integer)  # 1 in time, 0 late
    resolve_seconds: Mapped[int | None] = mapped_column(Integer)
    resolve_on_time: Mapped[int | None] = mapped_column(Integer)
    repeat_of: Mapped[int | None] = mapped_column(Integer)  # an earlier issue's id
    rating: Mapped[int | None] = mapped_column(Integer)  # the latest rating, and when
    rated_at: Mapped[datetime | None]
    if TYPE_CHECKING:  # the issue's own columns the clocks read
        created_at: datetime
        ack_due_at: datetime
        resolve_due_at: datetime

    @validates("acknowledged_at", "resolved_at")
    def _clock_stopped(self, key: str, at: datetime | None) -> datetime | None:
        """A clock stopped (or restarted, at None): its seconds and whether it was in time."""
        if key == "acknowledged_at":
            self.ack_seconds, self.ack_on_time = facts.clock(self.created_at, at,
                                                             self.ack_due_at)
        else:
            self.resolve_seconds, self.resolve_on_time = facts.clock(self.created_at, at,
                                                                     self.resolve_due_at)
        return at
