"""Sample contexts for every message kind, shaped exactly like the contract in docs/architecture.md.

`parflow notifications preview` renders the first sample of a kind; the template test renders all
of them in both languages. Where a producer may leave a key out (`agency` and `submission_id` on
campaign-wide reminders, escalations and milestone changes), a second sample leaves it out too.
The names are invented; the agencies and dates are those of Hải Phòng's 2021 campaign.
"""

from __future__ import annotations

import copy
from typing import Any

CAMPAIGN = {
    "code": "haiphong-2021",
    "title": "Chỉ số cải cách hành chính năm 2021 của các sở, ban, ngành, UBND quận, huyện "
    "thành phố Hải Phòng",
    "timezone": "Asia/Ho_Chi_Minh",
    "sender": {"name": "Sở Nội vụ thành phố Hải Phòng", "email": "cchc@snv.haiphong.example"},
    "contact": {
        "name": "Đào Thị Hồng Nhung, phòng Cải cách hành chính",
        "phone": "0225 3842 123",
        "email": "cchc.nhung@snv.haiphong.example",
    },
}
AGENCY = {
    "code": "sgtvt",
    "name": "Sở Giao thông vận tải",
    "name_en": "Department of Transport",
    "group": "department",
    "head_title": "Giám đốc",
}
DISTRICT = {
    "code": "duong-kinh",
    "name": "UBND quận Dương Kinh",
    "name_en": "Dương Kinh District People's Committee",
    "group": "urban_district",
    "head_title": "Chủ tịch",
}
MISSING = {
    "unscored": ["2.1.1", "2.1.2", "3.4"],
    "unscored_count": 3,
    "no_evidence": ["1.2"],
    "no_evidence_count": 1,
    "action_path": f"/submissions/{7}/self-assessment",
}
SUBMISSION_ID = 7
SUBMISSION_PATH = f"/submissions/{SUBMISSION_ID}"

SELF_ASSESSMENT = {
    "key": "self_assessment_due",
    "vi": "Hạn gửi báo cáo tự đánh giá",
    "en": "Self-assessment due",
}
APPRAISAL = {"key": "appraisal_due", "vi": "Hạn hoàn thành thẩm định", "en": "Appraisal due"}
CRITERION = {
    "code": "3.2.1",
    "title_vi": "Tỷ lệ hồ sơ thủ tục hành chính được giải quyết đúng hạn",
    "title_en": "Share of administrative-procedure files settled on time",
}


def _transition(
    trigger: str,
    label: tuple[str, str],
    source: tuple[str, str, str],
    dest: tuple[str, str, str],
    actor: str,
    comment: str | None,
    at: str,
) -> dict[str, Any]:
    return {
        "campaign": CAMPAIGN,
        "agency": AGENCY,
        "submission_id": SUBMISSION_ID,
        "trigger": trigger,
        "event_label": {"vi": label[0], "en": label[1]},
        "from_state": {"key": source[0], "vi": source[1], "en": source[2]},
        "to_state": {"key": dest[0], "vi": dest[1], "en": dest[2]},
        "actor_name": actor,
        "comment": comment,
        "at": at,
        "action_path": SUBMISSION_PATH,
    }


