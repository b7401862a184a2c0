"""Messages of the web pages."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "web.csrf_rejected": (
        "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
        "This form has expired or is not valid. Reload the page and try again.",
    ),
    "web.error_title": ("Không thực hiện được", "That did not work"),
    "web.not_found_title": ("Không tìm thấy", "Not found"),
    "web.forbidden_title": ("Không có quyền", "Not allowed"),
}
