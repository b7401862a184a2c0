"""Evidence (tài liệu kiểm chứng) for a leaf: an uploaded file or a link to a published document.

The agency adds evidence while it fills in its self-assessment, and again while the dispute window
is open (new evidence supporting a dispute). Anyone who may see the submission may list and download
its evidence.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, col, func, select

from parflow.domain.errors import Conflict, Invalid, NotFound, RateLimited, TooLarge, WrongPhase
from parflow.services.common import audit
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.store import Received, blob_path, human_size, store
from parflow.services.evidence.types import Kind, kind_of, named_for
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.lifecycle.progress import refresh_progress
from parflow.services.lifecycle.submissions import Located, check_version, locate
from parflow.services.scoring.common import agency_role
from parflow.services.scoring.score_sheet import criteria_of, leaf_problem
from parflow.store.models import AuditEntry, Dispute, Evidence, Person

MAX_URL = 2000
MAX_TITLE = 500
WINDOW = timedelta(hours=1)


def dispute_states(found: Located) -> set[str]:
    """States in which an agency may respond to appraisal results: where `dispute` starts or ends."""
    return {s for t in found.definition.transitions if t.trigger == "dispute" for s in (t.source, t.dest)}


def can_add_evidence(session: Session, rt: Runtime, found: Located) -> bool:
    if found.definition.in_phase(found.submission.state, "self_assessment"):
        return True
    if found.submission.state not in dispute_states(found):
        return False
    closes = SubmissionFacts(
        session, found.submission, found.campaign, rt.clock.now()
    ).dispute_window_closes_at()
    return closes is not None and rt.clock.now() <= closes


def check_evidence_allowed(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    criterion: str | None,
    *,
    lock: bool,
) -> tuple[Located, str]:
    """Who, when and which leaf: everything about adding evidence except the file itself."""
    found = locate(session, rt, submission_id, principal, lock=lock)
    role = agency_role(principal, found)
    if not can_add_evidence(session, rt, found):
        raise WrongPhase("evidence.closed", state=found.definition.states[found.submission.state])
    if criterion is not None:
        leaves = {c.code: c for c in criteria_of(session, found.submission) if c.is_leaf}
        problem = leaf_problem(leaves, criterion, "agency")
        if problem:
            raise Invalid("evidence.rejected", unmet=[problem])
    return found, role


@dataclass(frozen=True)
class FileIn:
    received: Received
    kind: Kind
    filename: str | None


def clean_filename(name: str | None) -> str | None:
    """The client's name for display and download only: no folders, no control characters."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return base[:255] or None


def check_url(url: str) -> str:
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 address
        raise Invalid("evidence.bad_url", max=MAX_URL) from None
    if (
        len(text) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not host
        or any(ch.isspace() or not ch.isprintable() for ch in text)
    ):
        raise Invalid("evidence.bad_url", max=MAX_URL)
    return text


def clean_text(text: str | None, limit: int) -> str | None:
    """Free text from a form: no control characters (PostgreSQL refuses NUL), trimmed, bounded.
    Format characters stay (the joiner inside an emoji, right-to-left marks): they are the text."""
    cleaned = "".join(ch for ch in (text or "") if unicodedata.category(ch) != "Cc" or ch in "\n\t").strip()
    return cleaned[:limit] or None


def check_quota(session: Session, rt: Runtime, found: Located, size: int) -> None:
    """The agency's limits, checked under the submission's lock (so two uploads at once cannot both
    pass): evidence added in the last hour, counted from the audit trail (taking evidence back and
    adding it again still counts), and the total size of the submission's files."""
    now = rt.clock.now()
    sid = found.submission.id
    recent = session.exec(
        select(AuditEntry.at)
        .where(AuditEntry.submission_id == sid, AuditEntry.action == "evidence", AuditEntry.at > now - WINDOW)
        .order_by(col(AuditEntry.at))
        .limit(rt.settings.evidence_uploads_per_hour)
    ).all()
    if len(recent) >= rt.settings.evidence_uploads_per_hour:
        wait = max(1, math.ceil((recent[0] + WINDOW - now).total_seconds()))
        raise RateLimited(
            "evidence.rate_limited",
            retry_after=wait,
            limit=rt.settings.evidence_uploads_per_hour,
            minutes=math.ceil(wait / 60),
        )
    if size:
        held = session.exec(
            select(func.coalesce(func.sum(Evidence.size), 0)).where(Evidence.submission_id == sid)
        ).one()
        limit = rt.settings.evidence_max_bytes_per_submission
        if held + size > limit:
            raise TooLarge("evidence.submission_full", limit=human_size(limit), held=human_size(held))


