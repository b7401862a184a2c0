"""What several benchmarks set up the same way: a throwaway database, and a campaign of N agencies.

Import it as `benchmarks.season_fixture`: a benchmark run as a script takes its own folder off
sys.path (benchmarks/transitions.py would shadow the `transitions` library) and puts the
repository root on it instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from parflow.clock import FixedClock
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.db import Database
from parflow.store.migrate import upgrade

CAMPAIGN_YAML = """\
code: {code}
title: {title}
index_year: 2021
workflow: par-index
milestones:
  self_assessment_due: 2022-01-14
  appraisal_due: {{from: publication, offset: -20}}
  approval_due: {{from: publication, offset: -3}}
  publication: 2022-03-28
agencies:
{agencies}
people:
  - {{name: Nội Vụ Một, email: ha1@bench.example, roles: [home_affairs]}}
  - {{name: Nội Vụ Hai, email: ha2@bench.example, roles: [home_affairs]}}
"""


@contextmanager
def scratch_database(base_url: str | None, sqlite_file: Path) -> Iterator[str]:
    """The URL of an empty database: `sqlite_file` when there is no `base_url`, else a new schema
    with a random name in the PostgreSQL database at `base_url`, dropped with everything in it on
    the way out."""
    if not base_url:
        yield f"sqlite:///{sqlite_file}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def write_campaign(folder: Path, agencies: int, *, code: str, title: str) -> Path:
    """A campaign folder whose campaign.yaml has `agencies` agencies (a00000, a00001, …), each with
    its focal point editor{i}@bench.example and its head head{i}@bench.example, and two Home
    Affairs people, ha1@ and ha2@bench.example."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(agencies):
        lines += [
            f"  - code: a{i:05d}",
            f"    name: Cơ quan {i}",
            "    group: department",
            f"    focal_point: {{name: Đầu mối {i}, email: editor{i}@bench.example}}",
            f"    head: {{name: Lãnh đạo {i}, email: head{i}@bench.example}}",
        ]
    text = CAMPAIGN_YAML.format(code=code, title=title, agencies="\n".join(lines))
    (folder / "campaign.yaml").write_text(text, encoding="utf-8")
    return folder


def load_season(url: str, work: Path, agencies: int, *, code: str, title: str, secret_key: str) -> Runtime:
    """Migrate the empty database at `url` and load the campaign of `write_campaign` into it (one
    submission per agency, in draft); the runtime's clock stands still at 2022-01-10 02:00 UTC."""
    db = Database(url)
    upgrade(db)
    settings = Settings(data_dir=work, database_url=url, secret_key=secret_key, _env_file=None)  # type: ignore[call-arg]
    rt = Runtime(settings=settings, db=db, clock=FixedClock(datetime(2022, 1, 10, 2, tzinfo=UTC)))
    data = read_campaign(write_campaign(work / "campaign", agencies, code=code, title=title), rt.workflows)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    return rt
