"""来电情况 (tabs and 统计表), 办件统计, 热点: the statistics pages, their drill-down lists and exports."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from casework.cases.parse import parse_filter
from casework.domain.enums import Role
from casework.errors import AppError, Invalid, NotFound
from casework.insight.calls_stats import GROUPINGS, parse_call_slice
from casework.insight.case_lists import parse_slice
from casework.insight.list_export import export_list
from casework.insight.periods import parse_period
from web.pages.forms import form_data, query_without_page
from web.pages.insight_views import (PRINT_ROWS, TEMPLATE_HELPERS, chart_json, form_of, insight, page_number,
                                     period_of, query_without, xlsx)
from web.render import redirect, render
from web.request import actor, services

routes = web.RouteTableDef()

CALL_LISTS = {"forwarded": "calls_forwarded", "front_desk": "calls_front_desk", "invalid": "calls_invalid"}
CALL_TABS = (("forwarded", "转办件"), ("front_desk", "办件"), ("invalid", "无效件"), ("table", "统计表"))
CALL_TABLE_DAYS = 30
HOTSPOT_ACTIONS = frozenset({"confirm", "dismiss", "restore", "rename", "merge", "add"})


def _grouping(request: web.Request) -> tuple[str, dict[str, str]]:
    grouping = request.query.get("group", "day") or "day"
    return (grouping, {}) if grouping in GROUPINGS else ("day", {"group": "无效的统计方式"})


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
    svc = insight(request)
    period, errors = period_of(request, svc.last_days(CALL_TABLE_DAYS))
    grouping, bad = _grouping(request)
    errors.update(bad)
    stats = await svc.call_stats(period, grouping, who) if period is not None and not errors else None
    return render(request, "calls.html", status=400 if errors else 200, title="来电情况", tab="table",
                  tabs=CALL_TABS, stats=stats, groupings=GROUPINGS, charts=chart_json(stats.charts() if stats else {}),
                  query=query_without(request, "page"), form=form_of(request, period), errors=errors,
                  **TEMPLATE_HELPERS)


@routes.get("/calls/table/export.xlsx")
async def call_table_export(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR), insight(request)
    grouping, bad = _grouping(request)
    period, errors = period_of(request, svc.last_days(CALL_TABLE_DAYS))
    if period is None or bad:
        raise Invalid(fields={**errors, **bad})
    return xlsx(*await svc.call_stats_export(period, grouping, who))


@routes.get("/calls/records")
async def call_records(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR), insight(request)
    s = parse_call_slice(request.query, svc.last_days(CALL_TABLE_DAYS))
    result = await svc.call_list(s, who, page_number(request))
    return render(request, "call_records.html", title="来电记录", result=result,
                  base_query=query_without_page(request), query=query_without(request, "page"))


@routes.get("/calls/records/export.xlsx")
async def call_records_export(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR), insight(request)
    return xlsx(*await svc.call_export(parse_call_slice(request.query, svc.last_days(CALL_TABLE_DAYS)), who))


@routes.get("/stats")
async def stats(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    svc = insight(request)
    period, errors = period_of(request, svc.this_month())
    result = await svc.case_stats(period, who) if period is not None else None
    return render(request, "stats.html", status=400 if errors else 200, title="办件统计", stats=result,
                  charts=chart_json(result.charts() if result else {}), query=query_without(request, "page"),
                  form=form_of(request, period), errors=errors, **TEMPLATE_HELPERS)


@routes.get("/stats/export.xlsx")
async def stats_export(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR, Role.LEADER), insight(request)
    period = parse_period(request.query, svc.this_month())  # bad input: 400 with the fields
    return xlsx(*await svc.stats_export(period, who))


@routes.get("/stats/cases")
async def stats_cases(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR, Role.LEADER), insight(request)
    printing, page, rows = _paging(request)
    result = await svc.case_list(parse_slice(request.query, svc.this_month()), who, page, rows)
    return _case_list_page(request, "/stats/cases", "统计办件列表", result, printing)


def _paging(request: web.Request) -> tuple[bool, int, int]:
    """Printing (print=1) shows one long page; otherwise the requested page of 20."""
    printing = request.query.get("print") == "1"
    return printing, 1 if printing else page_number(request), PRINT_ROWS if printing else 20


def _case_list_page(request: web.Request, path: str, title: str, result: Any, printing: bool) -> web.Response:
    rest = query_without(request, "page", "print")
    return render(request, "insight_cases.html", title=title, result=result, printing=printing,
                  export=f"{path}/export.xlsx?{rest}", print_url=f"{path}?{rest}&print=1", base_query=rest)


@routes.get("/stats/cases/export.xlsx")
async def stats_cases_export(request: web.Request) -> web.Response:
    who, svc = actor(request, Role.SUPERVISOR, Role.LEADER), insight(request)
    return xlsx(*await svc.case_export(parse_slice(request.query, svc.this_month()), who))


@routes.get("/export/cases.xlsx")
async def export_cases(request: web.Request) -> web.Response:
    """Any work list (`list=dispatch`, …) or 办件查询 (its filters) as .xlsx, all matching cases."""
    who, name = actor(request), request.query.get("list", "")
    return xlsx(*await export_list(insight(request), parse_filter(request.query), who, name))


@routes.get("/hotspots")
async def hotspots(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    view = await insight(request).hotspots(who, force=request.query.get("refresh") == "1")
    return render(request, "hotspots.html", title="热点", hot=view, charts=chart_json(view.charts()))


@routes.get("/hotspots/export.xlsx")
async def hotspots_export(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    return xlsx(*await insight(request).hotspots_export(who))


def _hotspot_target(request: web.Request) -> tuple[int | None, str]:
    raw, term = request.query.get("id", ""), request.query.get("term", "").strip()[:40]
    if raw and not raw.isdigit():
        raise Invalid(fields={"id": "应为整数"})
    if not raw and not term:
        raise Invalid(fields={"term": "请指定热点"})
    return (int(raw) if raw else None), term


@routes.get("/hotspots/cases")
async def hotspot_cases(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    printing, page, rows = _paging(request)
    hotspot_id, term = _hotspot_target(request)
    result = await insight(request).hotspot_cases(who, hotspot_id, term, page, rows)
    return _case_list_page(request, "/hotspots/cases", "热点办件", result, printing)


@routes.get("/hotspots/cases/export.xlsx")
async def hotspot_cases_export(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    hotspot_id, term = _hotspot_target(request)
    return xlsx(*await insight(request).hotspot_export(who, hotspot_id, term))


@routes.post("/hotspots/{action}")
async def curate(request: web.Request) -> web.StreamResponse:
    who, action = actor(request, Role.SUPERVISOR), request.match_info["action"]
    if action not in HOTSPOT_ACTIONS:
        raise NotFound("没有这个操作")
    data = await form_data(request)
    try:
        message = await insight(request).curate(action, data, who)
    except Invalid as err:
        return redirect("/hotspots", "；".join(err.fields.values()) or err.message, "error")
    return redirect("/hotspots", message)

