"""Finding a campaign by its code: the one lookup nearly every use case starts with."""

from __future__ import annotations

from sqlmodel import Session, select

from parflow.domain.errors import NotFound
from parflow.store.models import Campaign


def get_campaign(session: Session, code: str) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.code == code)).first()
    if campaign is None:
        raise NotFound("campaign.not_found", code=code)
    return campaign
