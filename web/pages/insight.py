"""来电情况 (four tabs), 办件统计 and 热点: first versions over the cases (issue 7 completes them)."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

from aiohttp import web

from casework.cases.parse import parse_filter
from casework.domain.enums import Role
from casework.errors import AppError, Invalid, NotFound
from casework.insight.service import InsightService, Period, parse_period
from web.keys import CLOCK, DATABASE, SETTINGS
from web.pages.forms import query_without_page
from web.render import render
from web.request import actor, services

routes = web.RouteTableDef()

CALL_LISTS = {"forwarded": "calls_forwarded", "front_desk": "calls_front_desk", "invalid": "calls_invalid"}
CALL_TABS = (("forwarded", "转办件"), ("front_desk", "办件"), ("invalid", "无效件"), ("table", "统计表"))
CALL_TABLE_DAYS = 30


def _insight(request: web.Request) -> InsightService:
    return InsightService(request.app[DATABASE], request.app[CLOCK],
                          request.app[SETTINGS].casework.due_soon_days)


def search_url(params: Mapping[str, str] | None) -> str | None:
    """The 办件查询 page listing the cases behind a number (更多条件 open), or None."""
    return "/search?" + urlencode({**params, "more": "1"}) if params is not None else None


def _period(request: web.Request, default: Period) -> tuple[Period | None, dict[str, str]]:
    """The chosen period, or None and the field errors."""
    try:
        return parse_period(request.query, default), {}
    except Invalid as err:
        return None, err.fields


def _period_form(request: web.Request, period: Period | None) -> dict[str, Any]:
    return period.params() if period is not None else dict(request.query)


@routes.get("/calls")
@routes.get("/calls/{tab}")
async def calls(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR)
    tab = request.match_info.get("tab", "forwarded")
    if tab == "table":
        return await _call_table(request, who)
    if tab not in CALL_LISTS:
        raise NotFound("没有这个标签")
    errors: dict[str, str] = {}
    result = None
    try:
        result = await services(request).cases.named_list(CALL_LISTS[tab], parse_filter(request.query), who)
    except AppError as err:
        if err.status != 400:
            raise
        errors = err.fields
    return render(request, "calls.html", status=400 if errors else 200, title="来电情况", tab=tab,
                  tabs=CALL_TABS, result=result, base_query=query_without_page(request),
                  form=dict(request.query), errors=errors)


async def _call_table(request: web.Request, who: Any) -> web.Response:
    svc = _insight(request)
    period, errors = _period(request, svc.last_days(CALL_TABLE_DAYS))
    table = await svc.call_table(period, who) if period is not None else None
    return render(request, "calls.html", status=400 if errors else 200, title="来电情况", tab="table",
                  tabs=CALL_TABS, table=table, search_url=search_url,
                  form=_period_form(request, period), errors=errors)


@routes.get("/stats")
async def stats(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    svc = _insight(request)
    period, errors = _period(request, svc.this_month())
    result = await svc.case_stats(period, who) if period is not None else None
    return render(request, "stats.html", status=400 if errors else 200, title="办件统计", stats=result,
                  search_url=search_url, form=_period_form(request, period), errors=errors)


@routes.get("/hotspots")
async def hotspots(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    result = await _insight(request).hotspots(who)
    return render(request, "hotspots.html", title="热点", hot=result, search_url=search_url)
