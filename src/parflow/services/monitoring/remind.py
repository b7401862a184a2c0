"""Remind now: Home Affairs sends one agency, or every agency the board shows, a reminder at once,
with an optional message of its own.

At most one per agency per local day: the outbox key ends with the day, and a second attempt on
the same day queues nothing and says so. Each reminded agency gets one audit entry (who, to whom,
the message). A reminder is not a write to the submission: its version is left alone, so an
agency editing its scores at that moment is not told its page is out of date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from parflow.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import AGENCY_ROLES
from parflow.services.common import audit, outbox
from parflow.services.common.access import Principal
from parflow.services.common.notices import agency_ref, campaign_ref
from parflow.services.common.runtime import Runtime
from parflow.services.monitoring.board import REMIND_NOW, BoardFilters, BoardRow, campaign_board
from parflow.store.models import Agency, Notification, Person, RoleAssignment, Submission

MESSAGE_MAX = 1000
# who is reminded: the people who fill in the self-assessment and the head who signs it
RECIPIENT_ROLES = tuple(sorted(AGENCY_ROLES))


@dataclass
class Reminded:
    agency_code: str
    agency_name: str
    recipients: list[str]  # e-mail addresses


@dataclass
class RemindOutcome:
    day: str  # local date, ISO
    reminded: list[Reminded] = field(default_factory=list)
    already_today: list[str] = field(default_factory=list)  # agency names
    no_recipients: list[str] = field(default_factory=list)  # agency names


def remind_key(campaign_id: int, submission_id: int, person_id: int, day: str) -> str:
    # prefixed ids (c, s, p) so that backups rewrite them; the day last makes it once a day
    return f"{REMIND_NOW}:c{campaign_id}:s{submission_id}:p{person_id}:{day}"


def clean_message(message: str | None) -> str | None:
    text = "\n".join(line.rstrip() for line in (message or "").strip().splitlines()).strip()
    if len(text) > MESSAGE_MAX:
        params = {"max": MESSAGE_MAX, "length": len(text)}
        raise Invalid(
            "remind.message_too_long", unmet=[Unmet("remind.message_too_long", params, "message")], **params
        )
    return text or None


def remind_now(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    *,
    agencies: Sequence[str] | None = None,
    filters: BoardFilters | None = None,
    message: str | None = None,
) -> RemindOutcome:
    """Queue a reminder to `agencies` (codes), or to every agency the board shows with `filters`.

    404 for an unknown agency code; 403 unless the caller is Home Affairs in the campaign; 409 when
    every chosen agency was already reminded today (nothing queued). One transaction."""
    text = clean_message(message)
    board = campaign_board(session, rt, principal, code, filters=filters if agencies is None else None)
    campaign = board.campaign
    cid = campaign.id or 0
    if "home_affairs" not in principal.roles_in(cid):
        raise Forbidden("remind.forbidden")
    if agencies is not None:
        by_code = {r.agency_code: r for r in board.rows}
        unknown = [c for c in agencies if c not in by_code]
        if unknown:
            raise NotFound("remind.unknown_agency", code=unknown[0])
        rows = [by_code[c] for c in dict.fromkeys(agencies)]
    else:
        rows = board.rows
    if not rows:
        raise Invalid("remind.nobody", unmet=[Unmet("remind.nobody", {})])
    now = rt.clock.now()
    day = board.today.isoformat()
    outcome = RemindOutcome(day)
    ids = [r.submission_id for r in rows]
    done_today = set(
        session.exec(
            select(Notification.submission_id).where(
                Notification.campaign_id == cid,
                Notification.kind == REMIND_NOW,
                col(Notification.submission_id).in_(ids),
                col(Notification.key).endswith(f":{day}"),
            )
        )
    )
    people = _recipients(session, cid, [r for r in rows if r.submission_id not in done_today])
    submissions = {
        s.id: s
        for s in session.exec(select(Submission).where(col(Submission.id).in_(ids)))  # for the refs
    }
    agency_rows = {a.code: a for a in session.exec(select(Agency).where(Agency.campaign_id == cid))}
    actor = session.get(Person, principal.person_id)
    for row in rows:
        if row.submission_id in done_today:
            outcome.already_today.append(row.agency_name)
            continue
        persons = people.get(row.submission_id, [])
        if not persons:
            outcome.no_recipients.append(row.agency_name)
            continue
        submission = submissions[row.submission_id]
        agency = agency_rows[row.agency_code]
        context = _context(board, row, campaign_ref(campaign), agency_ref(agency), text, actor)
        written = [
            person.email
            for person in persons
            if outbox.enqueue(
                session,
                key=remind_key(cid, row.submission_id, person.id or 0, day),
                kind=REMIND_NOW,
                person=person,
                now=now,
                context=context,
                submission=submission,
            )
        ]
        if not written:  # a concurrent request got there first
            outcome.already_today.append(row.agency_name)
            continue
        audit.append(
            session,
            campaign,
            action="remind",
            at=now,
            actor=actor,
            actor_role="home_affairs",
            submission=submission,
            agency=agency,
            comment=text,
            data={"recipients": written, "day": day},
        )
        outcome.reminded.append(Reminded(row.agency_code, row.agency_name, written))
    if not outcome.reminded and outcome.already_today and not outcome.no_recipients:
        # nothing queued: say so rather than answer as if it had worked
        if len(outcome.already_today) == 1:
            raise Conflict("remind.already_today", agency=outcome.already_today[0])
        raise Conflict("remind.all_already_today", count=len(outcome.already_today))
    session.flush()
    return outcome


def _recipients(session: Session, campaign_id: int, rows: list[BoardRow]) -> dict[int, list[Person]]:
    """The active agency people of each row's agency, in one query."""
    if not rows:
        return {}
    codes = {r.agency_code: r.submission_id for r in rows}
    query = (
        select(Person, RoleAssignment.agency_id, Agency.code)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .join(Agency, col(Agency.id) == col(RoleAssignment.agency_id))
        .where(
            RoleAssignment.campaign_id == campaign_id,
            col(RoleAssignment.role).in_(RECIPIENT_ROLES),
            col(Agency.code).in_(list(codes)),
            Person.active,
        )
        .order_by(col(Person.id))
    )
    found: dict[int, list[Person]] = {}
    for person, _agency_id, agency_code in session.exec(query).all():
        sid = codes[agency_code]
        if all(p.id != person.id for p in found.get(sid, [])):
            found.setdefault(sid, []).append(person)
    return found


