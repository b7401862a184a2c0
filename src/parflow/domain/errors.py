"""Errors a user can cause and fix. Each carries a catalogue key and parameters so that the edge
(API, web page, CLI) can say it in the reader's language; `code` is the stable machine word."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unmet:
    """One unmet condition of a guard or one invalid input, in words the user can act on."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None


class ParflowError(Exception):
    status = 400
    code = "error"

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)


class NotFound(ParflowError):
    status = 404
    code = "not_found"


class NotAuthenticated(ParflowError):
    status = 401
    code = "not_authenticated"


class Forbidden(ParflowError):
    status = 403
    code = "forbidden"


class Conflict(ParflowError):
    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class StaleVersion(Conflict):
    code = "stale_version"


class Invalid(ParflowError):
    """Input that cannot be accepted; `unmet` lists each problem."""

    status = 422
    code = "invalid"

    def __init__(self, key: str, /, unmet: list[Unmet] | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.unmet = unmet or []


class GuardFailed(Invalid):
    code = "guard_failed"


class TooLarge(ParflowError):
    status = 413
    code = "too_large"


class RateLimited(ParflowError):
    """Too many attempts; `retry_after` (whole seconds), when known, goes out as `Retry-After`."""

    status = 429
    code = "rate_limited"

    def __init__(self, key: str, /, retry_after: int | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.retry_after = None if retry_after is None else max(1, retry_after)


class WrongPhase(Conflict):
    """The submission's state does not allow this kind of edit (e.g. self-scores after submitting)."""

    code = "wrong_phase"
