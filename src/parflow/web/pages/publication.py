"""Approval and publication: the final check list, approving every ready agency, leaving an agency
out of the ranking (with the reason), and publishing the campaign."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from parflow.domain.errors import Conflict, Invalid, NotFound
from parflow.i18n import t
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.service import clean_text
from parflow.services.lifecycle import approval
from parflow.services.results import service as results
from parflow.store.models import Agency, Submission
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.pages.deps import CsrfChecked, SignedIn
from parflow.web.pages.forms import FormState, refused, summarise
from parflow.web.templating import flash, page_language, render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
FORMS = ("approve", "publish", "exclude")


def parse_day(text: str) -> date | None:
    """dd/mm/yyyy (the way dates are written here), or an ISO date from a browser's date field."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def publication_context(
    session: Session, rt: Runtime, user: Principal, code: str, lang: str
) -> dict[str, Any]:
    listed = approval.check_list(session, rt, user, code)
    roles = user.roles_in(listed.campaign.id or 0)
    preview = results.preview(session, rt, user, code) if roles & CAMPAIGN_WIDE_READERS else None
    bands = preview["classification"] if preview else []
    return {
        "band_index": {(b["label"]["vi"], b["label"]["en"]): i for i, b in enumerate(bands)},
        "campaign": listed.campaign,
        "definition": listed.definition,
        "check": listed,
        "problems": {row.agency.code: summarise(row.unmet, lang) for row in listed.rows if row.unmet},
        "preview": preview,
        "fields_of": {s["code"]: s["fields"] for s in (preview or {}).get("criteria_sets", [])},
        "is_home_affairs": "home_affairs" in roles,
    }


def _render(
    request: Request,
    rt: Runtime,
    user: Principal,
    code: str,
    forms: dict[str, FormState] | None = None,
    status: int = 200,
) -> Response:
    with rt.db.read() as session:
        context = publication_context(session, rt, user, code, page_language(request))
    context["forms"] = {name: (forms or {}).get(name, FormState()) for name in FORMS}
    return render(request, "pages/publication.html", context, status_code=status)


@router.get("/campaigns/{code}/publication")
def publication_page(request: Request, rt: RuntimeDep, user: SignedIn, code: str = Code) -> Response:
    return _render(request, rt, user, code)


def _unconfirmed(request: Request, values: dict[str, str]) -> FormState:
    lang = page_language(request)
    form = FormState(values=values, headline=t("web.form_invalid", lang))
    form.add("confirm", t("web.confirm_required", lang))
    return form


@router.post("/campaigns/{code}/approve", dependencies=[CsrfChecked])
def approve_ready(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    confirm: Annotated[str, Form(max_length=5)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    values = {"confirm": confirm, "comment": comment}
    if confirm != "1":
        return _render(request, rt, user, code, {"approve": _unconfirmed(request, values)}, 422)
    try:
        approved = run_write(
            rt, lambda s: approval.approve_ready(s, rt, user, code, clean_text(comment, 4000))
        )
    except (Invalid, Conflict) as exc:
        return _render(
            request, rt, user, code, {"approve": refused(exc, page_language(request), values)}, exc.status
        )
    flash(request, "web.approved_many", count=str(len(approved)))
    return RedirectResponse(f"/campaigns/{code}/publication", status_code=303)


@router.post("/campaigns/{code}/publish", dependencies=[CsrfChecked])
def publish(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    confirm: Annotated[str, Form(max_length=5)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    decision_number: Annotated[str, Form(max_length=200)] = "",
    decision_date: Annotated[str, Form(max_length=10)] = "",
    decision_signer: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {
        "confirm": confirm,
        "comment": comment,
        "decision_number": decision_number,
        "decision_date": decision_date,
        "decision_signer": decision_signer,
    }
    lang = page_language(request)
    if confirm != "1":
        return _render(request, rt, user, code, {"publish": _unconfirmed(request, values)}, 422)
    signed_on = parse_day(decision_date)
    if decision_date.strip() and signed_on is None:
        form = FormState(values=values, headline=t("web.form_invalid", lang))
        form.add("decision_date", t("results.decision_date_invalid", lang, value=decision_date.strip()))
        return _render(request, rt, user, code, {"publish": form}, 422)
    number = clean_text(decision_number, 200)
    decision = results.Decision(number, signed_on, clean_text(decision_signer, 200) or "") if number else None
    try:
        run_write(rt, lambda s: results.publish(s, rt, user, code, clean_text(comment, 4000), decision))
    except (Invalid, Conflict) as exc:
        form = refused(exc, page_language(request), values, set())
        return _render(request, rt, user, code, {"publish": form}, exc.status)
    flash(request, "web.published")
    return RedirectResponse(f"/campaigns/{code}/results", status_code=303)


@router.post("/campaigns/{code}/exclusions", dependencies=[CsrfChecked])
def set_exclusion(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    agency: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2100)] = "",
    action: Annotated[str, Form(max_length=10)] = "exclude",
) -> Response:
    lang = page_language(request)
    values = {"agency": agency, "reason": reason}

    def use_case(session: Session) -> str:
        campaign = get_campaign(session, code)
        row = session.exec(
            select(Submission, Agency)
            .join(Agency, col(Agency.id) == col(Submission.agency_id))
            .where(Agency.campaign_id == campaign.id, Agency.code == agency)
        ).first()
        if row is None:
            raise NotFound("agency.not_found", code=agency)
        submission, found_agency = row
        text = None if action == "include" else (reason or "")
        results.set_exclusion(session, rt, user, submission.id or 0, text)
        return found_agency.name

    if action != "include" and not agency:
        form = FormState(values=values, headline=t("web.form_invalid", lang))
        form.add("agency", t("web.choose_agency", lang))
        return _render(request, rt, user, code, {"exclude": form}, 422)
    try:
        name = run_write(rt, use_case)
    except (Invalid, Conflict) as exc:
        form = refused(exc, lang, values, {"reason", "agency"})
        if exc.key.startswith("results.reason"):
            form.add("reason", form.headline or "")
        return _render(request, rt, user, code, {"exclude": form}, exc.status)
    flash(request, "web.included" if action == "include" else "web.excluded", agency=name)
    return RedirectResponse(f"/campaigns/{code}/publication", status_code=303)
