"""Messages of the web application's pages (issue 6): roles, confirmations, form problems."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # roles, as people call them
    "role.home_affairs": ("Sở Nội vụ", "Home Affairs"),
    "role.council": ("Hội đồng thẩm định", "Appraisal Council"),
    "role.agency_editor": ("Cán bộ đầu mối", "Focal point"),
    "role.agency_head": ("Lãnh đạo cơ quan", "Agency head"),
    "role.city_leader": ("Lãnh đạo UBND thành phố", "City leadership"),
    "role.viewer": ("Giám sát", "Observer"),
    # what was just done (shown once after the redirect)
    "web.event_done": ("Đã thực hiện: {event}.", "Done: {event}."),
    "web.scores_saved": ("Đã lưu điểm của {count} tiêu chí.", "Scores of {count} criteria saved."),
    "web.nothing_changed": ("Không có thay đổi nào để lưu.", "There was nothing to save."),
    "web.evidence_added": (
        "Đã thêm tài liệu kiểm chứng cho tiêu chí {criterion}.",
        "Evidence added to {criterion}.",
    ),
    "web.evidence_removed": ("Đã gỡ tài liệu kiểm chứng.", "Evidence removed."),
    "web.appraisals_saved": (
        "Đã lưu điểm thẩm định của {count} tiêu chí.",
        "Appraised scores of {count} criteria saved.",
    ),
    "web.disputes_filed": ("Đã gửi giải trình cho {count} tiêu chí.", "Disputes filed on {count} criteria."),
    "web.dispute_resolved": ("Đã xử lý giải trình tiêu chí {criterion}.", "Dispute on {criterion} resolved."),
    "web.milestone_moved": (
        "Đã dời mốc; {count} mốc thay đổi, đã báo cho {notified} người; "
        "{cancelled} thư nhắc hạn theo ngày cũ đã hủy, {rescheduled} hồ sơ được lập lại lịch nhắc.",
        "Milestone moved; {count} dates changed, {notified} people told; "
        "{cancelled} reminders for the old dates cancelled, {rescheduled} rescheduled.",
    ),
    "web.extension_granted": (
        "Đã gia hạn cho {agency} đến {date}.",
        "Extension granted to {agency} until {date}.",
    ),
    "web.survey_imported": (
        "Đã nhập kết quả điều tra của {count} cơ quan.",
        "Survey results of {count} agencies imported.",
    ),
    "web.survey_imported_missing": (
        "Đã nhập kết quả điều tra của {count} cơ quan. Còn thiếu kết quả: {missing}.",
        "Survey results of {count} agencies imported. Still without results: {missing}.",
    ),
    "web.approved_many": (
        "Đã phê duyệt kết quả của {count} cơ quan.",
        "Results of {count} agencies approved.",
    ),
    "web.published": ("Đã công bố kết quả.", "Results published."),
    "web.excluded": ("Đã đưa {agency} ra khỏi xếp hạng.", "{agency} left out of the ranking."),
    "web.included": ("Đã đưa {agency} trở lại xếp hạng.", "{agency} is ranked again."),
    # form problems found by the page itself
    "web.form_invalid": ("Biểu mẫu chưa hợp lệ:", "The form is not valid:"),
    "web.date_unreadable": (
        "Ngày '{value}' không đọc được: hãy viết theo dạng ngày/tháng/năm, ví dụ 21/01/2022.",
        "The date '{value}' cannot be read: write it as dd/mm/yyyy, e.g. 21/01/2022.",
    ),
    "web.choose_agency": ("Hãy chọn cơ quan.", "Choose an agency."),
    "web.choose_milestone": ("Hãy chọn mốc thời gian.", "Choose a milestone."),
    "web.choose_leaf": (
        "Hãy chọn ít nhất một tiêu chí và ghi nội dung giải trình.",
        "Choose at least one criterion and write your argument.",
    ),
    "web.file_or_link": (
        "Hãy chọn một tệp hoặc nhập một đường dẫn (không cả hai).",
        "Choose a file or type a link (not both).",
    ),
    "web.choose_outcome": (
        "Hãy chọn chấp nhận hoặc không chấp nhận.",
        "Choose whether to accept or reject.",
    ),
    "approval.nothing_ready": (
        "Chưa có cơ quan nào đủ điều kiện phê duyệt.",
        "No agency is ready to be approved.",
    ),
    "web.confirm_required": (
        "Hãy đánh dấu xác nhận trước khi thực hiện.",
        "Tick the confirmation box first.",
    ),
    "board.forbidden": (
        "Bảng theo dõi dành cho Sở Nội vụ, lãnh đạo thành phố và người giám sát.",
        "The board is for Home Affairs, city leadership and observers.",
    ),
    "campaign.manage_forbidden": (
        "Chỉ Sở Nội vụ được thực hiện thao tác này.",
        "Only Home Affairs may do this.",
    ),
    "web.dispute_status.open": ("Đang xem xét", "Open"),
    "web.dispute_status.accepted": ("Chấp nhận", "Accepted"),
    "web.dispute_status.rejected": ("Không chấp nhận", "Rejected"),
    # several leaves with the same unmet condition, as one line (followed by their codes)
    "web.group.guard.leaf_unscored": (
        "{count} tiêu chí chưa có điểm tự chấm",
        "{count} criteria have no self-score",
    ),
    "web.group.guard.leaf_no_evidence": (
        "{count} tiêu chí chưa có tài liệu kiểm chứng hoặc giải trình",
        "{count} criteria have neither evidence nor a written explanation",
    ),
    "web.group.guard.leaf_unappraised": (
        "{count} tiêu chí chưa được thẩm định",
        "{count} criteria are not appraised",
    ),
    "web.group.guard.survey_missing": (
        "{count} tiêu chí chưa có kết quả điều tra xã hội học",
        "{count} criteria have no survey result",
    ),
    # the workflow page: each guard as a condition a person reads
    "workflow.guard.self_assessment_complete": (
        "Đã tự chấm đủ mọi tiêu chí, có tài liệu kiểm chứng",
        "Every criterion self-scored, with evidence",
    ),
    "workflow.guard.comment_given": ("Có ghi rõ lý do", "A reason is written"),
    "workflow.guard.appraisal_complete": (
        "Hội đồng đã thẩm định đủ mọi tiêu chí",
        "The council has appraised every criterion",
    ),
    "workflow.guard.results_sent": (
        "Đã gửi kết quả thẩm định cho cơ quan",
        "Appraisal results sent to the agency",
    ),
    "workflow.guard.dispute_window_open": ("Còn trong hạn giải trình", "Within the dispute period"),
    "workflow.guard.dispute_window_closed": ("Đã hết hạn giải trình", "The dispute period is over"),
    "workflow.guard.has_open_disputes": ("Có ý kiến giải trình đang chờ xử lý", "A dispute is waiting"),
    "workflow.guard.no_open_disputes": ("Mọi ý kiến giải trình đã được xử lý", "Every dispute is settled"),
    "workflow.guard.survey_results_present": (
        "Đã có kết quả điều tra xã hội học",
        "Survey results are in",
    ),
    "workflow.guard.campaign_publication": (
        "Sở Nội vụ công bố cho cả đợt",
        "Home Affairs publishes the whole campaign",
    ),
}
