"""The backup and restore runbook of docs/operations.md, followed as written on PostgreSQL:
deploy/backup.sh (pg_dump + the evidence files), then deploy/restore-check.sh restores both into a
fresh database and runs `parflow audit verify` on every campaign."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from parflow.settings import PROJECT_ROOT
from tests.support.databases import FIXTURES, TEST_SECRET

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PARFLOW_BIN = Path(sys.executable).with_name("parflow")


@pytest.fixture
def installation(pg_server_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A live installation of its own: a fresh PostgreSQL database and data directory."""
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("the PostgreSQL client programs (pg_dump, pg_restore, psql) are not installed")
    name = f"parflow_runbook_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")},
        "PARFLOW_DATABASE_URL": url,
        "PARFLOW_DATA_DIR": str(tmp_path / "data"),
        "PARFLOW_SECRET_KEY": TEST_SECRET,
        "PARFLOW_BIN": str(PARFLOW_BIN),
    }
    try:
        yield env
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def sh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)


def test_backup_then_restore_check(installation: dict[str, str], pg_server_url: str, tmp_path: Path) -> None:
    env = installation
    for step in (["db", "upgrade"], ["campaign", "load", str(FIXTURES / "mini")]):
        done = sh(env, str(PARFLOW_BIN), *step)
        assert done.returncode == 0, done.stderr
    evidence = Path(env["PARFLOW_DATA_DIR"]) / "evidence" / "ab" / "abcdef"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"a scanned decision")

    backup = sh(env, "deploy/backup.sh", str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    dump, data = (Path(p) for p in backup.stdout.split())
    assert dump.name.endswith(".dump") and data.name.endswith(".tar.gz")
    for made in (dump, data):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600  # password hashes, evidence: owner only

    server = make_url(pg_server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    checked = sh(env, "deploy/restore-check.sh", str(dump), str(data), server)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "audit chain of mini-2021: " in checked.stdout and "entries intact" in checked.stdout
    assert checked.stdout.strip().endswith("1 campaign(s) restored and verified; evidence files: 1")
    # the scratch database is gone again
    admin = sa.create_engine(pg_server_url)
    with admin.connect() as conn:
        left = conn.execute(
            sa.text("SELECT count(*) FROM pg_database WHERE datname LIKE 'parflow_restore_check_%'")
        )
        assert left.scalar_one() == 0
    admin.dispose()
