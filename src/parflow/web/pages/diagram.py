"""A workflow's state diagram laid out on the server, for an inline SVG (no script, no CDN).

A simple layered layout: each state sits in the row of its shortest distance from the initial state,
rows are centred; every edge is a quadratic curve between the two boxes, bent sideways when the
opposite edge also exists (so a pair of back-and-forth transitions shows as two arcs) and drawn
as a loop beside the box when a transition stays in its state.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from parflow.domain.workflow import WorkflowDefinition

NODE_W = 210
NODE_H = 54
GAP_X = 90
GAP_Y = 104
MARGIN = 70
CHAR_W = 6.6  # average width of a 12px character, for sizing label backgrounds


@dataclass(frozen=True)
class Node:
    key: str
    x: float
    y: float
    lines: tuple[str, ...]
    initial: bool
    final: bool


@dataclass(frozen=True)
class Edge:
    path: str
    label: str
    label_x: float
    label_y: float
    label_w: float
    title: str


@dataclass(frozen=True)
class Diagram:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]
    start: tuple[float, float, float, float]  # the initial marker: circle centre, then arrow end
    node_w: int = NODE_W
    node_h: int = NODE_H


def layers(definition: WorkflowDefinition) -> dict[str, int]:
    depth = {definition.initial: 0}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for t in definition.from_state(state):
            if t.dest not in depth:
                depth[t.dest] = depth[state] + 1
                queue.append(t.dest)
    for state in definition.states:  # unreachable states (a checked workflow has none) go last
        depth.setdefault(state, max(depth.values()) + 1)
    return depth


def wrap(text: str, limit: int = 28) -> tuple[str, ...]:
    if len(text) <= limit:
        return (text,)
    words = text.split()
    first: list[str] = []
    while words and len(" ".join([*first, words[0]])) <= limit:
        first.append(words.pop(0))
    return (" ".join(first), " ".join(words)) if first else (text[:limit], text[limit:])


def _exit_point(cx: float, cy: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (NODE_W / 2) / abs(dx) if dx else math.inf,
        (NODE_H / 2) / abs(dy) if dy else math.inf,
    )
    return cx + dx * scale, cy + dy * scale


def _arrow(dx: float, dy: float) -> str:
    if abs(dy) >= abs(dx):
        return ("↙" if dx < 0 else "↘") if dy > 0 else ("↖" if dx < 0 else "↗")
    return "→" if dx > 0 else "←"


def layout(definition: WorkflowDefinition, lang: str) -> Diagram:
    depth = layers(definition)
    rows: dict[int, list[str]] = {}
    for state in definition.states:  # keep the YAML's order within a row
        rows.setdefault(depth[state], []).append(state)
    widest = max(len(r) for r in rows.values())
    width = 2 * MARGIN + widest * NODE_W + (widest - 1) * GAP_X + 120  # room for loops on the right
    centres: dict[str, tuple[float, float]] = {}
    nodes = []
    for level, states in sorted(rows.items()):
        row_w = len(states) * NODE_W + (len(states) - 1) * GAP_X
        left = (width - 120 - row_w) / 2
        for i, state in enumerate(states):
            x = left + i * (NODE_W + GAP_X)
            y = MARGIN + level * (NODE_H + GAP_Y)
            centres[state] = (x + NODE_W / 2, y + NODE_H / 2)
            nodes.append(
                Node(
                    state,
                    x,
                    y,
                    wrap(definition.states[state].get(lang)),
                    state == definition.initial,
                    state in definition.final,
                )
            )
    height = MARGIN + len(rows) * (NODE_H + GAP_Y) - GAP_Y + 30

    grouped: dict[tuple[str, str], list[str]] = {}
    titles: dict[tuple[str, str], list[str]] = {}
    for t in definition.transitions:
        grouped.setdefault((t.source, t.dest), []).append(t.label.get(lang))
        titles.setdefault((t.source, t.dest), []).append(f"{t.trigger} ({', '.join(t.roles)})")
    edges = []
    for (source, dest), labels in grouped.items():
        text = " / ".join(dict.fromkeys(labels))
        title = "; ".join(titles[(source, dest)])
        label_w = len(text) * CHAR_W + 10
        sx, sy = centres[source]
        if source == dest:
            right = sx + NODE_W / 2
            path = (
                f"M {right:.1f} {sy - 12:.1f} C {right + 70:.1f} {sy - 40:.1f}, "
                f"{right + 70:.1f} {sy + 40:.1f}, {right + 2:.1f} {sy + 12:.1f}"
            )
            edges.append(Edge(path, text, right + 62 + label_w / 2, sy + 4, label_w, title))
            continue
        tx, ty = centres[dest]
        length = math.hypot(tx - sx, ty - sy) or 1.0
        nx, ny = -(ty - sy) / length, (tx - sx) / length  # perpendicular, to the left of travel
        bend = 34.0 if (dest, source) in grouped else 0.0
        if depth[dest] <= depth[source] and bend == 0.0:
            bend = 60.0  # a step back without a matching forward edge still curves clear of boxes
        mx, my = (sx + tx) / 2 + nx * bend, (sy + ty) / 2 + ny * bend
        x0, y0 = _exit_point(sx, sy, mx, my)
        x1, y1 = _exit_point(tx, ty, mx, my)
        # aim the control point so the curve passes through (mx, my) at its middle
        cx, cy = 2 * mx - (x0 + x1) / 2, 2 * my - (y0 + y1) / 2
        path = f"M {x0:.1f} {y0:.1f} Q {cx:.1f} {cy:.1f} {x1:.1f} {y1:.1f}"
        lx, ly = mx, my
        if bend and abs(nx) > 0.9:
            # a near-vertical pair: each label beside its own arc, just clear of it
            shift = label_w / 2 + 4
            lx, ly = mx + nx * shift, my + ny * shift
        elif bend:
            # a slanted pair: both labels at the pair's centre, one above the other, each with an
            # arrow saying which way its transition goes
            text = f"{_arrow(tx - sx, ty - sy)} {text}"
            label_w += 2 * CHAR_W
            lx, ly = (sx + tx) / 2, (sy + ty) / 2 + (-11 if (source, dest) < (dest, source) else 11)
            # lean away from the middle of the diagram, where the other edges run
            lx += (label_w / 2 - 24) * (-1 if lx < (width - 120) / 2 else 1)
        edges.append(Edge(path, text, lx, ly + 4, label_w, title))
    ix, iy = centres[definition.initial]
    start = (ix, iy - NODE_H / 2 - 34, ix, iy - NODE_H / 2 - 2)
    return Diagram(width, height, nodes, edges, start)
