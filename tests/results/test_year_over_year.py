"""A campaign names the year before (`previous_campaign` in its YAML): its results are compared
with that campaign's published ones, and an agency's history follows the chain back to the figures
imported where it stops. Folders written before these keys load as before (same digest)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from sqlmodel import select

from parflow.services.campaigns.input import read_campaign
from parflow.services.results import previous
from parflow.services.results import service as results
from parflow.store.models import Campaign
from tests.results.published import publish
from tests.support.databases import EXAMPLE, FIXTURES, load_fixture_campaign
from tests.support.lifecycle import principal
from tests.support.people import HOME_AFFAIRS


def _next_year(tmp_path: Path) -> Path:
    folder = tmp_path / "haiphong-2022"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    text = text.replace("code: haiphong-2021", "code: haiphong-2022").replace(
        "index_year: 2021", "index_year: 2022"
    )
    text = text.replace("# previous_campaign: haiphong-2020", "previous_campaign: haiphong-2021")
    (folder / "campaign.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_named_campaign_is_compared_with_and_the_history_follows_the_chain(
    rt, campaign, password_hash, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign)  # 2021, compared with the imported (illustrative) 2020 figures
    later = load_fixture_campaign(rt, _next_year(tmp_path), password_hash)
    ha = principal(rt, HOME_AFFAIRS)
    with rt.db.read() as session:
        payload = results.preview(session, rt, ha, later)
        assert payload["previous"] == {
            "index_year": 2021,
            "campaign": campaign,
            "source": "campaign",
            "note": None,
        }
        before = results.published(session, campaign)
        ranked_2021 = {r["agency"]["code"]: r for g in before["groups"] for r in g["rows"]}
        rows = {r["agency"]["code"]: r for g in payload["groups"] for r in g["rows"]}
        # nothing is scored yet in 2022: every agency ranked in 2021 has lost its whole total
        for code, row in ranked_2021.items():
            assert rows[code]["change"]["total"] == f"{-float(row['total']):.2f}"
        assert rows["stp"]["change"] is None  # not ranked in 2021
        chain = previous.history(
            session, session.exec(select(Campaign).where(Campaign.code == later)).one(), "sgtvt"
        )
    assert [(y["index_year"], y["campaign"]) for y in chain] == [(2021, campaign), (2020, None)]
    assert chain[0]["total"] == ranked_2021["sgtvt"]["total"] and chain[1]["note"] == "số liệu minh hoạ"


def test_folders_without_the_new_keys_keep_their_digest(rt) -> None:  # type: ignore[no-untyped-def]
    data = read_campaign(FIXTURES / "mini", rt.workflows)
    assert data.spec.authority is None and data.spec.previous_campaign is None
    assert data.spec.head_classification is None
    # the digest as computed before `authority`, `previous_campaign` and `head_classification` existed
    spec = data.spec.model_dump(
        mode="json",
        exclude={"agencies", "people", "demo", "authority", "previous_campaign", "head_classification"},
    )
    old = {
        "campaign": spec,
        "agencies": [a.model_dump(mode="json") for a in data.agencies],
        "people": [p.model_dump(mode="json") for p in data.people],
        "criteria": [[repr(cs), list(groups)] for cs, groups in data.criteria],
    }
    assert (
        data.digest
        == hashlib.sha256(json.dumps(old, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    )
