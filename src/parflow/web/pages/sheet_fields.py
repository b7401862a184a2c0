"""A score sheet cut into its fields (lĩnh vực), for the long forms: each field is one foldable
block with its own table, a subtotal against the field's maximum and a jump link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from parflow.domain.roles import Role
from parflow.store.models import Criterion, Person, RoleAssignment, Score


@dataclass
class FieldBlock:
    node: Criterion
    rows: list[Criterion] = field(default_factory=list)  # criteria and leaves under the field
    agency_max: Decimal = Decimal(0)  # the part of the maximum the agency scores itself
    survey_max: Decimal = Decimal(0)
    subtotal: Decimal | None = None  # None until one leaf of the field has a score
    leaves: int = 0
    done: int = 0  # leaves with a value

    @property
    def anchor(self) -> str:
        return f"field-{self.node.code}"


def field_blocks(
    criteria: list[Criterion],
    scores: dict[str, Score],
    value: Callable[[Score], Decimal | None] = lambda s: s.self_score,
    only: set[str] | None = None,
) -> list[FieldBlock]:
    """Fields in order, each with the agency-scored leaves' subtotal of `value` (self-score by
    default). `only` keeps the fields with those codes (a council member's own fields)."""
    blocks: dict[str, FieldBlock] = {}
    order: list[FieldBlock] = []
    for c in criteria:
        if c.level == 1:
            if only is not None and c.code not in only:
                continue
            blocks[c.code] = FieldBlock(c)
            order.append(blocks[c.code])
            continue
        block = blocks.get(c.field_code)
        if block is None:
            continue
        block.rows.append(c)
        if not c.is_leaf:
            continue
        if c.scored_by == "survey":
            block.survey_max += c.max_score
            continue
        block.agency_max += c.max_score
        block.leaves += 1
        s = scores.get(c.code)
        points = value(s) if s is not None else None
        if points is not None:
            block.done += 1
            block.subtotal = (block.subtotal or Decimal(0)) + points
    return order


@dataclass(frozen=True)
class PendingField:
    node: Criterion
    remaining: int
    leaves: int
    members: list[str]  # names of the council members who appraise the field


def pending_fields(session: Session, campaign_id: int, blocks: list[FieldBlock]) -> list[PendingField]:
    """Fields of a submission not fully appraised yet, with the members they wait for: what the
    page says instead of listing every leaf of every other member."""
    waiting = [b for b in blocks if b.leaves and b.done < b.leaves]
    if not waiting:
        return []
    members = session.exec(
        select(Person.name, RoleAssignment.fields)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(RoleAssignment.campaign_id == campaign_id, RoleAssignment.role == Role.council)
        .order_by(col(Person.name))
    ).all()
    return [
        PendingField(
            b.node, b.leaves - b.done, b.leaves, [name for name, fields in members if b.node.code in fields]
        )
        for b in waiting
    ]
