"""Messages of the long score forms, the signed report and the head's sign-off (issue 15)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "web.saved_evidence_removed": (
        "Đã lưu điểm ({count} tiêu chí thay đổi) và gỡ tài liệu kiểm chứng.",
        "Scores saved ({count} changed) and evidence removed.",
    ),
    "web.evidence_added_many": (
        "Đã thêm {files} tài liệu kiểm chứng cho tiêu chí {criteria}.",
        "{files} evidence items added to {criteria}.",
    ),
    "web.signed_report_added": (
        "Đã đính kèm bản scan báo cáo có chữ ký.",
        "The signed report scan is attached.",
    ),
    "evidence.too_many_files": (
        "Mỗi lần tải lên tối đa {max} tệp.",
        "At most {max} files per upload.",
    ),
    "report.signed_scan_missing": (
        "Hãy chọn tệp scan báo cáo đã ký (PDF hoặc ảnh).",
        "Choose the scan of the signed report (PDF or image).",
    ),
    "report.signed_scan_type": (
        "Bản scan báo cáo phải là tệp PDF hoặc ảnh (JPEG, PNG).",
        "The signed report must be a PDF or an image (JPEG, PNG).",
    ),
    "score.none_yet": ("chưa có", "not yet"),
    "head.confirmation_needed": (
        "Báo cáo tự đánh giá chờ Lãnh đạo cơ quan xác nhận trước khi gửi.",
        "The self-assessment waits for the agency head's confirmation before it is sent.",
    ),
    "notice.kind.head_sign_off": ("Báo cáo tự đánh giá cho Lãnh đạo", "Self-assessment for the head"),
    "web.head_confirmation_requested": (
        "Đã đề nghị Lãnh đạo cơ quan xác nhận; báo cáo được gửi khi Lãnh đạo xác nhận.",
        "The agency head is asked to confirm; the report is sent once they do.",
    ),
}
