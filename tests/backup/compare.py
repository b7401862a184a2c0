"""Row-by-row comparison of one campaign in two databases whose ids differ.

Rows of each table are taken in id order on both sides (an import inserts them in the order of
the file, which is the source's id order), so the n-th row of one side is the n-th of the other;
people are matched by e-mail. Every column must be equal, foreign keys must point at matching
rows, and ids inside outbox keys and contexts must have moved with them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from parflow.services.backup.format import PARTS, people_of, rewrite_context, rewrite_key, table
from parflow.store.db import Database
from parflow.store.models import Campaign


def campaign_rows(db: Database, code: str) -> dict[str, list[dict[str, Any]]]:
    with db.engine.connect() as conn:
        cid = conn.execute(sa.select(table(Campaign).c.id).where(table(Campaign).c.code == code)).scalar_one()
        out = {}
        for part in PARTS:
            t = table(part.model)
            where = t.c.id.in_(people_of(cid)) if part.where is None else part.where(cid)
            query = sa.select(t).where(where).order_by(*t.primary_key.columns)
            out[part.name] = [dict(r) for r in conn.execute(query).mappings()]
        return out


def compare(source: Database, target: Database, code: str, *, kept_people: set[str] = frozenset()) -> int:
    """Assert the campaign is the same on both sides; returns the number of rows compared."""
    a, b = campaign_rows(source, code), campaign_rows(target, code)
    maps: dict[str, dict[int, int]] = {}
    compared = 0
    for part in PARTS:
        t = table(part.model)
        left, right = a[part.name], b[part.name]
        assert len(left) == len(right), (
            f"{part.name}: {len(left)} rows in the source, {len(right)} in the target"
        )
        if part.name == "person":
            by_email = {r["email"]: r for r in right}
            right = [by_email[r["email"]] for r in left]
        if "id" in t.c:
            maps[part.name] = {x["id"]: y["id"] for x, y in zip(left, right, strict=True)}
        fks = {fk.parent.name: fk.column.table.name for fk in t.foreign_keys}
        for x, y in zip(left, right, strict=True):
            if part.name == "person" and x["email"] in kept_people:
                compared += 1
                continue
            for column in [c.name for c in t.c]:
                if column == "id":
                    continue
                want = x[column]
                if column in fks and want is not None:
                    want = maps[fks[column]][want]
                elif part.name == "notification" and column == "key":
                    want = rewrite_key(want, maps)
                elif part.name == "notification" and column == "context":
                    want = rewrite_context(want, maps)
                assert y[column] == want, f"{part.name} {x.get('id')}.{column}: {want!r} became {y[column]!r}"
            compared += 1
    return compared
