"""The demo accounts tests act as: e-mail addresses from examples/haiphong-2021 and tests/fixtures/mini."""

from __future__ import annotations

# examples/haiphong-2021 (people.yaml)
HOME_AFFAIRS = "cchc.nhung@snv.haiphong.example"  # Home Affairs officer, Vietnamese
HOME_AFFAIRS_EN = "cchc.bao@snv.haiphong.example"  # Home Affairs officer who reads English
CITY_LEADER = "pho-chu-tich.vinh@haiphong.example"
VIEWER = "giam-sat.ngan@haiphong.example"
SGTVT_FOCAL = "dau-moi.sgtvt@haiphong.example"  # Sở Giao thông vận tải: focal point (agency editor)
SGTVT_HEAD = "lanh-dao.sgtvt@haiphong.example"  # ... and its head
STP_FOCAL = "dau-moi.stp@haiphong.example"  # Sở Tư pháp's focal point: another agency
COUNCIL_1_4 = "thamdinh.thanh@haiphong.example"  # appraisal council, fields 1 and 4
COUNCIL_3 = "thamdinh.hau@haiphong.example"  # field 3 (and its disputes)
COUNCIL_7_8 = "thamdinh.loc@haiphong.example"  # fields 7 and 8

# tests/fixtures/mini: one account per role
MINI_PEOPLE = {
    "agency_editor": "editor.a@mini.example",
    "agency_head": "head.a@mini.example",
    "home_affairs": "ha@mini.example",
    "council": "council@mini.example",
    "city_leader": "city@mini.example",
    "viewer": "viewer@mini.example",
}
