"""坐席工作台, 实时监控 (live board) and 漏接回拨: pages whose live parts arrive over the websocket."""
from __future__ import annotations

from aiohttp import web

from casework.reference.places import DISTRICTS
from casework.domain.enums import CaseType, Role, Urgency
from telephony.calls.records import Page
from web.keys import TELEPHONY
from web.pages.forms import query_without_page
from web.render import render
from web.request import actor, services

routes = web.RouteTableDef()
PAUSE_REASONS = ("小休", "用餐", "培训", "会议", "话后整理")


@routes.get("/desk")
async def desk(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER)
    svc = services(request)
    departments = [d for d in await svc.reference.departments() if d.kind != "centre"]
    return render(request, "desk.html", title="坐席工作台", departments=departments,
                  types=[(t.value, t.label) for t in CaseType], urgencies=[(u.value, u.label) for u in Urgency],
                  districts=DISTRICTS, pause_reasons=PAUSE_REASONS)


@routes.get("/board")
async def board(request: web.Request) -> web.Response:
    who = actor(request, Role.SUPERVISOR, Role.LEADER)
    return render(request, "board.html", title="实时监控", can_spy=who.has(Role.SUPERVISOR))


@routes.get("/calls/missed")
async def missed(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    try:
        page = int(request.query.get("page", "1"))
    except ValueError:
        page = 1
    result = await request.app[TELEPHONY].calls.abandoned_callbacks(Page(page, 20))
    return render(request, "missed_calls.html", title="漏接回拨", result=result.to_dict(),
                  base_query=query_without_page(request))
