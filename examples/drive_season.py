#!/usr/bin/env python3
"""Drive a whole PAR Index season through parflow's HTTP API, the way the people involved would.

    .venv/bin/python examples/drive_season.py                      # against `parflow demo` on :8000
    .venv/bin/python examples/drive_season.py --base-url http://127.0.0.1:9000 --password ...
    .venv/bin/python examples/drive_season.py --in-process         # no server: its own database

Every agency scores its remaining leaves and submits; Home Affairs opens the appraisal; each council
member appraises the fields assigned to them (lowering some scores, with a reason); results are
sent; Sở Giao thông vận tải disputes one leaf with new evidence (accepted) and quận Ngô Quyền
another (rejected); Home Affairs imports the survey file, approves every submission once the
dispute windows have closed, publishes, and the script downloads the published `results.xlsx`.

The clock has to move: approval waits until each agency's dispute window (5 working days after the
results were sent) has closed. How the script moves it:
- against `parflow demo`: through the demo-only endpoint `POST /api/v1/demo/clock` (the demo lives
  on its own clock, which only moves forward);
- with `--in-process`: the app runs inside this script (FastAPI's TestClient) on a fixed clock in a
  fresh SQLite database in a temporary folder; this is the mode the test suite runs;
- against `parflow serve` (real time): the script stops before approval and says when the windows
  close; run it again after that date — every step looks at the current state first, so it resumes.

Values (self-scores, appraisals, survey) come from `parflow.demo_season`, deterministic per agency
and leaf, so two runs give the same published table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib import error, request
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "haiphong-2021"
HOME_AFFAIRS = "cchc.nhung@snv.haiphong.example"
DISPUTES = [  # (agency, leaf, the council's lowered score, outcome)
    ("sgtvt", "3.3.2", Decimal("0.75"), "accepted"),
    ("q-ngo-quyen", "3.3.3", Decimal("0.75"), "rejected"),
]


# --- a tiny HTTP client with the same calls as Starlette's TestClient ------------------------------


@dataclass
class Reply:
    status_code: int
    content: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.content.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class Http:
    """urllib only, so the script runs wherever parflow is installed (no test extras needed)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def request(self, method: str, path: str, *, json_body: Any = None, data: dict | None = None,
                files: dict | None = None, headers: dict | None = None) -> Reply:  # fmt: skip
        head = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            head["Content-Type"] = "application/json"
        elif files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (data or {}).items():
                disposition = f'Content-Disposition: form-data; name="{name}"'
                parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
            for name, (filename, content, media_type) in files.items():
                disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
                parts.append(
                    f"--{boundary}\r\n{disposition}\r\nContent-Type: {media_type}\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            head["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urlencode(data).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        req = request.Request(self.base + path, data=body, headers=head, method=method)
        try:
            with request.urlopen(req, timeout=60) as resp:
                return Reply(resp.status, resp.read(), dict(resp.headers))
        except error.HTTPError as exc:
            return Reply(exc.code, exc.read(), dict(exc.headers))

    def get(self, path: str, headers: dict | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, json: Any = None, data: dict | None = None, files: dict | None = None,
             headers: dict | None = None) -> Reply:  # fmt: skip
        return self.request("POST", path, json_body=json, data=data, files=files, headers=headers)

    def put(self, path: str, json: Any = None, headers: dict | None = None) -> Reply:
        return self.request("PUT", path, json_body=json, headers=headers)


class Stop(Exception):
    """The season cannot go further now (e.g. waiting for the dispute windows to close)."""


# --- the season ----------------------------------------------------------------------------------


class Season:
    def __init__(
        self, client: Any, campaign: str, password: str, clock: Any = None, log: Any = print
    ) -> None:
        self.client = client
        self.campaign = campaign
        self.password = password
        self.clock = clock  # in-process: the FixedClock; otherwise None (use the demo endpoint)
        self.log = log
        self.tokens: dict[str, str] = {}

    # HTTP with sign-in; a token that expired while the clock moved is renewed once
    def call(self, method: str, who: str, path: str, **kw: Any) -> Any:
        for attempt in (1, 2):
            if who not in self.tokens:
                r = self.client.post("/api/v1/auth/token", data={"username": who, "password": self.password})
                if r.status_code != 200:
                    raise SystemExit(f"cannot sign in as {who}: {r.status_code} {r.text}")
                self.tokens[who] = r.json()["access_token"]
            headers = {"Authorization": f"Bearer {self.tokens[who]}", "Accept-Language": "en"}
            r = getattr(self.client, method)(path, headers=headers, **kw)
            if r.status_code == 401 and attempt == 1:
                self.tokens.pop(who)
                continue
            return r
        raise AssertionError("unreachable")

    def ok(self, r: Any, *expected: int) -> Any:
        if r.status_code not in (expected or (200,)):
            raise SystemExit(f"unexpected {r.status_code}: {r.text}")
        return r.json() if r.content else None

    def submissions(self) -> list[dict]:
        return self.ok(self.call("get", HOME_AFFAIRS, f"/api/v1/campaigns/{self.campaign}/submissions"))

    def sheet(self, who: str, sid: int) -> dict:
        return self.ok(self.call("get", who, f"/api/v1/submissions/{sid}/scores"))

    def fire(self, who: str, sid: int, trigger: str, comment: str | None = None) -> None:
        self.ok(
            self.call("post", who, f"/api/v1/submissions/{sid}/events/{trigger}", json={"comment": comment})
        )

    # 1. self-assessment
    def self_assess(self) -> None:
        from parflow import demo_season as ds

        count = 0
        for sub in self.submissions():
            if sub["state"] != "draft":
                continue
            code = sub["agency"]["code"]
            focal = f"dau-moi.{code}@haiphong.example"
            sheet = self.sheet(focal, sub["id"])
            todo = [
                {
                    "criterion": n["code"],
                    "score": str(ds.self_score(code, n["code"], Decimal(n["max"]))),
                    "explanation": "Đơn vị đã thực hiện; tài liệu: "
                    + (n["evidence_required"] or "").rstrip("."),
                }
                for n in sheet["nodes"]
                if n["is_leaf"]
                and n["scored_by"] == "agency"
                and not (n["score"] and n["score"]["self_score"])
            ]
            if todo:
                self.ok(
                    self.call("put", focal, f"/api/v1/submissions/{sub['id']}/scores", json={"scores": todo})
                )
            self.fire(focal, sub["id"], "submit")
            count += 1
        self.log(f"self-assessment: {count} agencies scored their remaining leaves and submitted")

    # 2. appraisal
    def appraise(self) -> None:
        from parflow import demo_season as ds

        for sub in self.submissions():
            if sub["state"] == "self_scored":
                self.fire(HOME_AFFAIRS, sub["id"], "start_appraisal")
        progress = self.ok(
            self.call("get", HOME_AFFAIRS, f"/api/v1/campaigns/{self.campaign}/appraisal-progress")
        )
        lowered = {(a, leaf): score for a, leaf, score, _ in DISPUTES}
        adjusted = 0
        waiting = [s for s in self.submissions() if s["state"] == "under_appraisal"]
        for sub in waiting:
            detail = self.ok(self.call("get", HOME_AFFAIRS, f"/api/v1/submissions/{sub['id']}"))
            if detail["results_sent_at"]:
                continue
            code = sub["agency"]["code"]
            sheet = self.sheet(HOME_AFFAIRS, sub["id"])  # one read; each member takes their fields
            for member in progress["members"]:
                items = []
                for n in sheet["nodes"]:
                    if not n["is_leaf"] or n["scored_by"] != "agency" or n["field"] not in member["fields"]:
                        continue
                    own = Decimal(n["score"]["self_score"])
                    if (code, n["code"]) in lowered:
                        score = lowered[(code, n["code"])]
                        comment = "Tỷ lệ hồ sơ đúng hạn trên hệ thống thấp hơn số tự chấm."
                    else:
                        result = ds.appraised(code, n["code"], Decimal(n["max"]), own)
                        score, comment = result.score, result.comment
                    adjusted += score != own
                    items.append({"criterion": n["code"], "score": str(score), "comment": comment})
                if items:
                    path = f"/api/v1/submissions/{sub['id']}/appraisals"
                    self.ok(self.call("put", member["email"], path, json={"appraisals": items}))
            self.fire(HOME_AFFAIRS, sub["id"], "send_results")
        self.log(f"appraisal: {len(waiting)} submissions appraised ({adjusted} scores lowered), results sent")

    # 3. disputes
    def dispute(self) -> None:
        from parflow import demo_season as ds
        from parflow.store.models import Criterion

        by_code = {s["agency"]["code"]: s for s in self.submissions()}
        for code, leaf, _, outcome in DISPUTES:
            sub = by_code[code]
            if sub["state"] != "under_appraisal":
                continue
            head = f"lanh-dao.{code}@haiphong.example"
            existing = self.ok(self.call("get", head, f"/api/v1/submissions/{sub['id']}/disputes"))
            if any(d["criterion"] == leaf for d in existing):
                continue
            pdf = ds.evidence_pdf(sub["agency"]["name"], Criterion(code=leaf, title_vi=leaf))  # type: ignore[call-arg]
            evidence = self.ok(
                self.call(
                    "post",
                    f"dau-moi.{code}@haiphong.example",
                    f"/api/v1/submissions/{sub['id']}/evidence",
                    data={"criterion": leaf, "title": "Báo cáo đối soát số liệu hồ sơ đúng hạn"},
                    files={"file": (f"doi-soat-{leaf}.pdf", pdf, "application/pdf")},
                ),
                201,
            )
            filed = self.ok(
                self.call(
                    "post",
                    head,
                    f"/api/v1/submissions/{sub['id']}/disputes",
                    json={
                        "disputes": [
                            {
                                "criterion": leaf,
                                "argument": "Số liệu đối soát với hệ thống giải quyết TTHC: đạt trên 98%.",
                                "evidence_id": evidence["id"],
                            }
                        ]
                    },
                ),
                201,
            )
            dispute = filed["disputes"][0]
            body: dict[str, Any] = {"outcome": outcome}
            if outcome == "accepted":
                body["score"] = "1.50"
                body["reason"] = "Tài liệu đối soát đủ căn cứ; chấp nhận điểm tự chấm."
            else:
                body["reason"] = "Số liệu trên hệ thống của thành phố là 96,5%; giữ nguyên điểm thẩm định."
            resolved = self.ok(
                self.call(
                    "post",
                    dispute["owner"]["email"],
                    f"/api/v1/disputes/{dispute['id']}/resolution",
                    json=body,
                )
            )
            owner = dispute["owner"]["name"]
            self.log(f"dispute: {code} {leaf} {outcome} by {owner} → {resolved['submission_state']}")

    # 4. survey
    def survey(self) -> None:
        data = (EXAMPLE / "survey-2021.csv").read_bytes()
        report = self.ok(
            self.call(
                "post",
                HOME_AFFAIRS,
                f"/api/v1/campaigns/{self.campaign}/survey",
                files={"file": ("survey-2021.csv", data, "text/csv")},
            )
        )
        self.log(f"survey: results imported for {len(report['agencies'])} agencies")

    # 5. wait for the dispute windows, approve, publish
    def approve(self) -> None:
        subs = [s for s in self.submissions() if s["state"] == "under_appraisal"]
        last_close = None
        for sub in subs:
            r = self.call("post", HOME_AFFAIRS, f"/api/v1/submissions/{sub['id']}/events/approve")
            if r.status_code == 200:
                continue
            unmet = [e for e in r.json().get("errors") or [] if e["code"] == "dispute_window_still_open"]
            if not unmet:
                raise SystemExit(f"cannot approve {sub['agency']['code']}: {r.text}")
            last_close = unmet[0]["message"]
            self.move_clock()
            self.ok(self.call("post", HOME_AFFAIRS, f"/api/v1/submissions/{sub['id']}/events/approve"))
        self.log(
            f"approval: {len(subs)} submissions approved"
            + (f" (after waiting: {last_close})" if last_close else "")
        )

    def move_clock(self) -> None:
        """Past every dispute window: the campaign's window plus one working day."""
        days = 6
        if self.clock is not None:
            from parflow.domain.calendar import WorkingCalendar

            calendar = WorkingCalendar()
            now = self.clock.now()
            self.clock.set(calendar.end_of_day(calendar.add_working_days(calendar.local_date(now), days)))
            return
        r = self.call("post", HOME_AFFAIRS, "/api/v1/demo/clock", json={"working_days": days})
        if r.status_code == 404:
            raise Stop(
                "the dispute windows are still open and this server's clock is real time: "
                "run this script again once they have closed (it resumes where it stopped)"
            )
        self.log(f"clock: moved to {self.ok(r)['local']}")

    def publish(self, out: Path) -> Path:
        self.ok(
            self.call(
                "post",
                HOME_AFFAIRS,
                f"/api/v1/campaigns/{self.campaign}/publish",
                json={"comment": "Quyết định 903/QĐ-UBND"},
            )
        )
        results = self.ok(self.client.get(f"/api/v1/campaigns/{self.campaign}/results"))
        for group in results["groups"]:
            best = group["rows"][0]
            self.log(f"published: {group['label']['vi']}: first {best['agency']['name']} {best['total']}")
        xlsx = self.client.get(f"/api/v1/campaigns/{self.campaign}/results.xlsx")
        if xlsx.status_code != 200:
            raise SystemExit(f"cannot download results.xlsx: {xlsx.status_code}")
        out.write_bytes(xlsx.content)
        from openpyxl import load_workbook

        sheets = load_workbook(out, read_only=True).sheetnames
        self.log(f"results: {out} ({len(xlsx.content)} bytes; sheets: {', '.join(sheets)})")
        return out

    def run(self, out: Path) -> Path | None:
        try:
            published = self.client.get(f"/api/v1/campaigns/{self.campaign}/results")
            if published.status_code != 200:
                self.self_assess()
                self.appraise()
                self.dispute()
                if any(s["sipas_percent"] is None for s in self._survey_state()):
                    self.survey()
                self.approve()
                return self.publish(out)
            self.log("the campaign is already published; downloading the results")
            xlsx = self.client.get(f"/api/v1/campaigns/{self.campaign}/results.xlsx")
            out.write_bytes(xlsx.content)
            return out
        except Stop as stop:
            self.log(f"stopped: {stop}")
            return None

    def _survey_state(self) -> list[dict]:
        preview = self.ok(
            self.call("get", HOME_AFFAIRS, f"/api/v1/campaigns/{self.campaign}/results/preview")
        )
        return [row for g in preview["groups"] for row in g["rows"]]


# --- running it ----------------------------------------------------------------------------------


def in_process(password: str):  # type: ignore[no-untyped-def]
    """The app inside this process on a fixed clock, with a fresh database of its own."""
    from pwdlib.hashers.argon2 import Argon2Hasher
    from sqlmodel import select
    from starlette.testclient import TestClient

    from parflow.clock import FixedClock
    from parflow.services.campaigns.input import read_campaign
    from parflow.services.campaigns.load import load_campaign
    from parflow.services.common.runtime import Runtime
    from parflow.settings import Settings
    from parflow.store.db import Database
    from parflow.store.migrate import upgrade
    from parflow.store.models import Person
    from parflow.web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="parflow-season-"))
    settings = Settings(data_dir=folder, secret_key="drive-season-" + uuid.uuid4().hex * 2, _env_file=None)  # type: ignore[call-arg]
    db = Database(settings.effective_database_url)
    upgrade(db)
    bootstrap = Runtime(settings=settings, db=db)
    data = read_campaign(EXAMPLE, bootstrap.workflows)
    assert data.spec.demo is not None and data.spec.demo.as_of is not None
    clock = FixedClock(data.spec.demo.as_of)
    rt = Runtime(settings=settings, db=db, clock=clock)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    # This throwaway database signs in some 40 people: light argon2 parameters keep that to
    # milliseconds (sign-in still verifies argon2id; real installations use the recommended ones).
    hashed = Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(password)

    def passwords(session) -> None:  # type: ignore[no-untyped-def]
        for person in session.exec(select(Person)):
            person.password_hash = hashed
            session.add(person)

    rt.db.run(passwords)
    return TestClient(create_app(rt)), clock, data.spec.code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default="haiphong2021", help="the password of every account (demo)")
    parser.add_argument("--campaign", default="haiphong-2021")
    parser.add_argument("--out", type=Path, default=Path("results-haiphong-2021.xlsx"))
    parser.add_argument("--in-process", action="store_true", help="run the app inside this script")
    args = parser.parse_args(argv)
    if args.in_process:
        client, clock, campaign = in_process(args.password)
        with client:
            done = Season(client, campaign, args.password, clock).run(args.out)
    else:
        done = Season(Http(args.base_url), args.campaign, args.password).run(args.out)
    return 0 if done else 3


if __name__ == "__main__":
    sys.exit(main())
