"""Message catalogues, one module per area of the product."""

from __future__ import annotations

import importlib
import pkgutil


def load_catalogues() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in module.MESSAGES.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} is defined twice (again in {info.name})")
            merged[key] = pair
    return merged
