"""The campaign backup file: which rows belong to a campaign, how a row is written, how ids move.

A backup is a zip archive:

    manifest.json            format name and version, campaign code, schema revision, and for each
                             table its row count and the SHA-256 of its member
    tables/<table>.jsonl     one JSON object per row, tables in the order they must be inserted
    evidence/<sha256>        each evidence file found in the evidence store (content-addressed)

Rows keep their source ids in the file; an import gives them new ids in the target database and
rewrites every foreign key through the map of old to new ids (the target may already hold other
campaigns, so the numbers cannot be kept). People are global, identified by e-mail: a person the
target already knows keeps the target's row. The audit chain hashes stable references (campaign
code, agency codes, e-mails), never ids, so its hashes are copied exactly and stay valid.

Ids also appear inside the outbox: in message keys (which make a second copy of a reminder
impossible) and in message contexts (links to a submission or a dispute). `rewrite_key` and
`rewrite_context` move those too, so that a tick in the target database recognises the messages
already sent and does not send them again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from parflow.store import models as m
from parflow.store.types import UTCDateTime

FORMAT = "parflow-campaign-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

Maps = dict[str, dict[int, int]]


def table(model: type[SQLModel]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _in(column: sa.Column[Any], subquery: sa.Select[Any]) -> sa.ColumnElement[bool]:
    return column.in_(subquery)


def _submissions(cid: int) -> sa.Select[Any]:
    return sa.select(table(m.Submission).c.id).where(table(m.Submission).c.campaign_id == cid)


def _by_campaign(model: type[SQLModel]) -> Callable[[int], sa.ColumnElement[bool]]:
    return lambda cid: table(model).c.campaign_id == cid


def _by_submission(model: type[SQLModel]) -> Callable[[int], sa.ColumnElement[bool]]:
    return lambda cid: _in(table(model).c.submission_id, _submissions(cid))


@dataclass(frozen=True)
class Part:
    """One table of a backup: its rows of campaign `cid` are those matching `where(cid)`."""

    model: type[SQLModel]
    where: Callable[[int], sa.ColumnElement[bool]] | None  # None: people, chosen by reference

    @property
    def name(self) -> str:
        return table(self.model).name


# In insertion order: every table after the tables it refers to.
PARTS: tuple[Part, ...] = (
    Part(m.Campaign, lambda cid: table(m.Campaign).c.id == cid),
    Part(m.CalendarDay, _by_campaign(m.CalendarDay)),
    Part(m.Milestone, _by_campaign(m.Milestone)),
    Part(m.CriteriaSet, _by_campaign(m.CriteriaSet)),
    Part(
        m.Criterion,
        lambda cid: _in(
            table(m.Criterion).c.set_id,
            sa.select(table(m.CriteriaSet).c.id).where(table(m.CriteriaSet).c.campaign_id == cid),
        ),
    ),
    Part(m.Agency, _by_campaign(m.Agency)),
    Part(m.Person, None),
    Part(m.RoleAssignment, _by_campaign(m.RoleAssignment)),
    Part(m.Submission, _by_campaign(m.Submission)),
    Part(m.Evidence, _by_submission(m.Evidence)),
    Part(m.Score, _by_submission(m.Score)),
    Part(m.Dispute, _by_submission(m.Dispute)),
    Part(m.Extension, _by_campaign(m.Extension)),
    Part(m.AuditEntry, _by_campaign(m.AuditEntry)),
    Part(m.AuditHead, _by_campaign(m.AuditHead)),
    Part(m.Notification, _by_campaign(m.Notification)),
    Part(m.ResultSnapshot, _by_campaign(m.ResultSnapshot)),
)
PART_NAMES = tuple(p.name for p in PARTS)


def people_of(cid: int) -> sa.Select[Any]:
    """Everyone a campaign's rows refer to: role holders, actors, authors, recipients."""
    person_id = table(m.Person).c.id
    selects = []
    for part in PARTS:
        if part.where is None:
            continue
        t = table(part.model)
        for fk in t.foreign_keys:
            if fk.column is person_id:
                selects.append(
                    sa.select(fk.parent.label("pid")).where(part.where(cid), fk.parent.is_not(None))
                )
    return sa.union(*selects)


# --- rows to JSON and back -----------------------------------------------------------------------


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a backup")


def encode_row(row: dict[str, Any]) -> bytes:
    return (json.dumps(row, default=_json_default, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def decode_value(column: sa.Column[Any], value: Any) -> Any:
    """The Python value for `column` from what `encode_row` wrote."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Numeric):
        return Decimal(str(value))
    return value


# --- ids inside the outbox -----------------------------------------------------------------------

# message kind (the key's first word) -> {position of an id in the colon-separated key: table}
# Prefixed parts (`c12`, `s5`, `p7`, `r3`, `x2`) are recognised by their letter; plain numbers by
# their position. Keys are built in services/deadlines/reminders.py, submissions.py, disputes.py,
# extensions.py, milestones.py, results.py, digest.py, notify/alerts.py and
# monitoring/remind.py.
_PREFIXED = {"c": "campaign", "s": "submission", "p": "person", "r": "person", "x": "extension"}
_PLAIN: dict[str, dict[int, str]] = {
    "event": {1: "campaign", 4: "person"},
    "dispute": {1: "dispute", 3: "person"},
    "published": {1: "campaign", 2: "person"},
    "daily_digest": {1: "campaign", 2: "person"},
    "delivery_failure": {1: "campaign", 2: "person"},
    # head_sign_off:<campaign>:<submission>:<mode>:<audit seq>:<person>
    "head_sign_off": {1: "campaign", 2: "submission", 5: "person"},
}
_PREFIXED_KINDS = ("reminder", "escalation", "extension", "moved", "remind_now")
_PREFIXED_PART = re.compile(r"^([cspxr])(\d+)$")


def _moved(maps: Maps, name: str, old: int) -> int:
    # 0 stands for "nobody" in escalation keys (r0); an id outside the file is kept as it is
    return maps.get(name, {}).get(old, old) if old else old


def rewrite_key(key: str, maps: Maps) -> str:
    parts = key.split(":")
    kind = parts[0]
    if kind in _PREFIXED_KINDS:
        # only the leading run of prefixed parts holds ids; milestone names and dates follow
        for i in range(1, len(parts)):
            match = _PREFIXED_PART.match(parts[i])
            if match is None:
                if kind != "extension" and kind != "moved":
                    break
                continue
            letter, number = match.groups()
            parts[i] = f"{letter}{_moved(maps, _PREFIXED[letter], int(number))}"
    elif kind in _PLAIN:
        for i, name in _PLAIN[kind].items():
            if i < len(parts) and parts[i].isdigit():
                parts[i] = str(_moved(maps, name, int(parts[i])))
    return ":".join(parts)


_PATH_IDS = re.compile(r"/(submissions|disputes)/(\d+)")


def rewrite_context(context: Any, maps: Maps) -> Any:
    if not isinstance(context, dict):
        return context
    out = dict(context)
    for field, name in (("submission_id", "submission"), ("dispute_id", "dispute")):
        if isinstance(out.get(field), int):
            out[field] = _moved(maps, name, out[field])
    for name in ("action_path", "report_path"):
        path = out.get(name)
        if isinstance(path, str):
            out[name] = _PATH_IDS.sub(
                lambda mt: f"/{mt.group(1)}/{_moved(maps, mt.group(1)[:-1], int(mt.group(2)))}", path
            )
    return out
