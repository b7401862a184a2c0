"""Join conditions shared by the campaign-wide queries.

An agency always belongs to its submission's campaign; saying so in the join lets PostgreSQL
carry the campaign filter over to the agency table (an index range of one province instead of a
scan of the whole country's agencies)."""

from __future__ import annotations

from sqlalchemy import and_
from sqlmodel import col

from parflow.store.models import Agency, Submission

AGENCY_OF_SUBMISSION = and_(
    col(Agency.id) == col(Submission.agency_id), col(Agency.campaign_id) == col(Submission.campaign_id)
)
