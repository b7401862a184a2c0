"""Vietnamese alphabetical order and accent-free search, for lists of agencies and people.

Order comes from ICU's Vietnamese collation (Ă after A, Đ after D, tones after the bare letter),
applied syllable by syllable as a Vietnamese dictionary does: "Giao thông" before "Giáo dục",
because the first syllables differ by tone alone and decide before the second syllable is read.
Code order or plain `sorted()` puts "Đồ Sơn" after "Yên" and ignores tones entirely.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import icu

T = TypeVar("T")


@lru_cache(maxsize=1)
def _collator() -> icu.Collator:
    # ICU takes a tenth of a second to load: only a command that sorts names pays for it
    import icu

    return icu.Collator.createInstance(icu.Locale("vi_VN"))


def vietnamese_key(text: str) -> tuple[bytes, ...]:
    """A sort key: syllables compared in turn, each by the Vietnamese collation."""
    collator = _collator()
    return tuple(collator.getSortKey(word) for word in text.split())


def sort_vietnamese(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: vietnamese_key(name(item)))


def fold(text: str) -> str:
    """Lower case without tones or marks, so "giao thong" finds "Giao thông" and "dong" finds "Đông"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def matches(query: str, text: str) -> bool:
    """True when every word of the query appears in the text; tones and case are optional."""
    haystack = fold(text)
    return all(word in haystack for word in fold(query).split())
