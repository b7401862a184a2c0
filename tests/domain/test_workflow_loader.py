"""Loading workflow files: the shipped ones are valid; each kind of mistake names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from parflow.domain.workflow import WorkflowError, mermaid
from parflow.services.common.workflows import load_definition
from parflow.settings import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / "workflows"

VALID = """\
name: tiny
title: {vi: Nhỏ, en: Tiny}
initial: draft
final: [done]
states:
  draft: {vi: Nháp, en: Draft}
  done: {vi: Xong, en: Done}
milestones:
  due:
    label: {vi: Hạn, en: Due}
transitions:
  - trigger: finish
    source: draft
    dest: done
    roles: [agency_editor]
    milestone: due
    label: {vi: Hoàn thành, en: Finish}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wf.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(WorkflowError) as caught:
        load_definition(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("name", ["par-index", "par-index-revision"])
def test_shipped_workflows_are_valid(name: str) -> None:
    definition = load_definition(WORKFLOWS / f"{name}.yaml")
    assert definition.name == name
    assert definition.initial == "draft"
    assert {"draft", "self_scored", "under_appraisal", "disputed", "approved", "published"} <= set(
        definition.states
    )


def test_minimal_valid_file(tmp_path: Path) -> None:
    definition = load_definition(write(tmp_path, VALID))
    assert [t.trigger for t in definition.transitions] == ["finish"]


def test_unknown_state(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("dest: done", "dest: finished"))
    assert any("wf.yaml:14" in p and "unknown state 'finished'" in p for p in found), found


def test_unreachable_state(tmp_path: Path) -> None:
    text = VALID.replace(
        "  done: {vi: Xong, en: Done}\n", "  done: {vi: Xong, en: Done}\n  limbo: {vi: Treo, en: Limbo}\n"
    )
    text = text.replace("final: [done]", "final: [done, limbo]")
    found = problems(tmp_path, text)
    assert any("wf.yaml:8" in p and "unreachable state 'limbo'" in p for p in found), found


def test_unknown_guard(tmp_path: Path) -> None:
    found = problems(
        tmp_path, VALID.replace("    milestone: due\n", "    milestone: due\n    guards: [is_tuesday]\n")
    )
    assert any("wf.yaml:17" in p and "unknown guard 'is_tuesday'" in p for p in found), found


def test_unknown_role(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("roles: [agency_editor]", "roles: [janitor]"))
    assert any("wf.yaml:15" in p and "unknown role 'janitor'" in p for p in found), found


def test_duplicate_trigger_from_one_state(tmp_path: Path) -> None:
    text = (
        VALID
        + """\
  - trigger: finish
    source: draft
    dest: draft
    roles: [home_affairs]
    label: {vi: Lại, en: Again}
"""
    )
    found = problems(tmp_path, text)
    assert any("wf.yaml:18" in p and "duplicate trigger 'finish' from state 'draft'" in p for p in found), (
        found
    )


def test_missing_initial_state(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("initial: draft\n", ""))
    assert any("wf.yaml" in p and "missing initial state" in p for p in found), found


def test_initial_state_not_declared(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("initial: draft", "initial: start"))
    assert any("wf.yaml:3" in p and "unknown state 'start'" in p for p in found), found


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("  - trigger: finish", "  - trigger: [finish"))
    assert any("wf.yaml:" in p and "not valid YAML" in p for p in found), found


def test_unknown_key_and_wrong_type(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("initial: draft", "initial: draft\ncolour: blue"))
    assert any("wf.yaml:4" in p and "colour" in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace("roles: [agency_editor]", "roles: [janitor]").replace("dest: done", "dest: nowhere")
    found = problems(tmp_path, text)
    assert len(found) >= 2


def test_mermaid_diagram_lists_every_transition() -> None:
    definition = load_definition(WORKFLOWS / "par-index.yaml")
    diagram = mermaid(definition, "vi")
    assert diagram.startswith("stateDiagram-v2\n")
    assert "[*] --> draft" in diagram
    for t in definition.transitions:
        assert f"{t.source} --> {t.dest}: {t.trigger}" in diagram
    assert "draft: Đang tự đánh giá" in diagram
