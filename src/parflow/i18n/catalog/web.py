"""Messages of the web pages."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "web.csrf_rejected": (
        "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
        "This form has expired or is not valid. Reload the page and try again.",
    ),
    "web.version_unreadable": (
        "Số phiên bản của biểu mẫu (expected_version) '{value}' không hợp lệ: phải là một số nguyên "
        "viết bằng các chữ số 0–9. Hãy tải lại trang rồi thử lại.",
        "The form's version number (expected_version) '{value}' is not valid: it must be a whole "
        "number written with the digits 0–9. Reload the page and try again.",
    ),
    "web.error_title": ("Không thực hiện được", "That did not work"),
    "web.not_found_title": ("Không tìm thấy", "Not found"),
    "web.forbidden_title": ("Không có quyền", "Not allowed"),
}
