"""Who is asking, and what they may see. Visibility rules live here and nowhere else.

- Home Affairs, city leaders and viewers see every submission of their campaign.
- Agency editors and heads see only their own agency's submission.
- Council members see submissions once appraisal has begun (the appraisal phase and every state
  reachable from it).
- Anonymous callers see no submission; published results are public through their own path.
Invisible things answer 404 exactly like unknown ones, so ids cannot be probed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.domain.workflow import WorkflowDefinition
from parflow.store.models import Person, RoleAssignment

CAMPAIGN_WIDE_READERS = frozenset({Role.home_affairs, Role.city_leader, Role.viewer})


@dataclass(frozen=True)
class ActorRef:
    """Who did something: what an audit entry and a notice record of them (a `Person` serves too)."""

    id: int | None
    email: str
    name: str


@dataclass(frozen=True)
class Assignment:
    campaign_id: int
    role: str
    agency_id: int | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Principal:
    person_id: int
    email: str
    name: str
    language: str
    assignments: tuple[Assignment, ...]

    @property
    def actor(self) -> ActorRef:
        """The person as the audit trail and messages name them, without reading their row again."""
        return ActorRef(self.person_id, self.email, self.name)

    def roles_in(self, campaign_id: int) -> set[str]:
        return {a.role for a in self.assignments if a.campaign_id == campaign_id}

    def campaign_ids(self) -> set[int]:
        return {a.campaign_id for a in self.assignments}

    def agency_ids(self, campaign_id: int) -> set[int]:
        return {
            a.agency_id
            for a in self.assignments
            if a.campaign_id == campaign_id and a.role in AGENCY_ROLES and a.agency_id is not None
        }

    def council_fields(self, campaign_id: int) -> set[str]:
        return {
            f
            for a in self.assignments
            if a.campaign_id == campaign_id and a.role == Role.council
            for f in a.fields
        }

    def roles_for_submission(self, campaign_id: int, agency_id: int) -> set[str]:
        """The roles this person may act in on one agency's submission."""
        roles = set()
        for a in self.assignments:
            if a.campaign_id != campaign_id:
                continue
            if a.role in AGENCY_ROLES:
                if a.agency_id == agency_id:
                    roles.add(a.role)
            else:
                roles.add(a.role)
        return roles

    def can_see(self, definition: WorkflowDefinition, campaign_id: int, agency_id: int, state: str) -> bool:
        roles = self.roles_for_submission(campaign_id, agency_id)
        if roles & CAMPAIGN_WIDE_READERS or roles & AGENCY_ROLES:
            return True
        return Role.council in roles and state in council_visible_states(definition)


@lru_cache(maxsize=32)
def council_visible_states(definition: WorkflowDefinition) -> frozenset[str]:
    """The appraisal phase and every state reachable from it."""
    start = definition.phases.get("appraisal", ())
    seen = set(start)
    queue = deque(start)
    while queue:
        state = queue.popleft()
        for t in definition.from_state(state):
            if t.dest not in seen:
                seen.add(t.dest)
                queue.append(t.dest)
    return frozenset(seen)


def load_principal(session: Session, person_id: int, *, session_epoch: int | None = None) -> Principal | None:
    """The person's principal; None if they are unknown or inactive, or if `session_epoch` (from a
    token or session cookie) is not theirs any more (signed out or password changed since)."""
    rows = session.execute(_PERSON_AND_ROLES, {"id": person_id}).all()
    if not rows:
        return None
    person = rows[0]
    if not person.active:
        return None
    if session_epoch is not None and session_epoch != person.session_epoch:
        return None
    return Principal(
        person_id=person_id,
        email=person.email,
        name=person.name,
        language=person.language,
        assignments=tuple(
            Assignment(r.campaign_id, r.role, r.agency_id, tuple(r.fields or ()))
            for r in rows
            if r.role is not None
        ),
    )


# every signed-in request starts here: one round trip, built once
_PERSON_AND_ROLES = (
    select(
        Person.email,
        Person.name,
        Person.language,
        Person.active,
        Person.session_epoch,
        RoleAssignment.campaign_id,
        RoleAssignment.role,
        RoleAssignment.agency_id,
        RoleAssignment.fields,
    )
    .outerjoin(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
    .where(Person.id == bindparam("id"))
    .order_by(col(RoleAssignment.id))
)