def _context(
    board: Any,
    row: BoardRow,
    campaign: dict[str, Any],
    agency: dict[str, Any],
    message: str | None,
    actor: Person | None,
) -> dict[str, Any]:
    definition = board.definition
    state = definition.states[row.state]
    context: dict[str, Any] = {
        "campaign": campaign,
        "agency": agency,
        "submission_id": row.submission_id,
        "action_path": f"/submissions/{row.submission_id}",
        "state": {"key": row.state, "vi": state.vi, "en": state.en},
        "message": message,
        "sent_by": actor.name if actor else "",
        # always present (null when not applicable), so a template that needs one cannot miss it
        "milestone": None,
        "due_date": None,
        "working_days_left": None,
        "overdue": False,
        "progress": None,
    }
    if row.next is not None:
        label = definition.milestones[row.next.milestone].label
        context.update(
            milestone={"key": row.next.milestone, "vi": label.vi, "en": label.en},
            due_date=row.next.due.isoformat(),
            working_days_left=row.next.working_days_left,
            overdue=row.next.overdue,
        )
    if row.progress is not None and row.progress.total and definition.in_phase(row.state, "self_assessment"):
        context["progress"] = {
            "scored": row.progress.scored,
            "total": row.progress.total,
            "evidence_missing": row.progress.evidence_missing,
            "blockers": row.progress.blockers,
        }
    return context
