"""Messages of the deadlines area: why a reminder is sent, extensions, moved milestones, feeds."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # why a reminder or escalation is sent ({agency} is the agency's name, {count} a number)
    "deadline.reason.agency_in_draft": (
        "{agency} chưa gửi báo cáo tự đánh giá.",
        "{agency} has not sent its self-assessment yet.",
    ),
    "deadline.reason.results_unsent": (
        "Kết quả thẩm định của {agency} chưa được gửi.",
        "The appraisal results of {agency} have not been sent yet.",
    ),
    "deadline.reason.approval_pending": (
        "Kết quả của {agency} chưa được phê duyệt.",
        "The results of {agency} are not approved yet.",
    ),
    "deadline.reason.many.agency_in_draft": (
        "{count} cơ quan chưa gửi báo cáo tự đánh giá.",
        "{count} agencies have not sent their self-assessment yet.",
    ),
    "deadline.reason.many.results_unsent": (
        "Kết quả thẩm định của {count} cơ quan chưa được gửi.",
        "The appraisal results of {count} agencies have not been sent yet.",
    ),
    "deadline.reason.many.approval_pending": (
        "Kết quả của {count} cơ quan chưa được phê duyệt.",
        "The results of {count} agencies are not approved yet.",
    ),
    "deadline.reason.council_unappraised": (
        "Bạn còn {leaves} tiêu chí thuộc lĩnh vực được phân công chưa thẩm định, tại {count} cơ quan.",
        "You still have {leaves} criteria of your fields to appraise, in {count} agencies.",
    ),
    "deadline.reason.dispute_owner": (
        "Bạn còn {count} nội dung giải trình chưa xử lý.",
        "You still have {count} open disputes to resolve.",
    ),
    "deadline.reason.campaign": (
        "Mốc “{milestone}” của đợt đánh giá chưa hoàn thành.",
        "The campaign has not reached “{milestone}” yet.",
    ),
    "deadline.reason.escalation": (
        "{agency} chưa hoàn thành “{milestone}” (hạn {due}), đã quá hạn {days} ngày làm việc; "
        "người phụ trách: {responsible}.",
        "{agency} has not completed “{milestone}” (due {due}); {days} working days overdue. "
        "Responsible: {responsible}.",
    ),
    "deadline.reason.escalation_person": (
        "{responsible} chưa hoàn thành “{milestone}” (hạn {due}), đã quá hạn {days} ngày làm việc.",
        "{responsible} has not completed “{milestone}” (due {due}); {days} working days overdue.",
    ),
    # extensions
    "extension.forbidden": (
        "Chỉ Sở Nội vụ được gia hạn.",
        "Only the Department of Home Affairs may grant extensions.",
    ),
    "extension.invalid": ("Không thể gia hạn:", "The extension cannot be granted:"),
    "extension.unknown_agency": ("Không có cơ quan '{code}' trong đợt này.", "No agency '{code}' here."),
    "extension.unknown_milestone": (
        "Không có mốc '{key}' trong quy trình (các mốc: {known}).",
        "No milestone '{key}' in the workflow (milestones: {known}).",
    ),
    "extension.not_later": (
        "Ngày mới {new_date} phải sau hạn hiện tại {current} của cơ quan.",
        "The new date {new_date} must be after the agency's current date {current}.",
    ),
    "extension.in_past": (
        "Ngày mới {new_date} đã qua (hôm nay {today}).",
        "The new date {new_date} is already past (today is {today}).",
    ),
    "extension.reason_required": (
        "Cần ghi rõ lý do gia hạn.",
        "State the reason for the extension.",
    ),
    # moving milestones
    "milestone.forbidden": (
        "Chỉ Sở Nội vụ được thay đổi mốc thời gian.",
        "Only the Department of Home Affairs may move milestones.",
    ),
    "milestone.invalid": ("Không thể dời mốc:", "The milestone cannot be moved:"),
    "milestone.unchanged": (
        "Mốc '{key}' đã là ngày {due_date}.",
        "Milestone '{key}' is already on {due_date}.",
    ),
    "milestone.order": (
        "Sau khi dời, mốc '{key}' ({due_date}) sẽ rơi sau mốc '{next_key}' ({next_date}).",
        "After the move, '{key}' ({due_date}) would fall after '{next_key}' ({next_date}).",
    ),
    "milestone.published": (
        "Đợt đánh giá đã công bố; không thể dời mốc.",
        "The campaign is published; its milestones cannot move.",
    ),
    # calendar feeds
    "calendar.not_found": ("Không tìm thấy lịch này.", "No such calendar."),
    "calendar.extended": ("gia hạn", "extended"),
    # tick and simulate
    "simulate.bad_behaviour": ("Tệp kịch bản có lỗi.", "The behaviour file has errors."),
}
