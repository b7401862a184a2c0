"""The roles people hold in a campaign. Workflow files may only name these."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    home_affairs = "home_affairs"
    council = "council"
    agency_editor = "agency_editor"
    agency_head = "agency_head"
    city_leader = "city_leader"
    viewer = "viewer"


AGENCY_ROLES = frozenset({Role.agency_editor, Role.agency_head})
ALL_ROLES = frozenset(Role)
