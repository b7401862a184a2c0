"""Rendering shared between recipients (`batch_render.render_for`) gives exactly `render.render`'s result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parflow.domain.notices import NOTIFICATION_KINDS
from parflow.notify import batch_render
from parflow.notify.batch_render import names_printed_as_is, render_for
from parflow.notify.render import render
from parflow.notify.samples import SAMPLES
from parflow.settings import Settings

NAMES = [
    "Nguyễn Văn Bình",
    'Trần Thị <b>Lan</b> & "Hoa" O\'Neil',  # escaped in HTML, as is in text
    "A",
    "Lê  Văn  Tám",  # doubled spaces: tidying would change it, rendered in full
    " leading space",
    "",
    "--",
]


@pytest.fixture(scope="module")
def shipped() -> Path:
    return Settings(_env_file=None).notifications_dir  # type: ignore[call-arg]


@pytest.mark.parametrize("kind", sorted(NOTIFICATION_KINDS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_same_as_rendering_each_message_in_full(kind: str, lang: str, shipped: Path) -> None:
    for context in SAMPLES.get(kind, []):
        context = json.loads(json.dumps(context))  # as an outbox row holds it
        for name in NAMES * 2:  # the second time round comes from the cache
            expected = render(shipped, kind, lang, context, recipient_name=name, base_url="http://x/")
            assert (
                render_for(shipped, kind, lang, context, recipient_name=name, base_url="http://x/")
                == expected
            )


def test_shared_only_between_identical_contexts(shipped: Path) -> None:
    # (a kind whose templates include one chosen at render time, the digest, is never shared)
    assert names_printed_as_is(shipped, "reminder", "vi") and names_printed_as_is(shipped, "reminder", "en")
    assert not names_printed_as_is(shipped, "daily_digest", "vi")
    [first, *_] = SAMPLES["reminder"]
    other = json.loads(json.dumps(first))
    other["campaign"]["code"] = "OTHER-2099"
    a = render_for(shipped, "reminder", "vi", first, recipient_name="Bình", base_url="http://x")
    b = render_for(shipped, "reminder", "vi", other, recipient_name="Bình", base_url="http://x")
    assert a == render(shipped, "reminder", "vi", first, recipient_name="Bình", base_url="http://x")
    assert b == render(shipped, "reminder", "vi", other, recipient_name="Bình", base_url="http://x")
    assert any(
        key[-1] == json.dumps(other, sort_keys=True, ensure_ascii=False) for key in batch_render._cache
    )


def test_templates_that_transform_the_name_are_rendered_in_full(shipped: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notifications"
    shutil.copytree(shipped, folder)
    greeting = folder / "_layout" / "greeting.txt"
    greeting.write_text(greeting.read_text().replace("{{ recipient_name }}", "{{ recipient_name|upper }}"))
    assert not names_printed_as_is(folder, "reminder", "en")  # the greeting is included by the layout
    context = json.loads(json.dumps(SAMPLES["reminder"][0]))
    made = render_for(folder, "reminder", "en", context, recipient_name="Bình", base_url="http://x")
    assert "BÌNH" in made.text and batch_render.PLACEHOLDER not in made.text
    assert made == render(folder, "reminder", "en", context, recipient_name="Bình", base_url="http://x")
