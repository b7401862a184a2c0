"""The logging module's global state, saved and put back.

Loggers outlive tests: a level set to DEBUG in one test makes every later test format every SQL
statement, a disabled `uvicorn.access` silences it for the rest of the run. `preserved()` restores
what a test or helper changes (level, handlers, disabled, propagate of every logger that existed
before); `level_changes()` is the cheap comparison behind conftest's guard.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class LoggerState:
    level: int
    disabled: bool
    propagate: bool
    handlers: tuple[logging.Handler, ...]


_FRESH = LoggerState(logging.NOTSET, disabled=False, propagate=True, handlers=())


def loggers() -> dict[str, logging.Logger]:
    known = logging.root.manager.loggerDict
    # placeholders stand for loggers nobody asked for yet: they have no state of their own
    found = {name: lg for name, lg in known.items() if isinstance(lg, logging.Logger)}
    found[""] = logging.getLogger()
    return found


def _pytests(handler: logging.Handler) -> bool:
    # pytest attaches a capture handler to the root logger per test phase and removes it itself
    return type(handler).__module__.startswith("_pytest")


def snapshot() -> dict[str, LoggerState]:
    saved = {}
    for name, lg in loggers().items():
        handlers = tuple(h for h in lg.handlers if not _pytests(h))
        saved[name] = LoggerState(lg.level, lg.disabled, lg.propagate, handlers)
    return saved


def restore(saved: dict[str, LoggerState]) -> None:
    current = loggers()
    for name, logger in current.items():
        state = saved.get(name, _FRESH)
        logger.setLevel(state.level)  # setLevel, not .level =: it clears the loggers' level caches
        logger.disabled = state.disabled
        logger.propagate = state.propagate
        if name in saved:  # a logger born meanwhile keeps what its library gave it (a NullHandler)
            logger.handlers[:] = [h for h in logger.handlers if _pytests(h)] + list(state.handlers)


def level_changes(saved: dict[str, LoggerState]) -> dict[str, tuple[str, str]]:
    """Loggers whose level, disabled flag or propagation differs from `saved`: {name: (before, now)}.

    Handlers are left out: comparing them needs care (pytest's own come and go) that a check run
    around every test should not pay for; `preserved()` restores them where a test changes them."""
    changed = {}
    for name, logger in loggers().items():
        state = saved.get(name, _FRESH)  # one created during the test started out as a fresh logger
        before = (state.level, state.disabled, state.propagate)
        now = (logger.level, logger.disabled, logger.propagate)
        if name not in saved and not logging.NOTSET < logger.level < logging.WARNING:
            # a library imported lazily may set up its own logger (psycopg sets WARNING): only a
            # new logger made chattier than WARNING is the costly leak worth failing a test for
            continue
        if before != now:
            changed[name or "root"] = (_describe(*before), _describe(*now))
    return changed


def _describe(level: int, disabled: bool, propagate: bool) -> str:
    flags = [logging.getLevelName(level)] + ["disabled"] * disabled + ["no propagate"] * (not propagate)
    return ", ".join(flags)


@contextmanager
def preserved() -> Iterator[None]:
    saved = snapshot()
    try:
        yield
    finally:
        restore(saved)
