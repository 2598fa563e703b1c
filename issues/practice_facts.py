"""What an issue's view says of the practices beyond intake: the channel of its first report
(a 12345 order's number), who supervises it, its departments' parts in a joint case and its
follow-up (asking for a missing rating). One query each for a whole page of issues;
`Ledger.views` adds them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import Issue, OrgUnit, Report
from issues.practice_models import FollowUp, JointPart, Supervision
from issues.views import Channel, JointPartView


async def practice_facts(s: AsyncSession, ids: Sequence[int],
                         departments: Mapping[str, str]) -> dict[int, dict[str, Any]]:
    """Issue id → the IssueView fields it has (absent: the defaults)."""
    out: dict[int, dict[str, Any]] = {}
    first = select(Report.issue_id, func.min(Report.id).label("first")).where(
        Report.issue_id.in_(ids)).group_by(Report.issue_id).subquery()
    for issue_id, channel, external_id in (await s.execute(
        select(Report.issue_id, Report.channel, Report.external_id)
        .join(first, Report.id == first.c.first)
        .where(Report.channel != str(Channel.TELEGRAM)))).all():
        out.setdefault(issue_id, {}).update(channel=channel, external_id=external_id)
    for issue_id, unit in (await s.execute(
        select(Supervision.issue_id, OrgUnit.name)
        .outerjoin(OrgUnit, OrgUnit.id == Supervision.unit_id)
        .where(Supervision.issue_id.in_(ids)))).all():
        out.setdefault(issue_id, {})["supervised_by"] = unit or ""
    parts: dict[int, list[JointPartView]] = {}
    for p in (await s.execute(select(JointPart).where(JointPart.issue_id.in_(ids))
                              .order_by(JointPart.id))).scalars():
        parts.setdefault(p.issue_id, []).append(JointPartView(
            p.department_code, departments.get(p.department_code, p.department_code),
            p.status, p.note))
    for issue_id, views in parts.items():
        out.setdefault(issue_id, {})["joint"] = tuple(views)
    for issue_id, outcome in (await s.execute(  # the follow-up of the current resolution
        select(FollowUp.issue_id, FollowUp.outcome).join(Issue, and_(
            Issue.id == FollowUp.issue_id, Issue.resolved_at == FollowUp.resolved_at))
        .where(FollowUp.issue_id.in_(ids)))).all():
        out.setdefault(issue_id, {})["followup"] = outcome
    return out
