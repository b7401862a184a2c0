"""Criteria sets: the tree field → criterion → sub-criterion, validated when loaded.

Only leaves carry scores. A leaf is scored either by the agency (self-score, then appraisal) or by
the sociological survey (imported). A set is consistent when codes are unique, every leaf sits
under a field, a declared maximum on an inner node equals the sum below it, and the leaves add up
to the set's declared total.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from parflow.yamlsource import Problem, SourceDoc, SourceError, load_yaml, validate

Code = Annotated[str, Field(pattern=r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$", max_length=32)]
Points = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)]


class Title(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    vi: str = Field(min_length=1)
    en: str | None = None


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Code
    title: Title
    max: Points | None = None
    scored_by: Literal["agency", "survey"] | None = None
    method: str | None = None
    evidence: str | None = None
    children: tuple[NodeSpec, ...] = ()


class CriteriaSetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
    title: str = Field(min_length=1)
    total: Points = Decimal(100)
    fields: tuple[NodeSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Node:
    code: str
    parent_code: str | None
    field_code: str
    level: int
    position: int
    title_vi: str
    title_en: str | None
    max_score: Decimal
    scored_by: str
    method: str | None
    evidence_required: str | None
    is_leaf: bool


@dataclass(frozen=True)
class CriteriaSet:
    code: str
    title: str
    total: Decimal
    nodes: tuple[Node, ...]

    def leaves(self) -> Iterator[Node]:
        return (n for n in self.nodes if n.is_leaf)

    def leaf(self, code: str) -> Node | None:
        return next((n for n in self.nodes if n.is_leaf and n.code == code), None)

    def fields(self) -> list[Node]:
        return [n for n in self.nodes if n.level == 1]


def load_criteria_set(path: Path, display: str | None = None) -> CriteriaSet:
    doc = load_yaml(path, display)
    spec = validate(doc, CriteriaSetSpec)
    return build_criteria_set(doc, spec)


def build_criteria_set(doc: SourceDoc, spec: CriteriaSetSpec) -> CriteriaSet:
    problems: list[Problem] = []
    nodes: list[Node] = []
    seen: dict[str, tuple[str | int, ...]] = {}

    def walk(
        node: NodeSpec, loc: tuple[str | int, ...], parent: str | None, field: str, level: int, inherited: str
    ) -> Decimal:
        if node.code in seen:
            problems.append(doc.problem((*loc, "code"), f"code '{node.code}' is used twice"))
        seen[node.code] = loc
        scored_by = node.scored_by or inherited
        position = len(nodes)
        nodes.append(
            Node(
                node.code,
                parent,
                field,
                level,
                position,
                node.title.vi,
                node.title.en,
                Decimal(0),
                scored_by,
                node.method,
                node.evidence,
                not node.children,
            )
        )
        if not node.children:
            if level == 1:
                problems.append(doc.problem(loc, f"field '{node.code}' has no criteria under it"))
            if node.max is None:
                problems.append(doc.problem(loc, f"leaf '{node.code}' has no maximum score ('max')"))
                total = Decimal(0)
            else:
                total = node.max
        else:
            total = sum(
                (
                    walk(child, (*loc, "children", i), node.code, field, level + 1, scored_by)
                    for i, child in enumerate(node.children)
                ),
                Decimal(0),
            )
            if node.max is not None and node.max != total:
                problems.append(
                    doc.problem(
                        (*loc, "max"),
                        f"'{node.code}' declares max {node.max} but its parts add up to {total}",
                    )
                )
        nodes[position] = Node(
            node.code,
            parent,
            field,
            level,
            position,
            node.title.vi,
            node.title.en,
            total,
            scored_by,
            node.method,
            node.evidence,
            not node.children,
        )
        return total

    grand = sum(
        (walk(f, ("fields", i), None, f.code, 1, f.scored_by or "agency") for i, f in enumerate(spec.fields)),
        Decimal(0),
    )
    if grand != spec.total:
        problems.append(
            doc.problem(("total",), f"leaf maxima add up to {grand}, but the set declares total {spec.total}")
        )
    if problems:
        raise SourceError(problems)
    return CriteriaSet(spec.code, spec.title, spec.total, tuple(nodes))
