"""The backup format covers every table, and moves the ids inside every kind of outbox key."""

from __future__ import annotations

from sqlmodel import SQLModel

from parflow.services.backup.format import PART_NAMES, rewrite_context, rewrite_key

# tables that are not part of a campaign: failed sign-ins are a short-lived security log
NOT_CAMPAIGN_DATA = {"login_failure"}
MAPS = {
    "campaign": {1: 10},
    "submission": {5: 50},
    "person": {7: 70, 3: 30},
    "dispute": {2: 20},
    "extension": {4: 40},
}


def test_every_table_is_in_the_backup_or_deliberately_left_out() -> None:
    tables = {t.name for t in SQLModel.metadata.sorted_tables}
    assert set(PART_NAMES) | NOT_CAMPAIGN_DATA == tables
    # insertion order: every table comes after the tables it refers to
    position = {name: i for i, name in enumerate(PART_NAMES)}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in position:
            for fk in table.foreign_keys:
                assert position[fk.column.table.name] < position[table.name], (table.name, fk.target_fullname)


def test_ids_in_message_keys_move() -> None:
    cases = {
        "reminder:c1:s5:p7:self_assessment_due:r-agency_editor:2022-01-14:-3": (
            "reminder:c10:s50:p70:self_assessment_due:r-agency_editor:2022-01-14:-3"
        ),
        "reminder:c1:p7:appraisal_due:r-council:2022-02-20:-1": (
            "reminder:c10:p70:appraisal_due:r-council:2022-02-20:-1"
        ),
        "escalation:c1:s5:p7:self_assessment_due:e-agency_editor:2022-01-14:+2": (
            "escalation:c10:s50:p70:self_assessment_due:e-agency_editor:2022-01-14:+2"
        ),
        "escalation:c1:r3:p7:appraisal_due:e-council:2022-02-20:+1": (
            "escalation:c10:r30:p70:appraisal_due:e-council:2022-02-20:+1"
        ),
        "escalation:c1:r0:p7:appraisal_due:e-council:2022-02-20:+1": (
            "escalation:c10:r0:p70:appraisal_due:e-council:2022-02-20:+1"
        ),
        "event:1:12:submitted:7": "event:10:12:submitted:70",
        "dispute:2:filed:3": "dispute:20:filed:30",
        "dispute:2:resolved:7": "dispute:20:resolved:70",
        "extension:c1:x4:a9:p7": "extension:c10:x40:a9:p70",
        "moved:c1:publication:a11:p3": "moved:c10:publication:a11:p30",
        "published:1:7": "published:10:70",
        "daily_digest:1:3:2022-01-17": "daily_digest:10:30:2022-01-17",
        "delivery_failure:1:3:2022-01-17": "delivery_failure:10:30:2022-01-17",
    }
    for old, new in cases.items():
        assert rewrite_key(old, MAPS) == new, old


def test_ids_in_message_contexts_move() -> None:
    context = {
        "submission_id": 5,
        "dispute_id": 2,
        "action_path": "/submissions/5",
        "agency": {"code": "sgtvt"},
    }
    assert rewrite_context(context, MAPS) == {
        "submission_id": 50,
        "dispute_id": 20,
        "action_path": "/submissions/50",
        "agency": {"code": "sgtvt"},
    }
    assert rewrite_context({"action_path": "/campaigns/haiphong-2021/results"}, MAPS) == {
        "action_path": "/campaigns/haiphong-2021/results"
    }
