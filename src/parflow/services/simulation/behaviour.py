"""Behaviour files for `parflow simulate`: how agencies, the council and Home Affairs will act.

```yaml
at: "10:00"                 # local time at which scripted actions happen (default 10:00)
submit:                     # when each agency sends its self-assessment
  default: 2022-01-12       # agencies not listed (a date, or `never`)
  agencies: {sxd: 2022-01-19, bach-long-vi: never}
start_appraisal: 2022-01-17 # Home Affairs starts appraisal (late submitters: the next working day)
appraise:                   # council members finish the leaves of their fields
  default: 2022-02-18
  fields: {"5": 2022-03-01}
send_results: 2022-02-21    # results go out (an agency's results: once its fields are appraised)
approve: 2022-03-22
publish: 2022-03-28
```
Every key is optional: what is not scripted does not happen, so reminders and escalations show
exactly what the calendar would do to the people who do not act.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from parflow.yamlsource import load_yaml, validate

Never = Literal["never"]
When = date | Never


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubmitPlan(_Strict):
    default: When = "never"
    agencies: dict[str, When] = {}


class AppraisePlan(_Strict):
    default: When = "never"
    fields: dict[str, When] = {}


class Behaviour(_Strict):
    at: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "10:00"
    submit: SubmitPlan = SubmitPlan()
    start_appraisal: When = "never"
    appraise: AppraisePlan = AppraisePlan()
    send_results: When = "never"
    approve: When = "never"
    publish: When = "never"


def load_behaviour(path: Path) -> Behaviour:
    """Read and check a behaviour file; errors name the file and line."""
    return validate(load_yaml(path), Behaviour)
