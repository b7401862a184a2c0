"""The published results as CSV and XLSX, with Vietnamese headings, from the frozen payload alone."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from parflow.i18n import format_date, format_instant
from parflow.services.common.spreadsheet import formula_like, safe_cell, safe_row

HEADINGS = {
    "group": "Nhóm",
    "rank": "Xếp hạng",
    "code": "Mã cơ quan",
    "name": "Tên cơ quan",
    "appraised": "Điểm thẩm định (tự chấm sau thẩm định)",
    "survey": "Điểm điều tra xã hội học",
    "total": "Chỉ số CCHC (điểm)",
    "sipas": "Chỉ số hài lòng SIPAS (%)",
    "classification": "Xếp loại",
    "head_classification": "Xếp loại người đứng đầu",
    "rank_change": "Thay đổi xếp hạng so với năm trước (bậc, dương là tăng)",
    "total_change": "Thay đổi Chỉ số CCHC so với năm trước (điểm)",
    "decision": "Quyết định công bố",
}
# the columns after the per-field scores, in both the CSV and the XLSX table
TOTAL_HEADINGS = [HEADINGS[k] for k in ("appraised", "survey", "total", "sipas", "classification")]
LATE_HEADINGS = [
    "Tự đánh giá gửi quá hạn (ngày làm việc)",
    "Thẩm định gửi quá hạn (ngày làm việc)",
]


def _late_days(row: dict[str, Any], key: str) -> int | None:
    """Working days late of one sending; None (a blank cell) when not recorded."""
    days = row.get(key)
    return None if days is None else int(days)


@dataclass(frozen=True)
class Column:
    """One column of a results table after the agency: its heading and how a row fills it. The CSV
    and the XLSX share the list (columns_for), so a new column, the late marks of issue 11 say,
    is one more entry there."""

    heading: str
    value: Callable[[dict[str, Any]], Any]
    number: bool = False


def _num(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _change(row: dict[str, Any], key: str) -> Any:
    change = row.get("change") or {}
    return change.get(key)


def columns_for(payload: dict[str, Any], fields: list[dict[str, Any]], *, flat: bool) -> list[Column]:
    """The columns after rank, code and name. `flat` (the CSV, one table for every group) gives each
    field's maximum a column of its own; the XLSX names it in the field's heading."""
    columns: list[Column] = []
    for f in fields:
        code = f["code"]
        if flat:
            columns.append(Column(f"Lĩnh vực {code}", lambda r, c=code: _num(r["fields"].get(c)), True))
            columns.append(Column(f"Lĩnh vực {code} - điểm tối đa", lambda _r, m=f["max"]: _num(m), True))
        else:
            heading = f"{code}. {f['title_vi']} (tối đa {f['max'].replace('.', ',')})"
            columns.append(Column(heading, lambda r, c=code: _num(r["fields"].get(c)), True))
    columns += [
        Column(HEADINGS["appraised"], lambda r: _num(r["appraised"]), True),
        Column(HEADINGS["survey"], lambda r: _num(r["survey"]), True),
        Column(HEADINGS["total"], lambda r: _num(r["total"]), True),
        Column(HEADINGS["sipas"], lambda r: _num(r["sipas_percent"]), True),
        Column(HEADINGS["classification"], lambda r: (r["classification"] or {}).get("vi", "")),
    ]
    # only campaigns that declare the heads' rule have the column (older payloads have no key)
    if payload.get("head_classification"):
        columns.append(
            Column(
                HEADINGS["head_classification"], lambda r: (r.get("head_classification") or {}).get("vi", "")
            )
        )
    if payload.get("previous"):
        columns += [
            Column(HEADINGS["rank_change"], lambda r: _change(r, "rank")),
            Column(HEADINGS["total_change"], lambda r: _num(_change(r, "total")), True),
            *[
                Column(
                    f"Lĩnh vực {f['code']} - thay đổi (điểm)",
                    lambda r, c=f["code"]: _num((_change(r, "fields") or {}).get(c)),
                    True,
                )
                for f in fields
            ],
        ]
    # the record of lateness of each sending; blank in payloads frozen before it was recorded
    columns += [
        Column(LATE_HEADINGS[0], lambda r: _late_days(r, "self_assessment_late_days")),
        Column(LATE_HEADINGS[1], lambda r: _late_days(r, "appraisal_late_days")),
    ]
    return columns


def _pct(share: Any) -> str:
    return f"{Decimal(str(share)) * 100:.0f}"


def head_band_text(band: dict[str, Any], lang: str = "vi") -> str:
    """'Hoàn thành tốt nhiệm vụ: Chỉ số CCHC từ 85 điểm, mọi lĩnh vực đạt từ 60 % điểm tối đa': one
    level of the heads' rule as the results page, the report and the exports state it."""
    en = lang == "en"
    minimum = Decimal(str(band["min"]))
    number = f"{minimum:g}" if en else f"{minimum:g}".replace(".", ",")
    parts = [f"PAR Index at least {number}" if en else f"Chỉ số CCHC từ {number} điểm"]
    conditions = band.get("conditions") or {}
    if conditions.get("min_field_share") is not None:
        pct = _pct(conditions["min_field_share"])
        parts.append(
            f"every field at least {pct}% of its maximum" if en else f"mọi lĩnh vực đạt từ {pct}% điểm tối đa"
        )
    if conditions.get("not_in_last") is not None:
        n = conditions["not_in_last"]
        parts.append(f"not among the last {n} of its group" if en else f"không thuộc {n} đơn vị cuối nhóm")
    if conditions.get("min_sipas") is not None:
        sipas = f"{Decimal(str(conditions['min_sipas'])):g}"
        parts.append(f"SIPAS at least {sipas}%" if en else f"SIPAS từ {sipas.replace('.', ',')}%")
    label = band["label"]["en" if en else "vi"]
    return f"{label}: " + ", ".join(parts)


