"""What the shipped `par-index` workflow must say, written by hand from the yearly process.

This table is an oracle kept apart from `workflows/par-index.yaml` on purpose: the state × trigger
test, the role matrix and the stateful test read the YAML they check, so a wrong role there would
pass all three. Nothing here is read from the workflow file or from parflow's code. When the
process changes, change the YAML *and* this table, each from the process, not from each other.

Sources: the yearly process (self-assessment, appraisal, response/dispute, survey, approval and
publication) and who does what in it:
- the agency fills in its self-assessment; the focal point does the work and the head signs the
  report off, so either may send it;
- the Department of Home Affairs runs the campaign: it may hand a sent report back for changes,
  opens the appraisal once reports are in, sends appraisal results, closes disputes with the
  council, and publishes;
- the Appraisal Council appraises and re-examines disputed scores;
- the agency (focal point or head) may respond to appraised scores;
- the city leadership approves and publishes by decision; Home Affairs drafts that decision and
  enters the approval into the system for the city (a choice of the project: see `approve` below);
- a viewer only reads.
"""

from __future__ import annotations

ROLES = ("agency_editor", "agency_head", "home_affairs", "council", "city_leader", "viewer")

# Rows: states in the order of the season. Columns: triggers. A cell is the state the trigger
# leads to from that row's state, or "-" where the trigger is not an event of that state (409).
_GRID = """
state           submit      reopen start_appraisal send_results    dispute  resolve         approve  publish
draft           self_scored -      -               -               -        -               -        -
self_scored     -           draft  under_appraisal -               -        -               -        -
under_appraisal -           -      -               under_appraisal disputed -               approved -
disputed        -           -      -               -               -        under_appraisal -        -
approved        -           -      -               -               -        -               -        published
published       -           -      -               -               -        -               -        -
"""


def _parse(grid: str) -> tuple[tuple[str, ...], tuple[str, ...], dict[tuple[str, str], str | None]]:
    header, *rows = [line.split() for line in grid.strip().splitlines()]
    triggers = tuple(header[1:])
    targets: dict[tuple[str, str], str | None] = {}
    for state, *cells in rows:
        assert len(cells) == len(triggers), f"row {state} has {len(cells)} cells"
        for trigger, cell in zip(triggers, cells, strict=True):
            targets[(state, trigger)] = None if cell == "-" else cell
    return tuple(row[0] for row in rows), triggers, targets


STATES, TRIGGERS, TARGET = _parse(_GRID)
INITIAL = "draft"
FINAL = ("published",)

# Who may fire each trigger; every role of `ROLES` not named here must be refused (403).
MAY_FIRE: dict[str, frozenset[str]] = {
    # the report is the agency's: its focal point sends it, or its head who signs it off
    "submit": frozenset({"agency_editor", "agency_head"}),
    # Home Affairs hands a sent report back; the head may recall the report they signed off
    # before the appraisal starts
    "reopen": frozenset({"home_affairs", "agency_head"}),
    # only the campaign's organiser opens the appraisal after the self-assessment deadline
    "start_appraisal": frozenset({"home_affairs"}),
    # the council appraises; Home Affairs sends the results on its behalf
    "send_results": frozenset({"council", "home_affairs"}),
    # the assessed agency responds to its appraised scores
    "dispute": frozenset({"agency_editor", "agency_head"}),
    # the council re-examines; Home Affairs may close the round with it
    "resolve": frozenset({"council", "home_affairs"}),
    # the city approves by decision; Home Affairs, which drafts the decision, records it (parflow
    # lets either fire the event so the approval can be entered by whoever operates the system)
    "approve": frozenset({"city_leader", "home_affairs"}),
    # the city publishes by decision and Home Affairs publishes the results
    "publish": frozenset({"home_affairs", "city_leader"}),
}
assert set(MAY_FIRE) == set(TRIGGERS)


def source_of(trigger: str) -> str:
    """The one state a trigger starts from in this workflow (each trigger has exactly one)."""
    (state,) = [s for s in STATES if TARGET[(s, trigger)] is not None]
    return state
