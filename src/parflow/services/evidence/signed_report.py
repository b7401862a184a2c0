"""The scan of the self-assessment report signed by the agency head (báo cáo có chữ ký), attached
to the submission itself rather than to a criterion. One file per submission: a newer scan
replaces the older one (the audit trail keeps both hashes)."""

from __future__ import annotations

from sqlmodel import Session

from parflow.domain.errors import Invalid, WrongPhase
from parflow.services.common import audit
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.service import clean_filename
from parflow.services.evidence.store import Received, store
from parflow.services.evidence.types import JPEG, PDF, PNG, Kind, named_for
from parflow.services.lifecycle.submissions import Located, locate
from parflow.services.scoring.common import agency_role
from parflow.store.models import Person

SCAN_KINDS = {PDF, JPEG, PNG}


def check_allowed(
    session: Session, rt: Runtime, principal: Principal, submission_id: int, *, lock: bool = False
) -> tuple[Located, str]:
    """The agency's own people, until its results are approved (the paper belongs to the season)."""
    found = locate(session, rt, submission_id, principal, lock=lock)
    role = agency_role(principal, found)
    if found.submission.state in found.definition.final:
        raise WrongPhase("evidence.closed", state=found.definition.states[found.submission.state])
    return found, role


def attach(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    received: Received,
    kind: Kind | None,
    filename: str | None,
) -> Located:
    if kind not in SCAN_KINDS:
        raise Invalid("report.signed_scan_type")
    assert kind is not None
    found, role = check_allowed(session, rt, principal, submission_id, lock=True)
    stored = store(rt.settings.evidence_dir, received)
    sub = found.submission
    sub.signed_report_sha256 = stored.sha256
    sub.signed_report_media_type = kind.media_type
    sub.signed_report_filename = named_for(clean_filename(filename) or "bao-cao-da-ky", kind)
    sub.signed_report_at = rt.clock.now()
    sub.version += 1
    session.add(sub)
    session.flush()
    audit.append(
        session,
        found.campaign,
        action="signed_report",
        at=rt.clock.now(),
        actor=session.get(Person, principal.person_id),
        actor_role=role,
        submission=sub,
        agency=found.agency,
        data={
            "version": sub.version,
            "sha256": stored.sha256,
            "size": stored.size,
            "filename": sub.signed_report_filename,
        },
    )
    return found