def decision_text(decision: dict[str, Any] | None, lang: str = "vi") -> str:
    """'Quyết định số 903/QĐ-UBND ngày 28/03/2022 (người ký: …)', or what was typed at publication."""
    if not decision:
        return ""
    if not decision.get("number"):
        return str(decision.get("text") or "")
    en = lang == "en"
    parts = [("Decision No. " if en else "Quyết định số ") + decision["number"]]
    if decision.get("date"):
        parts.append(("of " if en else "ngày ") + format_date(date.fromisoformat(decision["date"])))
    text = " ".join(parts)
    if decision.get("signer"):
        text += f" ({'signed by' if en else 'người ký'}: {decision['signer']})"
    return text


def _all_fields(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field code once, in order; the maximum is the first set's (the CSV's max column is per
    row, below, because departments and districts may differ)."""
    seen: dict[str, dict[str, Any]] = {}
    for s in payload.get("criteria_sets", []):
        for f in s["fields"]:
            seen.setdefault(f["code"], f)
    return list(seen.values())


def _set_fields(payload: dict[str, Any], set_code: str | None) -> dict[str, dict[str, Any]]:
    for s in payload.get("criteria_sets", []):
        if s["code"] == set_code:
            return {f["code"]: f for f in s["fields"]}
    return {}


def to_csv(payload: dict[str, Any]) -> bytes:
    """UTF-8 with BOM (so Excel shows the diacritics), comma-separated, decimal point."""
    return b"".join(csv_chunks(payload))


def csv_chunks(payload: dict[str, Any], rows_per_chunk: int = 200) -> Iterator[bytes]:
    """The CSV a few hundred rows at a time, for a streamed response."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    for count, line in enumerate(_csv_rows(payload), start=1):
        writer.writerow(safe_row("" if v is None else v for v in line))
        if count % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def _csv_rows(payload: dict[str, Any]) -> Iterator[list[Any]]:
    fields = _all_fields(payload)
    columns = columns_for(payload, fields, flat=True)
    decision = decision_text(payload.get("decision"))
    yield [
        HEADINGS["group"],
        HEADINGS["rank"],
        HEADINGS["code"],
        HEADINGS["name"],
        *[c.heading for c in columns],
        HEADINGS["decision"],
    ]
    for group in payload["groups"]:
        # each group's own maximum per field (districts and departments may differ)
        maxima = _set_fields(payload, group.get("criteria_set"))
        for row in group["rows"]:
            values = []
            for column in columns:
                value = column.value(row)
                if column.heading.endswith("- điểm tối đa"):
                    code = column.heading.removeprefix("Lĩnh vực ").removesuffix(" - điểm tối đa")
                    value = _num(maxima[code]["max"]) if code in maxima else None
                values.append(value)
            yield [
                group["label"]["vi"],
                row["rank"],
                row["agency"]["code"],
                row["agency"]["name"],
                *values,
                decision,
            ]
    for item in payload.get("excluded", []):
        blank = [""] * len(columns)
        blank[[c.heading for c in columns].index(HEADINGS["classification"])] = item["reason"]
        yield ["Không xếp hạng", "", item["agency"]["code"], item["agency"]["name"], *blank, decision]


