"""Home Affairs' board: remind-now, lateness records and the board's exports."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "notice.kind.remind_now": ("Sở Nội vụ nhắc", "Reminder from Home Affairs"),
    "remind.forbidden": (
        "Chỉ Sở Nội vụ được gửi nhắc nhở cho các cơ quan.",
        "Only Home Affairs may send agencies a reminder.",
    ),
    "remind.unknown_agency": (
        "Không có cơ quan mã {code} trong đợt đánh giá này.",
        "There is no agency with code {code} in this campaign.",
    ),
    "remind.nobody": (
        "Không có cơ quan nào khớp bộ lọc: chưa gửi nhắc nhở nào.",
        "No agency matches the filter: no reminder was sent.",
    ),
    "remind.message_too_long": (
        "Lời nhắn dài {length} ký tự; tối đa {max} ký tự.",
        "The message is {length} characters long; at most {max} are allowed.",
    ),
    "remind.already_today": (
        "{agency} đã được nhắc hôm nay; mỗi cơ quan chỉ được nhắc một lần mỗi ngày. Không gửi thêm thư nào.",
        "{agency} was already reminded today; an agency can be reminded once a day. Nothing was sent.",
    ),
    "remind.all_already_today": (
        "Cả {count} cơ quan đã được nhắc hôm nay; mỗi cơ quan chỉ được nhắc một lần mỗi ngày. "
        "Không gửi thêm thư nào.",
        "All {count} agencies were already reminded today; an agency can be reminded once a day. "
        "Nothing was sent.",
    ),
    # the outcome of a remind-now, composed in the reader's language when the form was posted
    "remind.outcome": ("{text}", "{text}"),
    "remind.done": (
        "Đã xếp hàng gửi nhắc nhở tới {count} cơ quan ({people} người nhận).",
        "Reminders queued for {count} agencies ({people} recipients).",
    ),
    "remind.done_one": (
        "Đã xếp hàng gửi nhắc nhở tới {agency} ({recipients}).",
        "Reminder queued for {agency} ({recipients}).",
    ),
    "remind.skipped_today": (
        "{count} cơ quan đã được nhắc hôm nay nên không gửi lại: {agencies}.",
        "{count} agencies were already reminded today and were skipped: {agencies}.",
    ),
    "remind.skipped_nobody": (
        "{count} cơ quan chưa có người nhận (cán bộ đầu mối, lãnh đạo): {agencies}.",
        "{count} agencies have nobody to receive it (focal officer, head): {agencies}.",
    ),
}
