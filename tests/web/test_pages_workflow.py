"""The workflow page: the state diagram drawn on the server from the YAML, with the Mermaid text."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from parflow.web.pages.diagram import layout
from tests.support.auth import sign_in
from tests.support.databases import FIXTURES, load_fixture_campaign


@pytest.mark.parametrize("name", ["par-index", "par-index-revision"])
def test_every_state_and_transition_is_drawn(rt: Runtime, name: str) -> None:
    definition = rt.workflows.definition(name)
    drawn = layout(definition, "vi")
    assert {n.key for n in drawn.nodes} == set(definition.states)
    pairs = {(t.source, t.dest) for t in definition.transitions}
    assert len(drawn.edges) == len(pairs)
    # boxes do not overlap
    boxes = [(n.x, n.y) for n in drawn.nodes]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= drawn.node_w or abs(y1 - y2) >= drawn.node_h
    right = drawn.min_x + drawn.width
    assert all(drawn.min_x <= n.x and n.x + drawn.node_w <= right for n in drawn.nodes)
    assert all(
        drawn.min_x <= e.label_x - e.label_w / 2 and e.label_x + e.label_w / 2 <= right for e in drawn.edges
    )


def test_workflow_page_shows_the_diagram_and_mermaid(
    client: TestClient, rt: Runtime, mini: str, password_hash: str
) -> None:
    load_fixture_campaign(rt, FIXTURES / "mini-revision", password_hash)
    sign_in(client, "viewer@mini.example")
    page = client.get("/campaigns/mini-revision-2021/workflow")
    assert page.status_code == 200
    html = page.text
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "style=" not in svg and "<script" not in html.split("</header>", 1)[1]
    assert len(re.findall(r'<g class="state', svg)) == 7
    assert "Trả lại để bổ sung" in svg
    assert "stateDiagram-v2" in html and "returned_for_revision --&gt; self_scored" in html
    english = client.post(
        "/language",
        data={
            "language": "en",
            "next": "/campaigns/mini-revision-2021/workflow",
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),  # type: ignore[union-attr]
        },
    )
    assert "Self-assessment in progress" in english.text
