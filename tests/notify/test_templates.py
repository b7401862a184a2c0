"""Every kind renders in both languages from contract-shaped samples; nothing undefined slips by."""

from __future__ import annotations

from pathlib import Path

import pytest

from parflow.domain.notices import NOTIFICATION_KINDS
from parflow.notify.render import LAYOUT_DIR, RenderError, missing_templates, render
from parflow.notify.samples import SAMPLES, sample
from parflow.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "notifications"
BASE = "https://cchc.haiphong.example"
CASES = [
    (kind, i, lang) for kind in NOTIFICATION_KINDS for i in range(len(SAMPLES[kind])) for lang in ("vi", "en")
]


def test_every_kind_has_a_folder_with_all_six_templates() -> None:
    assert missing_templates(TEMPLATES) == []
    folders = {p.name for p in TEMPLATES.iterdir() if p.is_dir()}
    assert folders == set(NOTIFICATION_KINDS) | {LAYOUT_DIR}
    assert set(SAMPLES) == set(NOTIFICATION_KINDS)


@pytest.mark.parametrize(("kind", "index", "lang"), CASES)
def test_every_kind_renders_in_both_languages(kind: str, index: int, lang: str) -> None:
    context = sample(kind, index)
    out = render(TEMPLATES, kind, lang, context, recipient_name="Đào Thị Hồng Nhung", base_url=BASE + "/")
    assert out.subject and "\n" not in out.subject and len(out.subject) < 250
    role = context.get("recipient_role")
    if role == "agency_head" and lang == "vi":
        agency = context["agency"]
        greeting = f"Kính gửi: {agency['head_title']} {agency['name']} (Ông/Bà Đào Thị Hồng Nhung),"
    elif role == "agency_editor" and lang == "vi":
        greeting = "Kính gửi: Ông/Bà Đào Thị Hồng Nhung, cán bộ đầu mối cải cách hành chính,"
    elif role in ("agency_head", "agency_editor"):
        greeting = "To: "
    else:
        greeting = "Kính gửi: Ông/Bà Đào Thị Hồng Nhung," if lang == "vi" else "Dear Đào Thị Hồng Nhung,"
    assert out.text.startswith(greeting)
    link = BASE + context["action_path"]
    assert link in out.text
    assert f'href="{link}"' in out.html.replace("&amp;", "&")
    assert out.html.lstrip().startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in out.html
    assert "\n\n\n" not in out.text
    # the sign-off is in the recipient's language
    assert ("Thư này do hệ thống" in out.text) == (lang == "vi")


@pytest.mark.parametrize("kind", NOTIFICATION_KINDS)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_missing_context_key_is_an_error_not_a_blank(kind: str, lang: str) -> None:
    context = sample(kind)
    # every key a template relies on; `trigger` and ids are for machines, `agency` may be absent
    optional = ("campaign", "action_path", "agency", "submission_id", "trigger", "recipient_role", "missing")
    for key in [k for k in context if k not in optional]:
        broken = {k: v for k, v in context.items() if k != key}
        with pytest.raises(RenderError):
            render(TEMPLATES, kind, lang, broken, recipient_name="A", base_url=BASE)


def test_dates_and_scores_follow_each_language() -> None:
    context = sample("dispute_resolved")
    context["new_score"] = "95.98"
    vi = render(TEMPLATES, "dispute_resolved", "vi", context, recipient_name="A", base_url=BASE)
    en = render(TEMPLATES, "dispute_resolved", "en", context, recipient_name="A", base_url=BASE)
    assert "95,98 điểm" in vi.text and "95.98 points" in en.text
    reminder = render(TEMPLATES, "reminder", "en", sample("reminder"), recipient_name="A", base_url=BASE)
    assert "14/01/2022" in reminder.subject and "2022-01-14" not in reminder.text


def test_html_is_escaped_and_text_is_not() -> None:
    context = sample("returned")
    context["comment"] = 'Thiếu <b>tài liệu</b> & "quyết định" <script>alert(1)</script>'
    out = render(TEMPLATES, "returned", "vi", context, recipient_name="<Nhung>", base_url=BASE)
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
    assert "&lt;Nhung&gt;" in out.html
    assert context["comment"] in out.text  # plain text carries the words as written


def test_instants_are_shown_in_the_campaigns_time_zone() -> None:
    context = sample("submitted")  # at 2022-01-13T08:41Z = 15:41 in Hải Phòng
    out = render(TEMPLATES, "submitted", "vi", context, recipient_name="A", base_url=BASE)
    assert "lúc 15:41 13/01/2022" in out.text


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError):
        render(TEMPLATES, "nonsense", "vi", {}, recipient_name="A", base_url=BASE)