def add_evidence(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    criterion: str,
    *,
    file: FileIn | None = None,
    url: str | None = None,
    title: str | None = None,
    expected_version: int | None = None,
) -> tuple[Located, Evidence]:
    """Attach a file (already received into a temporary file) or a link. One transaction."""
    now = rt.clock.now()
    if (file is None) == (url is None):
        raise Invalid("evidence.file_or_url")
    clean_title = clean_text(title, MAX_TITLE)
    link = check_url(url) if url is not None else None
    found, role = check_evidence_allowed(session, rt, principal, submission_id, criterion, lock=True)
    check_version(found.submission, expected_version)
    check_quota(session, rt, found, file.received.size if file is not None else 0)
    row = Evidence(
        submission_id=found.submission.id or 0,
        criterion_code=criterion,
        title=clean_title,
        uploaded_by=principal.person_id,
        uploaded_at=now,
    )
    if file is not None:
        stored = store(rt.settings.evidence_dir, file.received)
        row.sha256 = stored.sha256
        row.size = stored.size
        row.media_type = file.kind.media_type
        row.filename = named_for(clean_filename(file.filename) or stored.sha256[:12], file.kind)
    else:
        row.url = link
    session.add(row)
    found.submission.version += 1
    refresh_progress(session, found.submission)
    audit.append(
        session,
        found.campaign,
        action="evidence",
        at=now,
        actor=session.get(Person, principal.person_id),
        actor_role=role,
        submission=found.submission,
        agency=found.agency,
        data={
            "version": found.submission.version,
            "criterion": criterion,
            "evidence_id": row.id,
            "sha256": row.sha256,
            "size": row.size,
            "media_type": row.media_type,
            "filename": row.filename,
            "url": row.url,
            "title": row.title,
        },
    )
    return found, row


def list_evidence(
    session: Session, rt: Runtime, principal: Principal, submission_id: int, criterion: str | None = None
) -> list[Evidence]:
    found = locate(session, rt, submission_id, principal)
    query = select(Evidence).where(Evidence.submission_id == found.submission.id)
    if criterion:
        query = query.where(Evidence.criterion_code == criterion)
    return list(session.exec(query.order_by(col(Evidence.criterion_code), col(Evidence.id))))


def evidence_of(
    session: Session, rt: Runtime, principal: Principal, submission_id: int, evidence_id: int
) -> Evidence:
    found = locate(session, rt, submission_id, principal)
    row = session.get(Evidence, evidence_id)
    if row is None or row.submission_id != found.submission.id:
        raise NotFound("evidence.not_found", id=evidence_id)
    return row


def download_name(row: Evidence) -> str:
    """The name a download is offered under: the stored name with the extension of the detected
    type (rows stored before names were corrected on upload are corrected here)."""
    name = row.filename or f"evidence-{row.id}"
    kind = kind_of(row.media_type)
    return named_for(name, kind) if kind is not None else name


def download_media_type(row: Evidence) -> str:
    """Only a type parflow detected itself; anything else is served as opaque bytes."""
    kind = kind_of(row.media_type)
    return kind.media_type if kind is not None else "application/octet-stream"


def evidence_file(rt: Runtime, row: Evidence) -> Path:
    if row.sha256 is None:
        raise NotFound("evidence.is_link", id=row.id)
    path = blob_path(rt.settings.evidence_dir, row.sha256)
    if not path.exists():
        raise NotFound("evidence.file_missing", id=row.id)
    return path


def remove_evidence(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    evidence_id: int,
    *,
    expected_version: int | None = None,
) -> Located:
    """Take back evidence added by mistake, during self-assessment only. The stored file stays for
    now (other rows may share the same content, and this transaction may still roll back); the
    sweep (services/evidence/sweep.py) deletes it once no row refers to it."""
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    # an unknown id reads 404 for everyone who sees the submission, before any role check (no probing)
    row = session.get(Evidence, evidence_id)
    if row is None or row.submission_id != found.submission.id:
        raise NotFound("evidence.not_found", id=evidence_id)
    role = agency_role(principal, found)
    if not found.definition.in_phase(found.submission.state, "self_assessment"):
        raise WrongPhase("evidence.remove_closed", state=found.definition.states[found.submission.state])
    check_version(found.submission, expected_version)
    if session.exec(select(Dispute.id).where(Dispute.evidence_id == row.id)).first() is not None:
        raise Conflict("evidence.in_dispute", id=evidence_id)
    session.delete(row)
    found.submission.version += 1
    refresh_progress(session, found.submission)
    session.add(found.submission)
    audit.append(
        session,
        found.campaign,
        action="evidence_removed",
        at=now,
        actor=session.get(Person, principal.person_id),
        actor_role=role,
        submission=found.submission,
        agency=found.agency,
        data={
            "version": found.submission.version,
            "criterion": row.criterion_code,
            "evidence_id": evidence_id,
            "sha256": row.sha256,
            "url": row.url,
        },
    )
    session.flush()
    return found
