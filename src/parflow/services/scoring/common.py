"""Pieces every scoring use case shares: reading a typed score, who is acting, in which phase."""

from __future__ import annotations

from decimal import Decimal

from parflow.domain.errors import Forbidden, Unmet, WrongPhase
from parflow.domain.roles import Role
from parflow.domain.scoring import ScoreError, read_score
from parflow.services.common.access import Principal
from parflow.services.lifecycle.submissions import Located

RawScore = str | int | float | Decimal


def score_or_unmet(raw: RawScore, criterion: str, maximum: Decimal) -> Decimal | Unmet:
    """The score, or the reason it is refused, naming the leaf and its maximum."""
    try:
        return read_score(raw, maximum)
    except ScoreError as exc:
        return Unmet(
            f"scoring.score_{exc.reason}",
            {"criterion": criterion, "max": maximum, "value": str(raw)},
            field=criterion,
        )


def agency_role(principal: Principal, found: Located) -> str:
    """The agency role (editor or head) the caller holds for this submission's agency, else 403."""
    roles = principal.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    for role in (Role.agency_editor, Role.agency_head):  # the focal point is named first in the log
        if role in roles:
            return role
    raise Forbidden("scoring.agency_only")


def require_phase(found: Located, phase: str, key: str) -> None:
    if not found.definition.in_phase(found.submission.state, phase):
        raise WrongPhase(key, state=found.definition.states[found.submission.state])
