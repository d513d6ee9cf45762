"""Reading HTML form posts the way the services expect them."""
from __future__ import annotations

from typing import Any

from aiohttp import web

MULTI_FIELDS = frozenset({"departments", "roles", "leader_scope", "ids"})


async def form_data(request: web.Request) -> dict[str, Any]:
    """The posted fields; repeated fields (check boxes) as lists, everything else as the last value."""
    posted = await request.post()
    data: dict[str, Any] = {}
    for key in posted.keys():
        values = [v for v in posted.getall(key) if isinstance(v, str)]
        if key in MULTI_FIELDS:
            data[key] = [v for v in values if v != ""]
        elif values:
            data[key] = values[-1]
    data.pop("_csrf", None)
    return data


def query_without_page(request: web.Request) -> str:
    from urllib.parse import urlencode
    return urlencode([(k, v) for k, v in request.query.items() if k != "page"])
