"""Liveness (`/healthz`) and readiness (`/readyz`): an instance on an unmigrated or older schema is
alive but not ready, and says which revision it has and which it needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from parflow.store.db import Database
from parflow.store.migrate import head_revision, upgrade
from parflow.web.app import create_app


@pytest.mark.both_backends
def test_migrated_database_is_alive_and_ready(client: TestClient, rt: Runtime) -> None:
    head = head_revision(rt.db)
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.json() | {"version": "-"} == {
        "status": "ok",
        "database": "ok",
        "version": "-",
        "schema_revision": head,
        "schema_expected": head,
        "schema_ready": True,
    }
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_unmigrated_database_is_alive_but_not_ready(rt: Runtime, tmp_path: Path) -> None:
    empty = Database(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    fresh = Runtime(settings=rt.settings, db=empty, clock=rt.clock)
    try:
        with TestClient(create_app(fresh)) as client:
            alive = client.get("/healthz")
            assert alive.status_code == 200
            assert alive.json()["schema_revision"] is None and alive.json()["schema_ready"] is False
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["detail"] == (
                f"the database schema is at revision none, this version needs {head_revision(empty)}: "
                "run `parflow db upgrade`"
            )
            # an older schema names its revision; after the upgrade the same instance is ready
            upgrade(empty, "0003")
            older = client.get("/readyz")
            assert older.status_code == 503 and "at revision 0003" in older.json()["detail"]
            upgrade(empty)
            assert client.get("/readyz").status_code == 200
    finally:
        empty.dispose()


def test_unreachable_database_is_neither(rt: Runtime) -> None:
    gone = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    broken = Runtime(settings=rt.settings, db=gone, clock=rt.clock)
    with TestClient(create_app(broken)) as client:
        alive = client.get("/healthz")
        assert alive.status_code == 503 and alive.json()["status"] == "error"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["detail"].startswith("the database cannot be reached")
