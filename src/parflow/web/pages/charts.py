"""Charts drawn on the server as SVG geometry (the template writes the elements).

No script and no inline style: colours come from CSS classes (`band-0` … in app.css) and sizes from
SVG attributes, so the strict Content-Security-Policy holds and the chart prints as it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

LABEL_WIDTH = 300
BAR_AREA = 420
ROW = 24
TOP = 8
AXIS = 26
MAX_LABEL = 46


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    label: str
    value: str
    band: int | None
    rank: int | None


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    area: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    row: int
    top: int


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ranking_chart(rows: list[dict[str, Any]], bands: list[dict[str, Any]], lang: str, fmt: Any) -> BarChart:
    """Horizontal bars, one per agency in rank order, scaled 0–100 points, coloured by class."""
    band_of = {(b["label"]["vi"], b["label"]["en"]): i for i, b in enumerate(bands)}
    bars = []
    for i, row in enumerate(rows):
        total = Decimal(row["total"]) if row.get("total") is not None else Decimal(0)
        agency = row["agency"]
        name = agency["name_en"] or agency["name"] if lang == "en" else agency["name"]
        klass = row.get("classification")
        band = band_of.get((klass["vi"], klass["en"])) if klass else None
        rank = row.get("rank")
        bars.append(
            Bar(
                y=TOP + i * ROW,
                width=float(max(Decimal(0), min(total, Decimal(100)))) * BAR_AREA / 100,
                label=shorten(f"{rank}. {name}" if rank else name),
                value=fmt(total),
                band=band,
                rank=rank,
            )
        )
    ticks = [(LABEL_WIDTH + v * BAR_AREA / 100, str(v)) for v in range(0, 101, 20)]
    height = TOP + len(rows) * ROW + AXIS
    return BarChart(LABEL_WIDTH + BAR_AREA + 70, height, LABEL_WIDTH, BAR_AREA, bars, ticks, ROW, TOP)