DRAFT = ("draft", "Đang tự đánh giá", "Self-assessment in progress")
SELF_SCORED = ("self_scored", "Đã gửi tự đánh giá", "Self-assessment submitted")
UNDER_APPRAISAL = ("under_appraisal", "Đang thẩm định", "Under appraisal")
APPROVED = ("approved", "Đã phê duyệt", "Approved")

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "reminder": [
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "action_path": SUBMISSION_PATH,
            "milestone": SELF_ASSESSMENT,
            "due_date": "2022-01-14",
            "working_days_left": 2,
            "recipient_role": "agency_editor",
            "missing": MISSING,
            "reason": {
                "vi": "Ông/Bà là cán bộ đầu mối của Sở Giao thông vận tải và báo cáo tự đánh giá "
                "chưa được gửi.",
                "en": "You are the Department of Transport's focal point and its self-assessment "
                "has not been sent yet.",
            },
            "late": False,
        },
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021",
            "milestone": APPRAISAL,
            "due_date": "2022-02-28",
            "working_days_left": 0,
            "reason": {
                "vi": "Ông/bà là thành viên Hội đồng thẩm định và còn 4 hồ sơ chưa thẩm định xong.",
                "en": "You sit on the Appraisal Council and 4 submissions still await your appraisal.",
            },
            "late": True,
        },
    ],
    "escalation": [
        {
            "campaign": CAMPAIGN,
            "agency": DISTRICT,
            "submission_id": 31,
            "action_path": "/submissions/31",
            "milestone": SELF_ASSESSMENT,
            "due_date": "2022-01-14",
            "working_days_overdue": 3,
            "step": 2,
            "responsible": {"name": "Lê Thị Hạnh", "email": "dau-moi.duong-kinh@haiphong.example"},
            "recipient_role": "agency_head",
            "missing": MISSING,
            "late": False,
        },
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021",
            "milestone": APPRAISAL,
            "due_date": "2022-02-28",
            "working_days_overdue": 1,
            "step": 1,
            "responsible": {"name": "Lưu Văn Thành", "email": "thamdinh.thanh@haiphong.example"},
            "late": True,
        },
    ],
    "submitted": [
        _transition(
            "submit",
            ("Gửi báo cáo tự đánh giá", "Submit self-assessment"),
            DRAFT,
            SELF_SCORED,
            "Nguyễn Thị Mai",
            None,
            "2022-01-13T08:41:00+00:00",
        )
    ],
    "reopened": [
        _transition(
            "reopen",
            ("Mở lại để chỉnh sửa", "Reopen for changes"),
            SELF_SCORED,
            DRAFT,
            "Đào Thị Hồng Nhung",
            "Tiêu chí 2.1 thiếu tài liệu kiểm chứng (quyết định ban hành kế hoạch).",
            "2022-01-15T02:10:00+00:00",
        )
    ],
    "returned": [
        _transition(
            "return",
            ("Trả lại để bổ sung", "Return for revision"),
            SELF_SCORED,
            DRAFT,
            "Đào Thị Hồng Nhung",
            "Đề nghị bổ sung giải trình cho tiêu chí 5.3 <điểm tự chấm cao hơn hướng dẫn> & gửi lại.",
            "2022-01-17T03:00:00+00:00",
        )
    ],
    "appraisal_started": [
        _transition(
            "start_appraisal",
            ("Bắt đầu thẩm định", "Start appraisal"),
            SELF_SCORED,
            UNDER_APPRAISAL,
            "Vương Quốc Bảo",
            None,
            "2022-01-18T01:30:00+00:00",
        )
    ],
    "results_sent": [
        _transition(
            "send_results",
            ("Gửi kết quả thẩm định", "Send appraisal results"),
            UNDER_APPRAISAL,
            UNDER_APPRAISAL,
            "Lưu Văn Thành",
            "Điểm thẩm định: 95,98/100.",
            "2022-02-25T09:15:00+00:00",
        )
    ],
    "approved": [
        _transition(
            "approve",
            ("Phê duyệt kết quả", "Approve results"),
            UNDER_APPRAISAL,
            APPROVED,
            "Chu Quang Vinh",
            None,
            "2022-03-23T07:00:00+00:00",
        )
    ],
    "head_sign_off": [
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "mode": mode,
            "actor_name": "Nguyễn Thị Mai",
            "comment": comment,
            "at": "2022-01-13T08:41:00+00:00",
            "action_path": SUBMISSION_PATH,
            "report_path": f"{SUBMISSION_PATH}/self-assessment/report",
        }
        for mode, comment in (("request", "Kính trình Lãnh đạo xem xét, ký báo cáo."), ("sent", None))
    ],
    "dispute_filed": [
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "action_path": "/disputes/12",
            "criterion": CRITERION,
            "argument": "Sở đã giải quyết 1.284/1.290 hồ sơ đúng hạn (99,5 %); đề nghị Hội đồng "
            "xem xét lại điểm 0,5 thành 1,0 theo báo cáo số 45/BC-SGTVT kèm theo.",
            "filed_by": "Nguyễn Thị Mai",
            "dispute_id": 12,
        }
    ],
    "dispute_resolved": [
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "action_path": SUBMISSION_PATH,
            "criterion": CRITERION,
            "outcome": "accepted",
            "new_score": "1.00",
            "reason": "Tài liệu kiểm chứng bổ sung chứng minh tỷ lệ đúng hạn trên 99 %.",
            "resolved_by": "Tôn Đức Hậu",
        },
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "action_path": SUBMISSION_PATH,
            "criterion": CRITERION,
            "outcome": "rejected",
            "new_score": None,
            "reason": "Báo cáo bổ sung không có xác nhận của Trung tâm Phục vụ hành chính công.",
            "resolved_by": "Tôn Đức Hậu",
        },
    ],
    "extension_granted": [
        {
            "campaign": CAMPAIGN,
            "agency": DISTRICT,
            "submission_id": 31,
            "action_path": "/submissions/31",
            "milestone": SELF_ASSESSMENT,
            "old_date": "2022-01-14",
            "new_date": "2022-01-19",
            "reason": "Quận đang sáp nhập phòng chuyên môn; dữ liệu kiểm chứng đang được tập hợp lại.",
            "granted_by": "Đào Thị Hồng Nhung",
        }
    ],
    "milestone_moved": [
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "action_path": SUBMISSION_PATH,
            "milestone": APPRAISAL,
            "old_date": "2022-02-25",
            "new_date": "2022-02-28",
            "reason": "Kỳ nghỉ Tết Nguyên Đán kéo dài từ 29/01 đến 06/02/2022.",
        },
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021",
            "milestone": APPRAISAL,
            "old_date": "2022-02-25",
            "new_date": "2022-02-28",
            "reason": "Kỳ nghỉ Tết Nguyên Đán kéo dài từ 29/01 đến 06/02/2022.",
        },
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021",
            "milestone": {"key": "publication", "vi": "Công bố Chỉ số", "en": "Publication"},
            "old_date": "2022-03-28",
            "new_date": "2022-04-04",
            "also": [
                {
                    "milestone": APPRAISAL,
                    "old_date": "2022-02-25",
                    "new_date": "2022-03-04",
                },
            ],
            "reason": "Hội đồng thẩm định cần thêm một tuần.",
        },
    ],
    "published": [
        {
            "campaign": CAMPAIGN,
            "agency": AGENCY,
            "submission_id": SUBMISSION_ID,
            "action_path": "/campaigns/haiphong-2021/results",
            "results_path": "/campaigns/haiphong-2021/results",
        },
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021/results",
            "results_path": "/campaigns/haiphong-2021/results",
        },
    ],
    "daily_digest": [
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021/board",
            "date": "2022-01-17",
            "since": "2022-01-14",
            "total": 35,
            "changes": 6,
            "states": [
                {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress", "count": 4},
                {
                    "key": "self_scored",
                    "vi": "Đã gửi tự đánh giá",
                    "en": "Self-assessment submitted",
                    "count": 31,
                },
            ],
            "became_overdue": [
                {
                    "agency": DISTRICT,
                    "submission_id": 31,
                    "state": {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress"},
                    "milestone": SELF_ASSESSMENT,
                    "due_date": "2022-01-14",
                    "working_days": 1,
                    "action_path": "/submissions/31",
                }
            ],
            "overdue": [
                {
                    "agency": DISTRICT,
                    "submission_id": 31,
                    "state": {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress"},
                    "milestone": SELF_ASSESSMENT,
                    "due_date": "2022-01-14",
                    "working_days": 1,
                    "action_path": "/submissions/31",
                }
            ],
            "events": [
                {
                    "kind": "escalation",
                    "at": "2022-01-19T01:00:00+00:00",
                    "key": "escalation:c1:s31:p1:self_assessment_due:e-agency_in_draft:2022-01-14:e3",
                    "agency": DISTRICT,
                    "milestone": SELF_ASSESSMENT,
                    "due_date": "2022-01-14",
                    "working_days_overdue": 3,
                    "label": {"vi": "UBND quận Dương Kinh chưa hoàn thành", "en": "Not completed"},
                    "action_path": "/submissions/31",
                },
                {
                    "kind": "submitted",
                    "at": "2022-01-18T03:00:00+00:00",
                    "key": "event:1:40:submitted:1",
                    "agency": AGENCY,
                    "label": {"vi": "Gửi báo cáo tự đánh giá", "en": "Submit self-assessment"},
                    "action_path": SUBMISSION_PATH,
                },
            ],
            "events_total": 2,
            "event_groups": [
                {
                    "kind": "escalation",
                    "at": "2022-01-19T01:00:00+00:00",
                    "label": None,
                    "agencies": [DISTRICT],
                    "count": 1,
                    "action_path": "/submissions/31",
                    "milestone": SELF_ASSESSMENT,
                    "due_date": "2022-01-14",
                    "working_days_overdue": 3,
                },
                {
                    "kind": "submitted",
                    "at": "2022-01-18T03:00:00+00:00",
                    "label": {"vi": "Gửi báo cáo tự đánh giá", "en": "Submit self-assessment"},
                    "agencies": [AGENCY, DISTRICT],
                    "count": 2,
                    "action_path": "/campaigns/haiphong-2021/board",
                },
            ],
            "at_risk": [],
            "publication_date": "2022-03-28",
            "due_soon": [
                {
                    "agency": AGENCY,
                    "submission_id": SUBMISSION_ID,
                    "state": {
                        "key": "self_scored",
                        "vi": "Đã gửi tự đánh giá",
                        "en": "Self-assessment submitted",
                    },
                    "milestone": APPRAISAL,
                    "due_date": "2022-01-21",
                    "working_days": 4,
                    "action_path": SUBMISSION_PATH,
                }
            ],
        },
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021/board",
            "date": "2022-01-11",
            "since": "2022-01-10",
            "total": 35,
            "changes": 0,
            "states": [
                {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress", "count": 35}
            ],
            "became_overdue": [],
            "overdue": [],
            "events": [],
            "events_total": 0,
            "event_groups": [],
            "at_risk": [],
            "publication_date": "2022-03-28",
            "audience": "city_leader",
            "due_soon": [],
        },
    ],
    "delivery_failure": [
        {
            "campaign": CAMPAIGN,
            "action_path": "/campaigns/haiphong-2021/notifications?status=dead",
            "date": "2022-01-12",
            "count": 2,
            "failures": [
                {
                    "kind": "reminder",
                    "recipient_name": "Nguyễn Văn An",
                    "recipient_email": "dau-moi.vp-ubnd@haiphong.example",
                    "error": "550 5.1.1 <dau-moi.vp-ubnd@haiphong.example>: Recipient address rejected",
                    "at": "2022-01-12T01:00:00+00:00",
                    "attempts": 1,
                    "agency": {
                        "code": "vp-ubnd",
                        "name": "Văn phòng UBND thành phố",
                        "name_en": "Office of the City People's Committee",
                        "group": "department",
                    },
                    "submission_id": 1,
                },
                {
                    "kind": "daily_digest",
                    "recipient_name": "Vương Quốc Bảo",
                    "recipient_email": "cchc.bao@snv.haiphong.example",
                    "error": "451 4.3.0 Mail server temporarily unavailable",
                    "at": "2022-01-12T03:20:00+00:00",
                    "attempts": 10,
                    "agency": None,
                    "submission_id": None,
                },
            ],
        }
    ],
}

# Home Affairs' remind-now (services/monitoring/remind.py): with its message, progress and an
# overdue deadline; then the least it carries (no message, no deadline left, no progress)
SAMPLES["remind_now"] = [
    {
        "campaign": CAMPAIGN,
        "agency": DISTRICT,
        "submission_id": 31,
        "action_path": "/submissions/31",
        "state": {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress"},
        "message": "Đề nghị quận hoàn thành và gửi báo cáo trước 17 giờ ngày 28/01/2022.",
        "sent_by": "Đào Thị Hồng Nhung",
        "milestone": SELF_ASSESSMENT,
        "due_date": "2022-01-14",
        "working_days_left": -9,
        "overdue": True,
        "progress": {"scored": 60, "total": 65, "evidence_missing": 2, "blockers": 7},
    },
    {
        "campaign": CAMPAIGN,
        "agency": AGENCY,
        "submission_id": SUBMISSION_ID,
        "action_path": SUBMISSION_PATH,
        "state": {"key": "results_sent", "vi": "Đã gửi kết quả thẩm định", "en": "Results sent"},
        "message": None,
        "sent_by": "Đào Thị Hồng Nhung",
        "milestone": None,
        "due_date": None,
        "working_days_left": None,
        "overdue": False,
        "progress": None,
    },
]


def sample(kind: str, index: int = 0) -> dict[str, Any]:
    """A fresh copy (callers may change it) of one sample context."""
    return copy.deepcopy(SAMPLES[kind][index])