def to_xlsx(payload: dict[str, Any]) -> bytes:
    return b"".join(xlsx_chunks(payload))


def xlsx_chunks(payload: dict[str, Any], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The workbook, written by openpyxl in write-only mode (rows go to disk as they are added,
    not kept as cell objects) into a spooled temporary file, then read back in chunks."""
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as spool:
        _write_xlsx(payload, spool)
        spool.seek(0)
        while chunk := spool.read(chunk_size):
            yield chunk


def _write_xlsx(payload: dict[str, Any], target: Any) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def styled(ws: Any, value: Any, *, font: Font | None = None, number: str | None = None) -> Any:
        cell = WriteOnlyCell(ws, value=safe_cell(value))
        if formula_like(value):
            # the apostrophe already keeps it from starting with "="; stating the type as well
            # means no later change to the text can turn the cell into a formula
            cell.data_type = "s"
        if font is not None:
            cell.font = font
            cell.alignment = wrap
        if number is not None:
            cell.number_format = number
        return cell

    def cells(ws: Any, values: list[Any]) -> list[Any]:
        """A row of plain values, each text a spreadsheet could run written as a string cell."""
        return [styled(ws, v) if formula_like(v) else v for v in values]

    wb = Workbook(write_only=True)
    info = wb.create_sheet("Thông tin")
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 90
    published_at = payload.get("published_at")
    head = payload.get("audit_head") or {}
    for label, value in (
        ("Đợt đánh giá", payload["campaign"]["title"]),
        ("Mã đợt", payload["campaign"]["code"]),
        ("Năm đánh giá", payload["campaign"]["index_year"]),
        (
            "Công bố lúc",
            format_instant(datetime.fromisoformat(published_at)) if published_at else "Chưa công bố",
        ),
        ("Người công bố", payload.get("published_by") or ""),
        ("Mã băm nhật ký (audit)", head.get("hash", "")),
        ("Số thứ tự bản ghi nhật ký", head.get("seq", "")),
        ("Mã băm bảng kết quả (SHA-256)", head.get("results_sha256", "")),
        # added later: after the rows readers already locate by position
        ("Quyết định công bố", decision_text(payload.get("decision")) or "Chưa ghi"),
        ("Số quyết định", (payload.get("decision") or {}).get("number") or ""),
        (
            "Ngày quyết định",
            format_date(date.fromisoformat(d)) if (d := (payload.get("decision") or {}).get("date")) else "",
        ),
        ("Người ký", (payload.get("decision") or {}).get("signer") or ""),
        (
            "So sánh với năm",
            (payload.get("previous") or {}).get("index_year") or "Không có số liệu năm trước",
        ),
    ):
        info.append(cells(info, [label, value]))

    sets = {s["code"]: s for s in payload.get("criteria_sets", [])}
    for group in payload["groups"]:
        ws = wb.create_sheet(group["label"]["vi"][:31])
        fields = sets.get(group.get("criteria_set") or "", {}).get("fields", [])
        columns = columns_for(payload, fields, flat=False)
        headings = [HEADINGS["rank"], HEADINGS["code"], HEADINGS["name"], *[c.heading for c in columns]]
        # write-only sheets take their layout before the first row
        ws.column_dimensions["A"].width = 10
        ws.column_dimensions["B"].width = 16
        ws.column_dimensions["C"].width = 40
        for column in range(4, len(headings) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 18
        ws.row_dimensions[2].height = 90
        ws.freeze_panes = "D3"
        title = f"Chỉ số CCHC năm {payload['campaign']['index_year']} — {group['label']['vi']}"
        ws.append([styled(ws, title, font=Font(bold=True, size=13))])
        ws.append([styled(ws, h, font=bold) for h in headings])
        for row in group["rows"]:
            ws.append(
                [
                    *cells(ws, [row["rank"], row["agency"]["code"], row["agency"]["name"]]),
                    *[
                        styled(ws, c.value(row), number="0.00") if c.number else cells(ws, [c.value(row)])[0]
                        for c in columns
                    ],
                ]
            )
    if payload.get("excluded"):
        ws = wb.create_sheet("Không xếp hạng")
        ws.column_dimensions["B"].width = 40
        ws.column_dimensions["D"].width = 80
        ws.append([styled(ws, h, font=bold) for h in (HEADINGS["code"], HEADINGS["name"], "Nhóm", "Lý do")])
        for item in payload["excluded"]:
            ws.append(
                cells(ws, [item["agency"]["code"], item["agency"]["name"], item["group"], item["reason"]])
            )
    wb.save(target)
