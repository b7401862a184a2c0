"""Messages about paged lists."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "paging.bad_cursor": (
        "Tham số cursor không hợp lệ: hãy dùng đúng giá trị trong tiêu đề Link hoặc X-Next-Cursor của "
        "trang trước.",
        "The cursor parameter is not valid: use the value from the previous page's Link or "
        "X-Next-Cursor header as it is.",
    ),
}
