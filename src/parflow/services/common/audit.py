"""The audit trail: append-only, hash-chained per campaign.

Each entry's hash covers its content and the previous entry's hash, so editing, deleting or
reordering any row behind the application's back breaks the chain at that row. The hash uses
stable references (campaign code; agency code and actor e-mail recorded in `data`) rather than
database ids, so a chain survives export and import into another database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlmodel import Session, col, select

from parflow.store.models import Agency, AuditEntry, AuditHead, Campaign, ResultSnapshot, Submission

GENESIS = "0" * 64


class Actor(Protocol):
    """Who acted: a `Person` row, or `access.ActorRef` when the row need not be read again."""

    @property
    def id(self) -> int | None: ...

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...


# A text longer than this is recorded by its SHA-256 and length, not in full. The full text stays
# where it belongs (the score's explanation, the dispute's argument) and can be checked against the
# hash; without the bound one bulk update of 500 explanations of 4,000 characters wrote 1.5 MB.
MAX_AUDIT_TEXT = 256


def _bounded(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_AUDIT_TEXT:
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        return f"sha256:{digest} ({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _bounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """JSON-native copy: decimals and dates become strings, so the hash is reproducible."""
    if _native(value):
        return value  # nothing to convert (most entries): spare the round trip through JSON text
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _native(value: Any) -> bool:
    """Whether `value` is already what JSON would give back: dicts with string keys, lists, and
    strings, integers, booleans and None (a float could come back changed; it goes the long way)."""
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is dict:
        return all(type(k) is str and _native(v) for k, v in value.items())
    if type(value) is list:
        return all(_native(v) for v in value)
    return False


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not serialisable in the audit log: {type(value).__name__}")


_HASHED = (
    "seq",
    "at",
    "actor_role",
    "action",
    "trigger",
    "from_state",
    "to_state",
    "comment",
    "data",
    "prev_hash",
)


def entry_hash(entry: AuditEntry, campaign_code: str) -> str:
    return _chain_hash({name: getattr(entry, name) for name in _HASHED}, campaign_code)


def _chain_hash(fields: Mapping[str, Any], campaign_code: str) -> str:
    """The hash of an entry's `fields` (its columns), chained to the previous entry's hash."""
    payload = {
        "campaign": campaign_code,
        "seq": fields["seq"],
        "at": fields["at"].isoformat(timespec="microseconds"),
        "role": fields["actor_role"],
        "action": fields["action"],
        "trigger": fields["trigger"],
        "from": fields["from_state"],
        "to": fields["to_state"],
        "comment": fields["comment"],
        "data": fields["data"],
        "prev": fields["prev_hash"],
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The chain is written with statements built once, outside the ORM's unit of work: every event
# appends, and composing and flushing two more ORM objects per event cost more than the SQL.
_HEADS = AuditHead.__table__  # type: ignore[attr-defined]
_ENTRIES = AuditEntry.__table__  # type: ignore[attr-defined]
_HEAD = (
    select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.campaign_id == bindparam("campaign")).with_for_update()
)
_NEW_HEAD = insert(_HEADS).values(campaign_id=bindparam("campaign"), seq=0, hash=GENESIS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.campaign_id == bindparam("campaign"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# the new id comes from the driver (SQLite's last row id; PostgreSQL's RETURNING, added by SQLAlchemy)
_NEW_ENTRY = insert(_ENTRIES)


def _lock_head(connection: Connection, campaign_id: int) -> tuple[int, str]:
    """(seq, hash) of the campaign's last entry, its row locked until commit (PostgreSQL; on
    SQLite the write transaction holds the database)."""
    head = connection.execute(_HEAD, {"campaign": campaign_id}).first()
    if head is None:
        connection.execute(_NEW_HEAD, {"campaign": campaign_id})
        return 0, GENESIS
    return int(head.seq), str(head.hash)


def append(
    session: Session,
    campaign: Campaign,
    *,
    action: str,
    at: datetime,
    actor: Actor | None = None,
    actor_role: str | None = None,
    submission: Submission | None = None,
    agency: Agency | None = None,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    assert campaign.id is not None
    if submission is not None and agency is None:
        agency = session.get(Agency, submission.agency_id)
    session.flush()  # the caller's pending changes go out before the entry that records them
    connection = session.connection()
    seq, prev_hash = _lock_head(connection, campaign.id)
    values: dict[str, Any] = {
        "campaign_id": campaign.id,
        "seq": seq + 1,
        "submission_id": submission.id if submission else None,
        "at": at,
        "actor_id": actor.id if actor else None,
        "actor_role": actor_role,
        "action": action,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "data": _bounded(
            _plain(
                {
                    **(data or {}),
                    **({"agency": agency.code} if agency else {}),
                    **({"actor": actor.email} if actor else {}),
                }
            )
        ),
        "prev_hash": prev_hash,
    }
    values["hash"] = _chain_hash(values, campaign.code)
    (values["id"],) = connection.execute(_NEW_ENTRY, values).inserted_primary_key
    moved = {"campaign": campaign.id, "new_seq": values["seq"], "new_hash": values["hash"]}
    connection.execute(_MOVE_HEAD, moved)
    return _as_loaded(values)


def _as_loaded(values: dict[str, Any]) -> AuditEntry:
    """The written entry as an `AuditEntry`, made the way the ORM makes a row it loads (no
    constructor, no change events): it is not added to the session, which would insert it again,
    and building it through the constructor cost as much as writing it."""
    entry = _ENTRY_CLASS.new_instance()
    entry.__dict__.update(values)
    return entry


_ENTRY_CLASS = manager_of_class(AuditEntry)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None
    # one sentence per published snapshot whose recorded chain head is not an entry of the chain
    snapshot_problems: tuple[str, ...] = ()
    snapshots_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.snapshot_problems


def verify(session: Session, campaign: Campaign, batch: int = 2000) -> ChainReport:
    """Walk the campaign's chain, reporting the first link that does not hold; then check that
    every published results snapshot names an entry of the intact chain."""
    report = _verify_chain(session, campaign, batch)
    snapshots = session.exec(
        select(ResultSnapshot)
        .where(ResultSnapshot.campaign_id == campaign.id)
        .order_by(col(ResultSnapshot.id))
    ).all()
    problems = tuple(
        p for s in snapshots if (p := _snapshot_problem(session, campaign, s, report)) is not None
    )
    return ChainReport(
        report.checked, report.head_hash, report.broken_seq, report.reason, problems, len(snapshots)
    )


def _snapshot_problem(
    session: Session, campaign: Campaign, snapshot: ResultSnapshot, chain: ChainReport
) -> str | None:
    """Why `snapshot` is not anchored in the chain, or None when its recorded head is a checked entry."""
    when = snapshot.published_at.isoformat(timespec="seconds")
    name = f"the results snapshot published at {when}"
    entry = session.exec(
        select(AuditEntry).where(
            AuditEntry.campaign_id == campaign.id, AuditEntry.seq == snapshot.audit_head_seq
        )
    ).first()
    if entry is None or entry.hash != snapshot.audit_head_hash:
        return (
            f"{name} records audit entry {snapshot.audit_head_seq} "
            f"with hash {snapshot.audit_head_hash[:12]}…, which is not an entry of the audit chain"
        )
    recorded = (snapshot.payload or {}).get("audit_head") or {}
    if recorded and (recorded.get("seq"), recorded.get("hash")) != (
        snapshot.audit_head_seq,
        snapshot.audit_head_hash,
    ):
        return (
            f"{name} shows audit entry {recorded.get('seq')} in its table "
            f"but records entry {snapshot.audit_head_seq}"
        )
    if chain.broken_seq is not None and snapshot.audit_head_seq >= chain.broken_seq:
        return f"{name} records audit entry {snapshot.audit_head_seq}, beyond the break in the chain"
    return None


def _verify_chain(session: Session, campaign: Campaign, batch: int) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    last_id = 0
    checked = 0
    while True:
        rows = session.exec(
            select(AuditEntry)
            .where(AuditEntry.campaign_id == campaign.id, col(AuditEntry.id) > last_id)
            .order_by(col(AuditEntry.id))
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            last_id = row.id or last_id
            if row.seq != expected_seq:
                return ChainReport(
                    checked, prev, expected_seq, f"entry {expected_seq} is missing (found {row.seq})"
                )
            if row.prev_hash != prev:
                return ChainReport(checked, prev, row.seq, "does not link to the entry before it")
            if entry_hash(row, campaign.code) != row.hash:
                return ChainReport(checked, prev, row.seq, "its content was changed after it was written")
            prev = row.hash
            expected_seq += 1
            checked += 1
    head = session.exec(
        select(AuditHead)
        .where(AuditHead.campaign_id == campaign.id)
        .execution_options(populate_existing=True)
    ).first()
    if head is not None and (head.seq != checked or head.hash != prev):
        return ChainReport(checked, prev, checked + 1, "entries after this point were removed")
    return ChainReport(checked, prev)
