"""`parflow campaign delete`: remove one campaign's rows, e.g. to restore its backup over it.

People stay (they may hold roles in other campaigns) and so do evidence files (the store is
shared by content across campaigns). The audit chain goes with the campaign, so the report gives
its head for the operator's record, to compare with the head a later `parflow import` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from parflow.services.backup.format import PARTS, table
from parflow.services.common.lookups import get_campaign
from parflow.store.models import AuditHead, ResultSnapshot


@dataclass
class DeleteReport:
    campaign: str
    audit_seq: int
    audit_hash: str
    published: bool
    rows: dict[str, int] = field(default_factory=dict)


def describe_campaign(session: Session, code: str) -> DeleteReport:
    """What a deletion would remove, for the confirmation (nothing is changed)."""
    campaign = get_campaign(session, code)
    cid = campaign.id or 0
    head = session.exec(select(AuditHead).where(AuditHead.campaign_id == cid)).first()
    published = session.exec(select(ResultSnapshot).where(ResultSnapshot.campaign_id == cid)).first()
    report = DeleteReport(code, head.seq if head else 0, head.hash if head else "", published is not None)
    for part in PARTS:
        if part.where is None:  # people are kept
            continue
        count = session.execute(
            sa.select(sa.func.count()).select_from(table(part.model)).where(part.where(cid))
        )
        report.rows[part.name] = count.scalar_one()
    return report


def delete_campaign(session: Session, code: str) -> DeleteReport:
    """Delete every row of the campaign, children before parents, in the caller's transaction."""
    report = describe_campaign(session, code)
    cid = get_campaign(session, code).id or 0
    for part in reversed(PARTS):
        if part.where is None:
            continue
        session.execute(sa.delete(table(part.model)).where(part.where(cid)))
    session.flush()
    return report
