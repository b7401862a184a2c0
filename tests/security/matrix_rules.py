"""The authorisation table: for every route of the application, what each actor gets.

A rule is one or more cases; a case names the submission it acts on (see `world.py`), the path
parameters and body to send, and the status each actor must receive. `expect()` fills in the
usual refusals, so a rule only spells out who is let in and the exceptions:

- anonymous: 401 on the API, a redirect to the sign-in page (303) on pages;
- people of another agency: 404 for anything of a submission (they cannot tell it exists), 403 for
  campaign-wide acts they are not allowed (they take part in the campaign);
- council members: 404 for a submission still in self-assessment (they see it from appraisal on);
- everybody else who is signed in but lacks the role: 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.databases import EXAMPLE

ACTORS = (
    "anonymous",
    "editor_own",
    "head_own",
    "editor_other",
    "head_other",
    "council_in",
    "council_out",
    "home_affairs",
    "city_leader",
    "viewer",
)
EVERYONE = ACTORS
SIGNED_IN = ACTORS[1:]
OWN = ("editor_own", "head_own")
CAMPAIGN_READERS = ("home_affairs", "city_leader", "viewer")
SUBMISSION_READERS = (*OWN, *CAMPAIGN_READERS)
COUNCIL = ("council_in", "council_out")
AGENCY_PEOPLE = ("editor_own", "head_own", "editor_other", "head_other")
PAGE_POSTS = dict.fromkeys(SIGNED_IN, 303)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SURVEY = (EXAMPLE / "survey-2021.csv").read_bytes()


@dataclass(frozen=True)
class Case:
    target: str  # draft | appraisal | results | disputed | campaign
    expect: dict[str, int]
    allowed: tuple[str, ...] = ACTORS  # everybody else must leave the database as it was
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    note: str = ""


def expect(
    target: str,
    ok: int,
    allowed: tuple[str, ...],
    *,
    page: bool = False,
    post: bool = False,
    **overrides: int,
) -> dict[str, int]:
    result = {}
    for actor in ACTORS:
        if actor in allowed:
            result[actor] = ok
        elif actor == "anonymous":
            result[actor] = (403 if post else 303) if page else 401
        elif (actor.endswith("_other") and target != "campaign") or (actor in COUNCIL and target == "draft"):
            result[actor] = 404
        else:
            result[actor] = 403
    result.update(overrides)
    return result


def case(
    target: str, ok: int, allowed: tuple[str, ...], *, overrides: dict[str, int] | None = None, **kw: Any
) -> Case:
    page = kw.pop("page", False)
    post = kw.pop("post", False)
    return Case(target, expect(target, ok, allowed, page=page, post=post, **(overrides or {})), allowed, **kw)


def api(target: str, ok: int, allowed: tuple[str, ...], **kw: Any) -> list[Case]:
    return [case(target, ok, allowed, **kw)]


def page(target: str, ok: int, allowed: tuple[str, ...], **kw: Any) -> list[Case]:
    return [case(target, ok, allowed, page=True, **kw)]


def form(target: str, ok: int, allowed: tuple[str, ...], **kw: Any) -> list[Case]:
    return [case(target, ok, allowed, page=True, post=True, **kw)]


def everyone(status: int, target: str = "campaign", **kw: Any) -> list[Case]:
    return [Case(target, dict.fromkeys(ACTORS, status), **kw)]


SCORE = {"score": "0.5", "explanation": "Giải trình: đã ban hành kế hoạch."}
APPRAISE = {"score": "0.5", "comment": "Đủ tài liệu."}
EXTENSION = {
    "agency": "sgtvt",
    "milestone": "self_assessment_due",
    "new_date": "2022-01-28",
    "reason": "Sự cố mất điện kéo dài.",
}

RULES: dict[tuple[str, str], list[Case]] = {
    # --- public -----------------------------------------------------------------------------------
    ("GET", "/healthz"): everyone(200),
    ("GET", "/readyz"): everyone(200),
    ("GET", "/openapi.json"): everyone(200),
    ("GET", "/docs"): everyone(200),
    ("GET", "/docs/oauth2-redirect"): everyone(200),
    ("GET", "/redoc"): everyone(200),
    ("POST", "/api/v1/auth/token"): everyone(200, form={"username": "giam-sat.ngan@haiphong.example"}),
    # for the monitoring system, not for people: only the machine itself (or PARFLOW_METRICS_TOKEN);
    # the test client does not call from the loopback address
    ("GET", "/metrics"): everyone(403),
    ("GET", "/api/v1/auth/me"): api("campaign", 200, SIGNED_IN),
    ("GET", "/api/v1/campaigns"): everyone(200),
    # an unpublished campaign does not exist for outsiders
    ("GET", "/api/v1/campaigns/{code}"): api("campaign", 200, SIGNED_IN, overrides={"anonymous": 404}),
    ("GET", "/api/v1/campaigns/{code}/submissions"): api("campaign", 200, SIGNED_IN),
    # --- one submission ---------------------------------------------------------------------------
    ("GET", "/api/v1/submissions/{submission_id}"): [
        *api("draft", 200, SUBMISSION_READERS),
        *api("appraisal", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ],
    ("GET", "/api/v1/submissions/{submission_id}/history"): [
        *api("draft", 200, SUBMISSION_READERS),
        *api("disputed", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ],
    ("POST", "/api/v1/submissions/{submission_id}/events/{trigger}"): [
        *api("draft", 200, OWN, params={"trigger": "submit"}, json={"comment": "Trình."}),
        # allowed, but refused on its merits (422): nothing is appraised yet
        *api("appraisal", 422, ("home_affairs", *COUNCIL), params={"trigger": "send_results"}),
    ],
    ("GET", "/api/v1/submissions/{submission_id}/notifications"): api("draft", 200, SUBMISSION_READERS),
    ("GET", "/api/v1/submissions/{submission_id}/scores"): [
        *api("draft", 200, SUBMISSION_READERS),
        *api("appraisal", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ],
    ("PUT", "/api/v1/submissions/{submission_id}/scores/{criterion}"): api(
        "draft", 200, OWN, params={"criterion": "1.1.1"}, json=SCORE
    ),
    ("PUT", "/api/v1/submissions/{submission_id}/scores"): api(
        "draft", 200, OWN, json={"scores": [{"criterion": "1.1.1", **SCORE}]}
    ),
    ("PUT", "/api/v1/submissions/{submission_id}/appraisals/{criterion}"): api(
        "appraisal", 200, ("council_in",), params={"criterion": "1.1.1"}, json=APPRAISE
    ),
    ("PUT", "/api/v1/submissions/{submission_id}/appraisals"): api(
        "appraisal", 200, ("council_in",), json={"appraisals": [{"criterion": "1.1.1", **APPRAISE}]}
    ),
    ("GET", "/api/v1/submissions/{submission_id}/disputes"): api(
        "disputed", 200, (*SUBMISSION_READERS, *COUNCIL)
    ),
    ("POST", "/api/v1/submissions/{submission_id}/disputes"): api(
        "results",
        201,
        OWN,
        json={"disputes": [{"criterion": "1.1.3", "argument": "Đã hoàn thành 100% kế hoạch năm."}]},
    ),
    ("POST", "/api/v1/submissions/{submission_id}/exclusion"): api(
        "draft", 200, ("home_affairs",), json={"reason": "Sáp nhập vào sở khác."}
    ),
    ("DELETE", "/api/v1/submissions/{submission_id}/exclusion"): api("draft", 200, ("home_affairs",)),
    ("POST", "/api/v1/submissions/{submission_id}/evidence"): [
        *api(
            "draft",
            201,
            OWN,
            form={"criterion": "1.1.2"},
            files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
        ),
        *api("draft", 201, OWN, json={"criterion": "1.1.2", "url": "https://haiphong.gov.vn/kh-45"}),
    ],
    ("GET", "/api/v1/submissions/{submission_id}/evidence"): api("draft", 200, SUBMISSION_READERS),
    ("GET", "/api/v1/submissions/{submission_id}/evidence/{evidence_id}"): api(
        "draft", 200, SUBMISSION_READERS
    ),
    ("DELETE", "/api/v1/submissions/{submission_id}/evidence/{evidence_id}"): api("draft", 204, OWN),
    # --- disputes ---------------------------------------------------------------------------------
    ("GET", "/api/v1/disputes/{dispute_id}"): api("disputed", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ("POST", "/api/v1/disputes/{dispute_id}/resolution"): api(
        "disputed",
        200,
        ("council_in", "home_affairs"),
        json={"outcome": "rejected", "reason": "Tài liệu không chứng minh được."},
    ),
    # --- campaign-wide ----------------------------------------------------------------------------
    ("POST", "/api/v1/campaigns/{code}/extensions"): api("campaign", 201, ("home_affairs",), json=EXTENSION),
    # remind now: Home Affairs only; city leaders and observers see the board but may not remind
    ("POST", "/api/v1/campaigns/{code}/reminders"): api(
        "campaign", 201, ("home_affairs",), json={"agencies": ["sgtvt"], "message": "Đề nghị gửi sớm."}
    ),
    ("PUT", "/api/v1/campaigns/{code}/milestones/{key}"): api(
        "campaign",
        200,
        ("home_affairs",),
        params={"key": "publication"},
        json={"due_date": "2022-04-04", "reason": "Lùi lịch công bố."},
    ),
    ("GET", "/api/v1/campaigns/{code}/calendar.ics"): api("campaign", 200, SIGNED_IN),
    # the feed's unguessable token is the credential: anyone holding the link reads it
    ("GET", "/api/v1/calendar/{token}.ics"): everyone(200),
    ("GET", "/api/v1/campaigns/{code}/notifications"): api("campaign", 200, ("home_affairs", "city_leader")),
    ("POST", "/api/v1/campaigns/{code}/survey"): api(
        "campaign", 200, ("home_affairs",), files={"file": ("survey.csv", SURVEY, "text/csv")}
    ),
    ("GET", "/api/v1/campaigns/{code}/appraisal-progress"): api("campaign", 200, CAMPAIGN_READERS),
    ("GET", "/api/v1/campaigns/{code}/disputes"): api("campaign", 200, SIGNED_IN),
    ("GET", "/api/v1/campaigns/{code}/results/preview"): api("campaign", 200, CAMPAIGN_READERS),
    # allowed, but refused on its merits: not every submission is approved
    ("POST", "/api/v1/campaigns/{code}/publish"): api("campaign", 422, ("home_affairs", "city_leader")),
    # public once published, 404 for everybody before
    ("GET", "/api/v1/campaigns/{code}/results"): everyone(404),
    ("GET", "/api/v1/campaigns/{code}/results.csv"): everyone(404),
    ("GET", "/api/v1/campaigns/{code}/results.xlsx"): everyone(404),
    ("GET", "/api/v1/campaigns/{code}/results.docx"): everyone(404),
    # only under `parflow demo`: absent here, for everybody signed in
    ("GET", "/api/v1/demo/clock"): api("campaign", 404, SIGNED_IN),
    ("POST", "/api/v1/demo/clock"): api("campaign", 404, SIGNED_IN, json={"working_days": 1}),
    ("GET", "/demo/mail"): everyone(404),
    ("GET", "/demo/mail/{mail_id}"): everyone(404),
    ("GET", "/demo/mail/{mail_id}/body.html"): everyone(404),
    ("GET", "/demo/mail/{mail_id}/raw"): everyone(404),
    # --- pages ------------------------------------------------------------------------------------
    ("GET", "/"): everyone(200),
    # signed-in people are sent on to where they were going
    ("GET", "/login"): [Case("campaign", {**dict.fromkeys(SIGNED_IN, 303), "anonymous": 200})],
    # without a session there is no CSRF token to match: the anonymous post is refused (403)
    ("POST", "/login"): [
        Case("campaign", {**PAGE_POSTS, "anonymous": 403}, form={"email": "giam-sat.ngan@haiphong.example"})
    ],
    ("POST", "/logout"): [Case("campaign", {**PAGE_POSTS, "anonymous": 403}, form={})],
    ("POST", "/language"): [Case("campaign", {**PAGE_POSTS, "anonymous": 403}, form={"language": "en"})],
    ("GET", "/results"): everyone(200),
    ("GET", "/results/{code}"): everyone(307),
    ("GET", "/campaigns/{code}/results"): everyone(404),
    ("GET", "/campaigns/{code}/results/agencies/{agency}"): everyone(404),
    ("GET", "/campaigns/{code}"): page("campaign", 200, SIGNED_IN),
    ("GET", "/campaigns/{code}/board"): page("campaign", 200, CAMPAIGN_READERS),
    ("GET", "/campaigns/{code}/board.{extension}"): [
        *page("campaign", 200, CAMPAIGN_READERS, params={"extension": "csv"}),
        *page("campaign", 200, CAMPAIGN_READERS, params={"extension": "xlsx"}),
    ],
    ("POST", "/campaigns/{code}/board/remind"): form(
        "campaign", 303, ("home_affairs",), form={"agency": "sgtvt", "message": "Đề nghị gửi sớm."}
    ),
    # an agency's people are sent to their own submission; people without one are told so (404)
    ("GET", "/campaigns/{code}/mine"): page(
        "campaign", 303, AGENCY_PEOPLE, overrides=dict.fromkeys((*COUNCIL, *CAMPAIGN_READERS), 404)
    ),
    ("GET", "/campaigns/{code}/council"): page("campaign", 200, COUNCIL),
    ("GET", "/campaigns/{code}/publication"): page("campaign", 200, ("home_affairs", "city_leader")),
    ("GET", "/campaigns/{code}/notifications"): page("campaign", 200, ("home_affairs", "city_leader")),
    ("GET", "/campaigns/{code}/workflow"): page("campaign", 200, SIGNED_IN),
    ("POST", "/campaigns/{code}/milestones"): form(
        "campaign",
        303,
        ("home_affairs",),
        form={"milestone": "publication", "new_date": "04/04/2022", "reason": "Lùi lịch."},
    ),
    ("POST", "/campaigns/{code}/extensions"): form(
        "campaign", 303, ("home_affairs",), form={**EXTENSION, "new_date": "28/01/2022"}
    ),
    # multipart: the CSRF token is read from the stream after the sign-in check
    ("POST", "/campaigns/{code}/survey"): form(
        "campaign",
        303,
        ("home_affairs",),
        form={},
        files={"file": ("survey.csv", SURVEY, "text/csv")},
        overrides={"anonymous": 303},
    ),
    # allowed, but nothing is ready to approve (422)
    ("POST", "/campaigns/{code}/approve"): form(
        "campaign", 422, ("home_affairs", "city_leader"), form={"confirm": "1"}
    ),
    ("POST", "/campaigns/{code}/publish"): form(
        "campaign", 422, ("home_affairs", "city_leader"), form={"confirm": "1"}
    ),
    ("POST", "/campaigns/{code}/exclusions"): form(
        "campaign",
        303,
        ("home_affairs",),
        form={"agency": "sgtvt", "reason": "Sáp nhập."},
        # the submission named is one they cannot see
        overrides=dict.fromkeys(("editor_other", "head_other", *COUNCIL), 404),
    ),
    ("GET", "/submissions/{submission_id}"): [
        *page("draft", 200, SUBMISSION_READERS),
        *page("appraisal", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ],
    ("GET", "/submissions/{submission_id}/events/{trigger}"): page(
        "draft", 200, OWN, params={"trigger": "submit"}
    ),
    ("POST", "/submissions/{submission_id}/events/{trigger}"): form(
        "draft", 303, OWN, params={"trigger": "submit"}, form={"comment": "Trình."}
    ),
    ("GET", "/submissions/{submission_id}/self-assessment"): page("draft", 200, OWN),
    ("POST", "/submissions/{submission_id}/self-assessment"): form(
        "draft", 303, OWN, form={"score-1.1.1": "0,5", "explanation-1.1.1": "Giải trình."}
    ),
    ("GET", "/submissions/{submission_id}/evidence/new"): page("draft", 200, OWN),
    ("POST", "/submissions/{submission_id}/evidence"): form(
        "draft",
        303,
        OWN,
        form={"criterion": "1.1.2"},
        files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
        overrides={"anonymous": 303},
    ),
    ("GET", "/submissions/{submission_id}/evidence/{evidence_id}"): page("draft", 200, SUBMISSION_READERS),
    ("POST", "/submissions/{submission_id}/evidence/{evidence_id}/remove"): form("draft", 303, OWN, form={}),
    # every council member has a form (with the leaves of their own fields)
    ("GET", "/submissions/{submission_id}/appraisal"): page("appraisal", 200, COUNCIL),
    ("POST", "/submissions/{submission_id}/appraisal"): form(
        "appraisal",
        303,
        ("council_in",),
        form={"appraised-1.1.1": "0,5", "comment-1.1.1": "Đủ."},
        # a leaf outside their fields is not on their form: ignored, "nothing changed", nothing saved
        overrides={"council_out": 303},
    ),
    # paper (issue 15): whoever sees the submission may print it; only the agency attaches the scan
    ("GET", "/submissions/{submission_id}/self-assessment/report"): [
        *page("draft", 200, SUBMISSION_READERS),
        *page("appraisal", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ],
    ("GET", "/submissions/{submission_id}/self-assessment/report.docx"): page(
        "draft", 200, SUBMISSION_READERS
    ),
    ("GET", "/submissions/{submission_id}/appraisal/report"): page(
        "appraisal", 200, (*SUBMISSION_READERS, *COUNCIL)
    ),
    ("GET", "/submissions/{submission_id}/appraisal/report.docx"): page(
        "appraisal", 200, (*SUBMISSION_READERS, *COUNCIL)
    ),
    ("POST", "/submissions/{submission_id}/self-assessment/signed"): form(
        "draft",
        303,
        OWN,
        form={},
        files={"file": ("bao-cao-da-ky.pdf", PDF, "application/pdf")},
        overrides={"anonymous": 303},
    ),
    # no scan attached in the prepared world: 404 for everyone who may see the submission
    ("GET", "/submissions/{submission_id}/self-assessment/signed"): page("draft", 404, SUBMISSION_READERS),
    ("GET", "/submissions/{submission_id}/disputes"): page("results", 200, OWN),
    ("POST", "/submissions/{submission_id}/disputes"): form(
        "results", 303, OWN, form={"leaf": "1.1.3", "argument-1.1.3": "Đã hoàn thành 100% kế hoạch năm."}
    ),
    ("GET", "/disputes/{dispute_id}"): page("disputed", 200, (*SUBMISSION_READERS, *COUNCIL)),
    ("POST", "/disputes/{dispute_id}/resolve"): form(
        "disputed",
        303,
        ("council_in", "home_affairs"),
        form={"outcome": "rejected", "reason": "Tài liệu không chứng minh được."},
    ),
}

# static file mounts (Starlette's own), not endpoints of ours: the stylesheet and script of the
# pages, and the Swagger UI / ReDoc files of the API documentation
IGNORED = {("GET", "/static"), ("GET", "/docs-assets")}
