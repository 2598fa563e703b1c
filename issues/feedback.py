"""What people told the detector: the labelled examples `suqiu nlp train` learns from."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issues.lifecycle import Status
from issues.models import Event, Feedback, Issue
from issues.unit_of_work import UnitOfWork


async def feedback_rows(uow: UnitOfWork) -> list[dict[str, object]]:
    """Labelled examples for the detector (`suqiu nlp train`): messages marked as no issue
    at all (label none), and issues someone registered with /report, with the category
    they have now (an owner may have corrected it)."""
    async def run(s: AsyncSession) -> list[dict[str, object]]:
        rows = (await s.execute(select(Feedback).order_by(Feedback.id))).scalars()
        out: list[dict[str, object]] = [
            {"text": r.text, "label": r.label, "detected": r.detected} for r in rows]
        reported = await s.execute(
            select(Issue.text, Issue.category).join(Event, Event.issue_id == Issue.id)
            .where(Event.kind == "open", Event.data["explicit"].as_boolean(),
                   Issue.status != Status.WITHDRAWN.value).order_by(Issue.id))
        out += [{"text": text, "label": category, "detected": None}
                for text, category in reported.all()]
        return out

    return await uow.read(run)
