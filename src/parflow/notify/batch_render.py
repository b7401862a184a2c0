"""Render a batch once per (kind, language, context); each recipient's name is filled in afterwards.

A deadline sends one reminder, in two languages, to many people; where their messages differ only
in the recipient's name, the templates are rendered once with a placeholder for the name, and each
message gets its name put in (HTML-escaped in the HTML part, as autoescaping would). The result is
exactly what `render.render` gives (tests/notify/test_batch_render.py compares them), because this
is done only when that holds:
- the message's templates, and every template they extend or include, print `recipient_name` as
  it is (`{{ recipient_name }}`, no filter, test, macro or autoescape block around it), checked
  once per kind and language on the templates' syntax trees;
- the name is one that whitespace tidying leaves alone (no leading, trailing or doubled spaces)
  and holds a letter or digit;
- the context is plain JSON (as outbox rows hold it), so it can serve as the key.
Otherwise the message is rendered in full, as before.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import meta, nodes
from markupsafe import escape

from parflow.i18n import normalise_language
from parflow.notify.render import Rendered, environment, render, template_names

# private-use characters around it: never in a context or a template, untouched by escaping
PLACEHOLDER = "\ue000recipient\ue001"
_SIZE = 256

_lock = threading.Lock()
_cache: OrderedDict[tuple[str, ...], Rendered] = OrderedDict()


def render_for(
    notifications_dir: Path,
    kind: str,
    lang: str,
    context: dict[str, Any],
    *,
    recipient_name: str,
    base_url: str,
) -> Rendered:
    """`render.render`, sharing the work between recipients of the same message where that is exact."""
    key = _key(notifications_dir, kind, lang, context, base_url)
    if (
        key is None
        or not _plain(recipient_name)
        or not names_printed_as_is(notifications_dir, kind, normalise_language(lang))
    ):
        return render(
            notifications_dir, kind, lang, context, recipient_name=recipient_name, base_url=base_url
        )
    with _lock:
        shared = _cache.get(key)
        if shared is not None:
            _cache.move_to_end(key)
    if shared is None:
        shared = render(notifications_dir, kind, lang, context, recipient_name=PLACEHOLDER, base_url=base_url)
        with _lock:
            _cache[key] = shared
            while len(_cache) > _SIZE:
                _cache.popitem(last=False)
    filled = Rendered(
        subject=shared.subject.replace(PLACEHOLDER, recipient_name),
        text=shared.text.replace(PLACEHOLDER, recipient_name),
        html=shared.html.replace(PLACEHOLDER, str(escape(recipient_name))),
    )
    if any("\ue000" in part or "\ue001" in part for part in (filled.subject, filled.text, filled.html)):
        # the placeholder came out altered somehow: never guess, render this one in full
        return render(
            notifications_dir, kind, lang, context, recipient_name=recipient_name, base_url=base_url
        )
    return filled


def _key(
    notifications_dir: Path, kind: str, lang: str, context: Any, base_url: str
) -> tuple[str, ...] | None:
    try:
        fingerprint = json.dumps(context, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None  # not plain JSON (dates, objects): no key that would be safe
    return (str(notifications_dir), kind, lang, base_url, fingerprint)


def _plain(name: str) -> bool:
    return (
        name == " ".join(name.split())
        and any(c.isalnum() for c in name)
        and "\ue000" not in name
        and "\ue001" not in name
    )


@lru_cache(maxsize=128)
def names_printed_as_is(notifications_dir: Path, kind: str, lang: str) -> bool:
    """True when the kind's templates, and all they extend or include, print `recipient_name` only
    as `{{ recipient_name }}`."""
    env = environment(notifications_dir)
    pending, seen = list(template_names(kind, lang)), set()
    try:
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            tree = env.parse(source)
            uses = sum(1 for n in tree.find_all(nodes.Name) if n.name == "recipient_name")
            if uses != _printed_as_is(tree, shielded=False):
                return False
            for referenced in meta.find_referenced_templates(tree):
                if referenced is None:  # a template chosen at render time: cannot be checked
                    return False
                pending.append(referenced)
    except Exception:  # missing or broken: no sharing, and rendering in full reports it as before
        return False
    return True


def _printed_as_is(node: nodes.Node, *, shielded: bool) -> int:
    """How many `recipient_name` lookups are printed directly by an Output outside any filter block,
    macro, call block or autoescape block (which could transform what they print)."""
    count = 0
    if isinstance(node, nodes.FilterBlock | nodes.Macro | nodes.CallBlock | nodes.EvalContextModifier):
        shielded = True
    if isinstance(node, nodes.Output) and not shielded:
        count += sum(1 for n in node.nodes if isinstance(n, nodes.Name) and n.name == "recipient_name")
    for child in node.iter_child_nodes():
        count += _printed_as_is(child, shielded=shielded)
    return count
