"""Messages of the core: sign-in, lookups, workflow events, guards, campaign input."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "error.internal": (
        "Hệ thống gặp lỗi không mong muốn; yêu cầu chưa được thực hiện. Vui lòng thử lại.",
        "Something went wrong on our side; nothing was changed. Please try again.",
    ),
    "database.busy": (
        "Hệ thống đang bận; yêu cầu chưa được thực hiện. Vui lòng thử lại sau giây lát.",
        "The system is busy; nothing was changed. Please try again in a moment.",
    ),
    "database.unavailable": (
        "Tạm thời không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau giây lát.",
        "The database cannot be reached right now. Please try again in a moment.",
    ),
    "auth.required": ("Vui lòng đăng nhập.", "Please sign in."),
    "auth.bad_credentials": ("Sai địa chỉ e-mail hoặc mật khẩu.", "Wrong e-mail address or password."),
    "auth.bad_token": (
        "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
        "Your session is invalid or has expired; please sign in again.",
    ),
    "auth.forbidden": ("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."),
    "auth.rate_limited": (
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
        "Too many failed sign-ins. Please try again in {minutes} minutes.",
    ),
    "auth.slowed_down": (
        "Tài khoản này vừa bị đăng nhập sai nhiều lần. Vui lòng đợi {seconds} giây rồi thử lại.",
        "There have been many failed sign-ins to this account. Please wait {seconds} seconds and try again.",
    ),
    "input.invalid": ("Dữ liệu gửi lên không hợp lệ.", "The data sent is not valid."),
    "input.field": ("{field}: {reason}", "{field}: {reason}"),
    "input.unreadable": (
        "Không đọc được dữ liệu gửi lên: nội dung phải là JSON (UTF-8) hoặc biểu mẫu hợp lệ.",
        "The data sent could not be read: it must be valid JSON (UTF-8) or a valid form.",
    ),
    "input.too_large": (
        "Dữ liệu gửi lên quá lớn (tối đa {limit}).",
        "The data sent is too large (at most {limit}).",
    ),
    # lookups
    "campaign.not_found": ("Không tìm thấy đợt đánh giá '{code}'.", "No campaign '{code}'."),
    "submission.not_found": ("Không tìm thấy hồ sơ số {id}.", "No submission {id}."),
    "person.not_found": ("Không có người dùng với e-mail {email}.", "No user with e-mail {email}."),
    "agency.not_found": ("Không tìm thấy cơ quan '{code}'.", "No agency '{code}'."),
    "route.not_found": (
        "Không tìm thấy trang hoặc tài nguyên yêu cầu.",
        "The page or resource was not found.",
    ),
    "method.not_allowed": ("Phương thức không được hỗ trợ cho địa chỉ này.", "Method not allowed here."),
    # events
    "event.unknown": (
        "Không có thao tác '{trigger}' trong quy trình.",
        "The workflow has no event '{trigger}'.",
    ),
    "event.role_not_allowed": (
        "Vai trò của bạn không được thực hiện thao tác '{trigger}'.",
        "Your role may not perform '{trigger}'.",
    ),
    "event.illegal": (
        "Không thể thực hiện '{trigger}' khi hồ sơ đang ở trạng thái '{state}'.",
        "'{trigger}' is not allowed while the submission is in state '{state}'.",
    ),
    "event.stale": (
        "Hồ sơ đã được người khác thay đổi (phiên bản hiện tại {current}, bạn gửi {expected}). "
        "Vui lòng tải lại và thử lại.",
        "Someone else changed this submission (current version {current}, you sent {expected}). "
        "Reload and try again.",
    ),
    "event.guard_failed": (
        "Chưa đủ điều kiện để thực hiện '{trigger}':",
        "'{trigger}' cannot be done yet:",
    ),
    "event.concurrent": (
        "Hồ sơ vừa được thay đổi bởi một thao tác khác. Vui lòng tải lại và thử lại.",
        "The submission was just changed by another action. Reload and try again.",
    ),
    # guards
    "guard.leaf_unscored": (
        "Tiêu chí {criterion} chưa có điểm tự chấm.",
        "Criterion {criterion} has no self-score.",
    ),
    "guard.leaf_no_evidence": (
        "Tiêu chí {criterion} chưa có tài liệu kiểm chứng hoặc giải trình.",
        "Criterion {criterion} has neither evidence nor a written explanation.",
    ),
    "guard.leaf_unappraised": (
        "Tiêu chí {criterion} chưa được thẩm định.",
        "Criterion {criterion} is not appraised.",
    ),
    "guard.comment_required": ("Cần ghi rõ lý do.", "A comment stating the reason is required."),
    "guard.results_not_sent": ("Chưa gửi kết quả thẩm định.", "Appraisal results have not been sent."),
    "guard.dispute_window_closed": (
        "Thời hạn giải trình đã kết thúc lúc {closed_at}.",
        "The dispute window closed at {closed_at}.",
    ),
    "guard.no_dispute_filed": (
        "Chưa có nội dung giải trình nào: hãy giải trình cho từng tiêu chí cụ thể.",
        "No dispute has been filed: dispute specific criteria.",
    ),
    "guard.open_disputes": (
        "Còn {count} nội dung giải trình chưa xử lý.",
        "{count} disputes are still open.",
    ),
    "guard.survey_missing": (
        "Chưa có kết quả điều tra xã hội học cho tiêu chí {criterion}.",
        "No survey result for criterion {criterion}.",
    ),
    "guard.publish_whole_campaign": (
        "Việc công bố áp dụng cho cả đợt đánh giá: dùng chức năng công bố của đợt.",
        "Publication applies to the whole campaign: publish the campaign instead.",
    ),
    # campaign input
    "campaign.workflow_locked": (
        "Không thể đổi quy trình của đợt '{code}' khi đã có hồ sơ được xử lý.",
        "The workflow of campaign '{code}' cannot change once submissions have moved.",
    ),
    "campaign.agency_removed": (
        "Không thể xoá cơ quan đã có hồ sơ: {codes}.",
        "Agencies with submissions cannot be removed: {codes}.",
    ),
    "criteria.locked": (
        "Bộ tiêu chí '{code}' không thể thay đổi vì đã có điểm được chấm.",
        "Criteria set '{code}' cannot change: scores have already been entered.",
    ),
    "password.too_short": (
        "Mật khẩu phải có ít nhất {min} ký tự.",
        "The password must have at least {min} characters.",
    ),
    "campaign.load_failed": (
        "Tệp đợt đánh giá có lỗi; chưa nạp gì.",
        "The campaign input has errors; nothing was loaded.",
    ),
}
