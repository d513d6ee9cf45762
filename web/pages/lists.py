"""Work lists (待派发, 督办列表 and its tabs, 办件签收, 待办办件, …) and 办件查询 with 更多条件."""
from __future__ import annotations

from aiohttp import web

from casework.cases.lists import LISTS
from casework.cases.parse import parse_filter
from casework.domain.enums import CaseType, OverdueClass, Role, Source, State, Urgency
from casework.errors import AppError
from web.pages.forms import query_without_page
from web.render import render
from web.request import actor, services

routes = web.RouteTableDef()

SUPERVISION_TABS = ("supervision_all", "supervision_done", "due_soon", "overdue_open", "overdue_done")
LEADER_TABS = ("due_soon", "overdue_open", "overdue_done")
CALL_TABS = ("calls_forwarded", "calls_front_desk", "calls_invalid")
PRINTABLE = frozenset({"signoff", "todo", "dispatch"})


def _tabs(name: str, roles: frozenset[Role]) -> list[tuple[str, str]]:
    group: tuple[str, ...] = ()
    if name in SUPERVISION_TABS:
        group = SUPERVISION_TABS if Role.SUPERVISOR in roles else LEADER_TABS
    return [(n, LISTS[n].label) for n in group]


def choices() -> dict[str, list[tuple[str, str]]]:
    return {"states": [(s.value, s.label) for s in State], "types": [(t.value, t.label) for t in CaseType],
            "sources": [(s.value, s.label) for s in Source], "urgencies": [(u.value, u.label) for u in Urgency],
            "overdue": [(o.value, o.label) for o in OverdueClass]}


@routes.get("/lists/{name}")
async def named_list(request: web.Request) -> web.Response:
    who, name = actor(request), request.match_info["name"]
    errors, result = {}, None
    try:
        result = await services(request).cases.named_list(name, parse_filter(request.query), who)
    except AppError as err:
        if err.status != 400:
            raise
        errors = err.fields
    label = LISTS[name].label if name in LISTS else name
    if name in SUPERVISION_TABS:
        title = "督办列表" if Role.SUPERVISOR in who.roles else "督办办件"
    else:
        title = label
    return render(request, "list.html", status=400 if errors else 200, title=title, name=name, label=label,
                  result=result, tabs=_tabs(name, who.roles), printable=name in PRINTABLE,
                  base_query=query_without_page(request), form=dict(request.query), errors=errors)


@routes.get("/search")
async def search(request: web.Request) -> web.Response:
    who, svc = actor(request), services(request)
    errors, result = {}, None
    if request.query:
        try:
            result = await svc.cases.search(parse_filter(request.query), who)
        except AppError as err:
            if err.status != 400:
                raise
            errors = err.fields
    departments = [(d.id, d.name) for d in await svc.reference.departments()]
    return render(request, "search.html", status=400 if errors else 200, title="办件查询", result=result,
                  departments=departments, choices=choices(), base_query=query_without_page(request),
                  form=dict(request.query), errors=errors)
