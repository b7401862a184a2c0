"""Messages of the e-mail area: kind names, the demo mail catcher's pages, delivery words."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # what each kind of message is, in words for people (lists, alerts, the mail catcher)
    "notice.kind.reminder": ("Nhắc hạn", "Reminder"),
    "notice.kind.escalation": ("Thông báo quá hạn", "Escalation"),
    "notice.kind.submitted": ("Đã gửi tự đánh giá", "Self-assessment submitted"),
    "notice.kind.reopened": ("Mở lại tự đánh giá", "Self-assessment reopened"),
    "notice.kind.returned": ("Trả lại để bổ sung", "Returned for revision"),
    "notice.kind.appraisal_started": ("Bắt đầu thẩm định", "Appraisal started"),
    "notice.kind.results_sent": ("Kết quả thẩm định", "Appraisal results"),
    "notice.kind.dispute_filed": ("Đề nghị xem xét lại điểm", "Dispute filed"),
    "notice.kind.dispute_resolved": ("Kết quả xem xét giải trình", "Dispute resolved"),
    "notice.kind.extension_granted": ("Gia hạn", "Extension granted"),
    "notice.kind.approved": ("Phê duyệt kết quả", "Results approved"),
    "notice.kind.published": ("Công bố Chỉ số", "Results published"),
    "notice.kind.milestone_moved": ("Thay đổi thời hạn", "Deadline moved"),
    "notice.kind.daily_digest": ("Tổng hợp hằng ngày", "Daily digest"),
    "notice.kind.delivery_failure": ("Thư không gửi được", "Undeliverable messages"),
    # delivery status of one message
    "notice.status.pending": ("Chờ gửi", "Waiting to be sent"),
    "notice.status.sending": ("Đang gửi", "Being sent"),
    "notice.status.sent": ("Đã gửi", "Sent"),
    "notice.status.failed": ("Gửi lỗi, sẽ thử lại", "Failed, will retry"),
    "notice.status.dead": ("Không gửi được", "Undeliverable"),
    "notice.status.cancelled": ("Đã hủy", "Cancelled"),
    "notice.status.held": ("Chờ vào bản tổng hợp", "Held for the daily digest"),
    "notice.status.digested": ("Đã đưa vào bản tổng hợp", "Listed in a daily digest"),
    # command line
    "notify.unknown_kind": (
        "Không có loại thư '{kind}'. Các loại có: {kinds}.",
        "There is no message kind '{kind}'. Kinds: {kinds}.",
    ),
    "notify.unknown_language": (
        "Ngôn ngữ '{lang}' không được hỗ trợ; dùng vi hoặc en.",
        "Language '{lang}' is not supported; use vi or en.",
    ),
    "notify.template_error": ("Mẫu thư bị lỗi: {error}", "A message template is broken: {error}"),
    # the demo's mail catcher
    "mail.title": ("Hộp thư thử nghiệm", "Demo mailbox"),
    "mail.intro": (
        "Mọi thư hệ thống gửi trong bản chạy thử được giữ lại ở đây, đúng như người nhận sẽ thấy.",
        "Every message the demo sends is caught here, exactly as its recipient would see it.",
    ),
    "mail.empty": ("Chưa có thư nào.", "No messages yet."),
    "mail.count": ("{count} thư", "{count} messages"),
    "mail.received": ("Nhận lúc", "Received"),
    "mail.date": ("Ngày gửi", "Date"),
    "mail.from": ("Người gửi", "From"),
    "mail.to": ("Người nhận", "To"),
    "mail.subject": ("Tiêu đề", "Subject"),
    "mail.kind": ("Loại thư", "Kind"),
    "mail.language": ("Ngôn ngữ", "Language"),
    "mail.message_id": ("Mã thư (Message-ID)", "Message-ID"),
    "mail.thread": ("Chuỗi thư (References)", "Thread (References)"),
    "mail.html_version": ("Bản HTML", "HTML version"),
    "mail.html_note": (
        "Thư hiển thị như người nhận thấy trong hộp thư của mình (liên kết trong khung này không mở được).",
        "The message as its recipient sees it in their mail program (links inside this frame do not open).",
    ),
    "mail.text_version": ("Bản văn bản thuần", "Plain-text version"),
    "mail.raw": ("Tải thư gốc (.eml)", "Download the raw message (.eml)"),
    "mail.back": ("← Danh sách thư", "← All messages"),
    "mail.not_found": ("Không tìm thấy thư '{id}'.", "No caught message '{id}'."),
    "mail.demo_only": (
        "Hộp thư thử nghiệm chỉ có khi chạy `parflow demo`.",
        "The demo mailbox exists only under `parflow demo`.",
    ),
    "mail.switch_language": ("English", "Tiếng Việt"),
}
