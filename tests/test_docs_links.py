"""README.md stays a short first page, and every relative link in it and in docs/*.md leads somewhere.

A link's file must exist (relative to the page that holds it), and its `#anchor`, if any, must be
the GitHub anchor of a heading in the target file: lowercase, spaces to '-', punctuation dropped,
`-1`, `-2` … added to repeated headings. Links inside code (fenced blocks, `inline code`) are not
links and are not checked; absolute addresses (http:, mailto:, …) are not checked either.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

SET_UP_COMMANDS = [
    "python3.11 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/parflow demo",
    "python3.11 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def split_fences(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text outside fenced code blocks, and each fenced block as (info string, content)."""
    prose: list[str] = []
    blocks: list[tuple[str, str]] = []
    fence: str | None = None
    info = ""
    body: list[str] = []
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None:
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence, info, body = m.group(1), m.group(2).strip(), []
            else:
                prose.append(line)
        elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip():
            blocks.append((info, "\n".join(body)))
            fence = None
        else:
            body.append(line)
    return "\n".join(prose), blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = text.strip().lower()
    kept = [c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM"]
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    prose, _ = split_fences(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in prose.splitlines():
        m = HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def relative_links(path: Path) -> list[str]:
    prose, _ = split_fences(path.read_text(encoding="utf-8"))
    prose = INLINE_CODE.sub("", prose)
    targets = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
    return [t for t in targets if t and not SCHEME.match(t)]


def broken_links(page: Path) -> list[str]:
    problems = []
    for target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        file_part = unquote(file_part)
        if not file_part:
            dest = page
        elif file_part.startswith("/"):
            dest = ROOT / file_part.lstrip("/")
        else:
            dest = (page.parent / file_part).resolve()
        if not dest.exists():
            problems.append(f"{target}: no file {dest}")
        elif anchor and (dest.is_dir() or unquote(anchor).lower() not in anchors(dest)):
            problems.append(f"{target}: no heading with anchor #{anchor} in {os.path.relpath(dest, ROOT)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_to_a_file_and_heading(page: Path) -> None:
    assert broken_links(page) == []


def test_readme_is_a_short_first_page() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < 250


def test_readme_opens_with_the_two_set_up_commands() -> None:
    _, blocks = split_fences(README.read_text(encoding="utf-8"))
    assert [(info, body.strip()) for info, body in blocks[:2]] == [("sh", c) for c in SET_UP_COMMANDS]


def test_the_checker_sees_anchors_and_skips_code(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Production: PostgreSQL, several API workers\n\n## The demo's mail catcher\n\n"
        "## Notes\n\n## Notes\n\n"
        "[a](#notes-1) [b](#the-demos-mail-catcher) `[c](missing.md)`\n\n```sh\n[d](missing.md)\n```\n"
        "[e](#production-postgresql-several-api-workers) [f](https://example.org/x.md) [g](missing.md#x)\n",
        encoding="utf-8",
    )
    assert "production-postgresql-several-api-workers" in anchors(page)
    assert relative_links(page) == [
        "#notes-1",
        "#the-demos-mail-catcher",
        "#production-postgresql-several-api-workers",
        "missing.md#x",
    ]
    assert [p.split(":")[0] for p in broken_links(page)] == ["missing.md#x"]
