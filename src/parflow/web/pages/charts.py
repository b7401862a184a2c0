"""Charts drawn on the server as SVG geometry (the template writes the elements).

No script and no inline style: colours come from CSS classes (`band-0` … in app.css) and sizes from
SVG attributes, so the strict Content-Security-Policy holds and the chart prints as it shows.

Every chart is laid out twice: `wide` (names left of the bars, for a desk and for print) and
`narrow` (each name on its own line above its bar, 340 units wide), which app.css shows instead on
a phone. Scaling one wide drawing down to a phone would leave 5-pixel names, and cutting it would
lose either the names or the bars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from parflow.services.results.analysis import GroupAnalysis, fields_of

WIDE_LABEL = 330
WIDE_AREA = 420
WIDE_ROW = 24
NARROW_WIDTH = 340
NARROW_AREA = 270
NARROW_ROW = 36
TOP = 8
AXIS = 26
MAX_LABEL = 44
NARROW_LABEL = 52


@dataclass(frozen=True)
class Item:
    """One row of a bar chart: the bar runs to `fraction` (0..1) of the scale."""

    label: str
    fraction: float
    value: str
    css: str  # "band-0" … for a ranking, "share" for a field
    marks: tuple[float, ...] = ()  # small ticks, e.g. each agency's share of a field (0..1)
    reference: float | None = None  # a line across the bar, e.g. the group average (0..1)
    title: str = ""


@dataclass(frozen=True)
class Bar:
    y: float  # top of the row
    bar_y: float
    x: float  # where the bar starts
    width: float
    label_x: float
    label_y: float
    value_x: float
    label: str
    value: str
    css: str
    title: str
    marks: list[float]
    reference: float | None


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bar_height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    grid_top: float
    grid_bottom: float
    label_anchor: str  # "end" (wide: right-aligned names) or "start" (narrow: names above)
    narrow: bool


@dataclass(frozen=True)
class Chart:
    """A chart in its two layouts, with the words a screen reader says for it."""

    caption: str
    wide: BarChart
    narrow: BarChart
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scale(fraction: float) -> float:
    return max(0.0, min(1.0, fraction))


def _layout(
    items: list[Item], tick_labels: list[tuple[float, str]], *, narrow: bool, value_room: int = 0
) -> BarChart:
    """`value_room`: units kept right of the scale for a value written after it ("7,50 / 9,00")."""
    row = NARROW_ROW if narrow else WIDE_ROW
    x0 = 8 if narrow else WIDE_LABEL
    area = (NARROW_AREA if narrow else WIDE_AREA) - (value_room if narrow else 0)
    bar_height = 12 if narrow else WIDE_ROW - 8
    bars = []
    for i, item in enumerate(items):
        y = TOP + i * row
        bar_y = y + (18 if narrow else 3)
        width = _scale(item.fraction) * area
        bars.append(
            Bar(
                y=y,
                bar_y=bar_y,
                x=x0,
                width=round(width, 1),
                label_x=x0 if narrow else x0 - 8,
                label_y=y + (13 if narrow else 15),
                value_x=round(x0 + width + 5, 1),
                label=shorten(item.label, NARROW_LABEL if narrow else MAX_LABEL),
                value=item.value,
                css=item.css,
                title=item.title or f"{item.label}: {item.value}",
                marks=[round(x0 + _scale(m) * area, 1) for m in item.marks],
                reference=None if item.reference is None else round(x0 + _scale(item.reference) * area, 1),
            )
        )
    height = TOP + len(items) * row + AXIS
    ticks = [(round(x0 + f * area, 1), text) for f, text in tick_labels]
    width = NARROW_WIDTH if narrow else WIDE_LABEL + WIDE_AREA + 70 + value_room
    return BarChart(
        width, height, bar_height, bars, ticks, TOP - 4, height - 20, "start" if narrow else "end", narrow
    )


def _chart(
    caption: str,
    items: list[Item],
    ticks: list[tuple[float, str]],
    legend: list[tuple[str, str]],
    value_room: int = 0,
) -> Chart:
    return Chart(
        caption,
        _layout(items, ticks, narrow=False, value_room=value_room),
        _layout(items, ticks, narrow=True, value_room=value_room),
        legend,
    )


def agency_name(agency: dict[str, Any], lang: str) -> str:
    return (agency.get("name_en") or agency["name"]) if lang == "en" else agency["name"]


POINT_TICKS = [(v / 100, str(v)) for v in range(0, 101, 20)]
PERCENT_TICKS = [(v / 100, f"{v}%") for v in range(0, 101, 25)]


def ranking_chart(
    rows: list[dict[str, Any]],
    bands: list[dict[str, Any]],
    lang: str,
    fmt: Callable[[Any], str],
    caption: str = "",
) -> Chart:
    """Horizontal bars, one per agency in rank order, scaled 0–100 points, coloured by class."""
    band_of = {(b["label"]["vi"], b["label"]["en"]): i for i, b in enumerate(bands)}
    items = []
    for row in rows:
        total = Decimal(row["total"]) if row.get("total") is not None else Decimal(0)
        klass = row.get("classification")
        band = band_of.get((klass["vi"], klass["en"])) if klass else None
        rank = row.get("rank")
        name = agency_name(row["agency"], lang)
        items.append(
            Item(
                label=f"{rank}. {name}" if rank else name,
                fraction=float(total) / 100,
                value=fmt(total),
                css=f"band-{band if band is not None else 'x'}",
            )
        )
    return _chart(caption, items, POINT_TICKS, [])


def field_chart(
    payload: dict[str, Any],
    group: dict[str, Any],
    analysis: GroupAnalysis,
    lang: str,
    fmt: Callable[[Any], str],
    caption: str = "",
) -> Chart:
    """Per field: the group's average as a share of the field's maximum (the bar), each agency's own
    share as a tick: a short bar is a field where the whole group is weak."""
    figures = {f.code: f for f in analysis.fields}
    items = []
    for f in fields_of(payload, group.get("criteria_set")):
        figure = figures.get(f["code"])
        if figure is None:
            continue
        maximum = float(figure.max) or 1.0
        marks = tuple(
            float(Decimal(r["fields"][f["code"]])) / maximum
            for r in group["rows"]
            if r["fields"].get(f["code"]) is not None
        )
        items.append(
            Item(
                label=f"{f['code']}. {figure.title(lang)}",
                fraction=float(figure.share),
                value=f"{fmt(figure.average)} / {fmt(figure.max)}",
                css="weak-field" if figure in analysis.weakest else "share",
                marks=marks,
            )
        )
    legend = [
        ("share", "Trung bình của nhóm" if lang == "vi" else "Group average"),
        ("weak-field", "Lĩnh vực yếu nhất" if lang == "vi" else "Weakest fields"),
        ("mark", "Điểm của từng cơ quan" if lang == "vi" else "Each agency's score"),
    ]
    return _chart(caption, items, PERCENT_TICKS, legend, value_room=50)


def agency_field_chart(
    payload: dict[str, Any],
    group: dict[str, Any],
    row: dict[str, Any],
    analysis: GroupAnalysis,
    lang: str,
    fmt: Callable[[Any], str],
    caption: str = "",
) -> Chart:
    """One agency's fields as shares of their maximum, the group average as a line across each."""
    figures = {f.code: f for f in analysis.fields}
    items = []
    for f in fields_of(payload, group.get("criteria_set")):
        figure = figures.get(f["code"])
        mine = row["fields"].get(f["code"])
        if figure is None or mine is None:
            continue
        maximum = float(figure.max) or 1.0
        below = Decimal(mine) < figure.average
        items.append(
            Item(
                label=f"{f['code']}. {figure.title(lang)}",
                fraction=float(Decimal(mine)) / maximum,
                value=f"{fmt(mine)} / {fmt(figure.max)}",
                css="weak-field" if below else "share",
                reference=float(figure.share),
                title=f"{figure.title(lang)}: {fmt(mine)} / {fmt(figure.max)} "
                f"({'TB nhóm' if lang == 'vi' else 'group average'} {fmt(figure.average)})",
            )
        )
    legend = [
        ("share", "Bằng hoặc trên trung bình nhóm" if lang == "vi" else "At or above the group average"),
        ("weak-field", "Dưới trung bình nhóm" if lang == "vi" else "Below the group average"),
        ("reference", "Trung bình của nhóm" if lang == "vi" else "Group average"),
    ]
    return _chart(caption, items, PERCENT_TICKS, legend, value_room=50)
