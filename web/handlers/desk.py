"""The desk's websocket and its JSON actions."""
from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlparse

from aiohttp import web

from agent_desk.bridge import BOARD
from agent_desk.hub import Client
from web.keys import DESK
from agent_desk.service import DeskService
from casework.cases.parse import Fields, parse_intake
from casework.domain.enums import Role, Source
from casework.domain.intake import Intake
from casework.errors import Forbidden
from telephony.actions import TelephonyActions
from web.keys import TELEPHONY
from web.api import ApiRoutes, schema_of
from web.keys import CLOCK, DATABASE
from web.request import actor, json_body, path_int, respond, services, session

routes = ApiRoutes("坐席")
socket_routes = web.RouteTableDef()
HEARTBEAT = 20.0
# Desks connect together (shift start, a restart): with one period their pings would all fall in one
# tick, 500 ping frames and then 500 pongs ahead of any pop in that tick. Each desk's period is drawn
# from [20, 40) s, so pings stay spread out however the desks connected.
HEARTBEAT_SPREAD = 20.0
WATCHERS = frozenset({Role.SUPERVISOR, Role.LEADER})


def desk_service(request: web.Request) -> DeskService:
    t = request.app[TELEPHONY]
    return DeskService(request.app[DATABASE], request.app[CLOCK], services(request).cases, t.calls,
                       TelephonyActions(t.link, t.settings), wrapup_pause=t.settings.wrapup_pause)


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or urlparse(origin).netloc == request.host


@socket_routes.get("/ws")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    """One socket per browser tab; authenticated by the same session cookie as the pages."""
    user = session(request).user
    if not _same_origin(request):
        raise Forbidden("来源不正确", code="bad_origin")
    # No per-message deflate: frames are small JSON, and compression costs ~95 KB per connected desk.
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT + random.uniform(0, HEARTBEAT_SPREAD),
                               max_msg_size=64 * 1024, compress=False)
    await ws.prepare(request)
    hub = request.app[DESK].hub
    await hub.serve(Client(user, ws), lambda client, data: _on_message(request, client, data))
    return ws


def _on_message(request: web.Request, client: Client, data: dict[str, Any]) -> None:
    desk = request.app[DESK]
    if data.get("type") == "subscribe" and data.get("topic") == BOARD and client.user.roles & WATCHERS:
        client.topics.add(BOARD)
        desk.hub.send(client, {"type": "board", "board": desk.bridge.board()})
    elif data.get("type") == "ping":
        desk.hub.send(client, {"type": "pong"})


@routes.route("POST", "/desk/cases", "坐席从来电登记办件（前台办结、转办、无效件），关联来电",
              body=schema_of(Intake, required=("title", "content", "case_type", "route")))
async def register_from_call(request: web.Request) -> web.Response:
    who = actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    intake = parse_intake(await json_body(request), source=Source.PHONE)
    case = await desk_service(request).register_from_call(intake, who, session(request).user.phone_ext)
    return respond({"id": case.id, "number": case.number, "state": case.state.value,
                    "state_label": case.state.label}, status=201)


@routes.route("POST", "/desk/calls/{call_id}/link", "把来电补充到已有办件", body={"type": "object", "properties": {
    "case_id": {"type": "integer"}}})
async def link_call(request: web.Request) -> web.Response:
    who = actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    f = Fields(await json_body(request))
    case_id = f.integer("case_id", required=True)
    f.done()
    await desk_service(request).add_call_to_case(path_int(request, "call_id"), case_id or 0, who,
                                                 session(request).user.phone_ext)
    return respond({"ok": True})


@routes.route("POST", "/desk/nuisance", "标记骚扰号码", body={"type": "object", "properties": {
    "number": {"type": "string"}, "reason": {"type": "string"}}})
async def mark_nuisance(request: web.Request) -> web.Response:
    who = actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    f = Fields(await json_body(request))
    number, reason = f.text("number"), f.text("reason")
    f.done()
    await desk_service(request).mark_nuisance(number, reason, who)
    return respond({"ok": True})


@routes.route("POST", "/desk/wrapup/end", "结束话后整理，恢复接听")
async def end_wrapup(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER)
    await desk_service(request).end_wrapup(session(request).user.phone_ext)
    return respond({"ok": True})


@routes.route("GET", "/desk/context", "来电号码的归属地与历史（弹屏内容）")
async def caller_context(request: web.Request) -> web.Response:
    who = actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    number = request.query.get("number", "").strip()[:30]
    bridge = request.app[DESK].bridge
    return respond(await bridge.context.build(number, who, request.app[CLOCK]()))
