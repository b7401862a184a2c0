"""Exports stream: `parflow status` and the results CSV/XLSX are produced piece by piece (keyset
batches, write-only workbook) and say exactly what the whole-at-once versions said."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.monitoring.status import campaign_status, iter_status
from parflow.services.results import exports as result_exports
from parflow.services.results import service as results

# streaming uses server-side cursors on PostgreSQL
pytestmark = pytest.mark.both_backends


def test_status_in_small_batches_is_the_whole_status(rt: Runtime, campaign: str) -> None:
    with rt.db.read() as session:
        whole = campaign_status(session, rt, campaign)
        batched = list(iter_status(session, rt, campaign, batch=4))
    assert len(whole) == 35 and [r.as_dict() for r in batched] == [r.as_dict() for r in whole]
    assert [(r.group, r.agency) for r in whole] == sorted((r.group, r.agency) for r in whole)


def test_results_exports_stream_in_chunks(rt: Runtime, campaign: str) -> None:
    with rt.db.read() as session:
        payload = results.compute(session, rt, get_campaign(session, campaign))
    payload["published_at"] = None
    chunks = list(result_exports.csv_chunks(payload, rows_per_chunk=10))
    assert len(chunks) == 4  # heading + 35 agencies = 36 lines, 10 a chunk
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeffNhóm,Xếp hạng,Mã cơ quan") and text.count("\r\n") == 36
    assert b"".join(chunks) == result_exports.to_csv(payload)
    parts = list(result_exports.xlsx_chunks(payload, chunk_size=4096))
    assert len(parts) > 1
    wb = load_workbook(io.BytesIO(b"".join(parts)))
    assert wb.sheetnames[0] == "Thông tin" and len(wb.sheetnames) == 4  # info + three groups
    departments = wb[wb.sheetnames[1]]
    assert departments.freeze_panes == "D3"
    assert departments["A2"].font.bold and departments["A2"].value == "Xếp hạng"
    codes = [row[1] for row in departments.iter_rows(min_row=3, values_only=True)]
    assert len(codes) == 20 and "sgtvt" in codes
    assert departments["D3"].number_format == "0.00"
