"""Helpers the statistics pages share: the service, periods with field errors, links, charts, .xlsx."""
from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import quote, urlencode

from aiohttp import web
from markupsafe import Markup

from casework.errors import Invalid
from casework.insight.periods import Period, parse_period
from casework.insight.service import InsightService
from casework.insight.tables import display
from web.keys import SERVICES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRINT_ROWS = 1000


def insight(request: web.Request) -> InsightService:
    return request.app[SERVICES].insight


def period_of(request: web.Request, default: Period) -> tuple[Period | None, dict[str, str]]:
    """The chosen period, or None and the field errors."""
    try:
        return parse_period(request.query, default), {}
    except Invalid as err:
        return None, err.fields


def form_of(request: web.Request, period: Period | None) -> dict[str, Any]:
    return {**request.query, **period.params()} if period is not None else dict(request.query)


def url(path: str, params: Mapping[str, str] | None) -> str | None:
    return f"{path}?{urlencode(dict(params))}" if params is not None else None


def stats_url(params: Mapping[str, str] | None) -> str | None:
    """The list of the cases behind a 办件统计 or 考核 number."""
    return url("/stats/cases", params)


def calls_url(params: Mapping[str, str] | None) -> str | None:
    """The list of the call records behind a 来电情况 number."""
    return url("/calls/records", params)


def chart_json(data: Any) -> Markup:
    """Chart data for a <script type="application/json"> block: never closes the tag, never executed."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def xlsx(data: bytes, filename: str) -> web.Response:
    return web.Response(body=data, content_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def query_without(request: web.Request, *names: str) -> str:
    return urlencode([(k, v) for k, v in request.query.items() if k not in names])


TEMPLATE_HELPERS = {"stats_url": stats_url, "calls_url": calls_url, "show": display}
