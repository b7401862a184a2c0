"""The shipped `par-index` workflow against the hand-written table of the process, and the
lifecycle page's diagram against what `parflow workflow diagram` prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parflow.cli import app
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.common.workflows import load_definition
from parflow.settings import PROJECT_ROOT
from tests.domain.par_index_expected import (
    FINAL,
    INITIAL,
    MAY_FIRE,
    ROLES,
    STATES,
    TARGET,
    TRIGGERS,
)

SHIPPED = PROJECT_ROOT / "workflows" / "par-index.yaml"
LIFECYCLE_DOC = PROJECT_ROOT / "docs" / "lifecycle.md"


@pytest.fixture(scope="module")
def shipped() -> WorkflowDefinition:
    return load_definition(SHIPPED)


def test_states_and_triggers_are_the_processs(shipped: WorkflowDefinition) -> None:
    assert sorted(shipped.states) == sorted(STATES)
    assert sorted(shipped.triggers()) == sorted(TRIGGERS)
    assert shipped.initial == INITIAL
    assert tuple(shipped.final) == FINAL


@pytest.mark.parametrize(("state", "trigger"), sorted(TARGET))
def test_every_state_trigger_pair_leads_where_the_process_says(
    shipped: WorkflowDefinition, state: str, trigger: str
) -> None:
    transition = shipped.transition(state, trigger)
    assert (transition.dest if transition else None) == TARGET[(state, trigger)]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_who_may_fire_each_trigger(shipped: WorkflowDefinition, trigger: str) -> None:
    for transition in (t for t in shipped.transitions if t.trigger == trigger):
        # a role the table does not know would be a new kind of participant: refuse it too
        assert set(transition.roles) <= set(ROLES), transition.roles
        granted = {role for role in ROLES if role in transition.roles}
        assert granted == MAY_FIRE[trigger], (
            f"{trigger} from {transition.source}: allowed {sorted(granted)}, "
            f"the process says {sorted(MAY_FIRE[trigger])}"
        )


def documented_diagram(page: Path) -> str:
    """The Mermaid block of the lifecycle page (there is exactly one)."""
    blocks = re.findall(r"```mermaid\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, f"{page} has {len(blocks)} mermaid blocks"
    return blocks[0]


def test_lifecycle_page_shows_the_diagram_the_cli_prints(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["workflow", "diagram", "par-index", "--lang", "en"],
        env={"PARFLOW_DATA_DIR": str(tmp_path), "PARFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"},
    )
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip().splitlines()
    shown = documented_diagram(LIFECYCLE_DOC).strip().splitlines()
    assert printed[0] == "stateDiagram-v2"  # not an error message that happens to match nothing
    assert shown == printed
