"""Forms that re-display: what the person typed, and each message next to the field it is about.

A use case refuses bad input with an `Invalid` (or a `Conflict`) listing unmet conditions, each
naming the field it concerns (a criterion code, "reason", "new_date", ...). `refused()` turns that
into a `FormState` the template reads: `form.value("reason")`, `form.errors_for("reason")`, and
`form.problems` for conditions not tied to one field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from parflow.domain.errors import Invalid, ParflowError, Unmet
from parflow.i18n import t


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    headline: str | None = None

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def errors_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            self.problems.append(message)
        else:
            self.errors.setdefault(name, []).append(message)

    @property
    def failed(self) -> bool:
        return bool(self.headline or self.errors or self.problems)


# unmet conditions that name one leaf each: many of them read better as one line listing the codes
GROUPED = ("guard.leaf_unscored", "guard.leaf_no_evidence", "guard.leaf_unappraised", "guard.survey_missing")


@dataclass(frozen=True)
class Problem:
    text: str
    codes: tuple[str, ...] = ()  # the leaves it is about, when it stands for several


def summarise(unmet: list[Unmet], lang: str) -> list[Problem]:
    """Unmet conditions in words, those about single leaves of the same kind as one line each."""
    codes: dict[str, list[str]] = {}
    for u in unmet:
        if u.key in GROUPED and "criterion" in u.params:
            codes.setdefault(u.key, []).append(str(u.params["criterion"]))
    lines: list[Problem] = []
    done: set[str] = set()
    for u in unmet:
        if u.key in codes and len(codes[u.key]) > 1:
            if u.key not in done:
                done.add(u.key)
                lines.append(
                    Problem(t(f"web.group.{u.key}", lang, count=len(codes[u.key])), tuple(codes[u.key]))
                )
            continue
        lines.append(
            Problem(
                t(u.key, lang, **u.params), (str(u.params["criterion"]),) if "criterion" in u.params else ()
            )
        )
    return lines


def refused(
    exc: ParflowError,
    lang: str,
    values: dict[str, str] | None = None,
    fields: set[str] | None = None,
    rename: dict[str, str] | None = None,
) -> FormState:
    """The form as typed, with the refusal's reasons placed next to their fields.

    `fields` names the fields the form shows; a reason about another field is listed at the top.
    `rename` maps a use case's field name to the form's (e.g. "due_date" → "new_date")."""
    state = FormState(values=dict(values or {}), headline=t(exc.key, lang, **exc.params))
    unmet: list[Unmet] = exc.unmet if isinstance(exc, Invalid) else []
    general = []
    for u in unmet:
        name = (rename or {}).get(u.field or "", u.field)
        if name and (fields is None or name in fields):
            state.add(name, t(u.key, lang, **u.params))
        else:
            general.append(u)
    for line in summarise(general, lang):
        state.problems.append(line.text + (": " + ", ".join(line.codes) if len(line.codes) > 1 else ""))
    return state


def parse_day(text: str) -> date | None:
    """A date as civil servants write it (dd/mm/yyyy), or ISO yyyy-mm-dd; None when unreadable."""
    value = text.strip()
    try:
        if "/" in value:
            day, month, year = (int(p) for p in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        return None
