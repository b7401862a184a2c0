"""Paged list responses: the body stays a plain JSON list (as before paging existed); the way
to the next page travels in headers, `Link: <…>; rel="next"` (RFC 8288) and `X-Next-Cursor`."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request, Response

from parflow.services.common import paging

CURSOR = Query(
    default=None,
    max_length=512,
    description="Continue a list: the `X-Next-Cursor` header of the page before.",
)


def limit_query(default: int, maximum: int) -> Any:
    return Query(default=default, ge=1, le=maximum, description=f"Rows per page (at most {maximum}).")


def announce_next(request: Request, response: Response, page: paging.Page[Any]) -> None:
    """Tell the client where the next page starts, when there is one."""
    if page.next_key is None:
        return
    cursor = paging.encode(page.next_key)
    url = request.url.include_query_params(cursor=cursor)
    response.headers["Link"] = f'<{url}>; rel="next"'
    response.headers["X-Next-Cursor"] = cursor
