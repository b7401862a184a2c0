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
    min_x: float
    min_y: float
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


def place(definition: WorkflowDefinition, depth: dict[str, int]) -> dict[str, float]:
    """The left edge of each box: the first row centred, each later row ordered and placed by the
    mean position of the states leading into it (so children sit under their parents), pushed
    apart where boxes would overlap."""
    rows: dict[int, list[str]] = {}
    for state in definition.states:  # the YAML's order breaks ties
        rows.setdefault(depth[state], []).append(state)
    parents: dict[str, set[str]] = {s: set() for s in definition.states}
    for t in definition.transitions:
        if depth[t.source] < depth[t.dest]:
            parents[t.dest].add(t.source)
    step = NODE_W + GAP_X
    x: dict[str, float] = {}
    for level in sorted(rows):
        states = rows[level]
        wanted = {
            s: sum(x[p] for p in parents[s]) / len(parents[s]) if parents[s] else float(i * step)
            for i, s in enumerate(states)
        }
        ordered = sorted(states, key=lambda s: (wanted[s], states.index(s)))
        placed: list[float] = []
        for s in ordered:
            placed.append(max(wanted[s], placed[-1] + step) if placed else wanted[s])
        # centre the row on what it wanted, so a pair of children straddles their parent
        shift = sum(wanted[s] - p for s, p in zip(ordered, placed, strict=True)) / len(ordered)
        for s, p in zip(ordered, placed, strict=True):
            x[s] = p + shift
    return x


def layout(definition: WorkflowDefinition, lang: str) -> Diagram:
    depth = layers(definition)
    left = place(definition, depth)
    centres: dict[str, tuple[float, float]] = {}
    nodes = []
    for state in definition.states:
        x, y = left[state], depth[state] * (NODE_H + GAP_Y)
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
            # a slanted pair: both labels at the pair's middle, one above the other, each with an
            # arrow saying which way its transition goes, leaning away from the upper state's
            # other edges (towards the side the pair goes to)
            text = f"{_arrow(tx - sx, ty - sy)} {text}"
            label_w += 2 * CHAR_W
            upper_x = sx if depth[source] < depth[dest] else tx
            lx, ly = (sx + tx) / 2, (sy + ty) / 2 + (-11 if (source, dest) < (dest, source) else 11)
            lx += (label_w / 2 - 24) * (-1 if lx < upper_x else 1)
        edges.append(Edge(path, text, lx, ly + 4, label_w, title))
    ix, iy = centres[definition.initial]
    start = (ix, iy - NODE_H / 2 - 34, ix, iy - NODE_H / 2 - 2)
    # the drawing's extent: boxes, labels (loops' labels stick out on the right) and the start dot
    xs = [n.x for n in nodes] + [e.label_x - e.label_w / 2 for e in edges]
    xe = (
        [n.x + NODE_W for n in nodes]
        + [e.label_x + e.label_w / 2 for e in edges]
        + [centres[s][0] + NODE_W / 2 + 75 for s, d in grouped if s == d]
    )
    ys = [start[1] - 8]
    ye = [n.y + NODE_H for n in nodes]
    pad = 12
    return Diagram(
        min(xs) - pad,
        min(ys) - pad,
        max(xe) - min(xs) + 2 * pad,
        max(ye) - min(ys) + 2 * pad,
        nodes,
        edges,
        start,
    )
