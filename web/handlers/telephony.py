"""Telephony over HTTP: link health and live state, call records, and the PBX actions users take."""
from __future__ import annotations


from aiohttp import web

from casework.cases.parse import Fields
from casework.domain.enums import Role
from casework.errors import Invalid
from telephony.actions import SpyMode, TelephonyActions
from telephony.calls.records import CallDisposition, CallFilter, Page
from telephony.stack import Telephony
from web.keys import TELEPHONY
from web.api import ApiRoutes, Param
from web.keys import CLOCK
from web.request import actor, call_reader, json_body, path_int, respond, session

routes = ApiRoutes("电话")
CENTRE = (Role.SUPERVISOR, Role.CALL_TAKER, Role.LEADER)


def _telephony(request: web.Request) -> Telephony:
    return request.app[TELEPHONY]


def _actions(request: web.Request) -> TelephonyActions:
    t = _telephony(request)
    return TelephonyActions(t.link, t.settings)


@routes.route("GET", "/telephony/status", "PBX 链路状态与实时话务：排队、坐席、通话、服务水平")
async def status(request: web.Request) -> web.Response:
    actor(request, *CENTRE)
    t, now = _telephony(request), request.app[CLOCK]()
    level = t.model.service_level()
    return respond({
        "link": t.health(),
        "queue": [e.to_dict(now) for e in t.model.queue_entries()],
        "agents": [a.to_dict(now) for a in t.model.agents()],
        "calls": [c.to_dict(now) for c in t.model.calls()],
        "service_level": {"offered": level.offered, "answered": level.answered,
                          "answered_in_time": level.answered_in_time, "abandoned": level.abandoned,
                          "answer_rate": level.answer_rate, "in_time_rate": level.in_time_rate}})


def _call_filter(request: web.Request) -> tuple[CallFilter, Page]:
    f = Fields(request.query)
    raw = request.query.get("disposition")
    disposition = None
    if raw:
        try:
            disposition = CallDisposition(raw)
        except ValueError:
            f.errors["disposition"] = f"无效的取值：{raw}"
    filters = CallFilter(date_from=f.day("from"), date_to=f.day("to"), disposition=disposition,
                         number=f.text("number")[:30], case_id=f.integer("case_id"))
    page = Page(f.integer("page") or 1, f.integer("per_page") or 20)
    f.done()
    return filters, page


@routes.route("GET", "/calls", "来电记录", query=tuple(Param(n, {"type": t}, d) for n, t, d in (
    ("from", "string", "日期起"), ("to", "string", "日期止"), ("disposition", "string", "来电结果"),
    ("number", "string", "号码"), ("case_id", "integer", "办件"), ("page", "integer", "页码"),
    ("per_page", "integer", "每页条数"))))
async def list_calls(request: web.Request) -> web.Response:
    call_reader(request)
    filters, page = _call_filter(request)
    return respond((await _telephony(request).calls.list(filters, page)).to_dict())


@routes.route("GET", "/calls/missed", "漏接回拨列表（放弃的来电，尚未回拨接通）")
async def missed_calls(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    f = Fields(request.query)
    page = Page(f.integer("page") or 1, f.integer("per_page") or 20)
    f.done()
    return respond((await _telephony(request).calls.abandoned_callbacks(page)).to_dict())


@routes.route("GET", "/calls/{call_id}", "一条来电记录")
async def get_call(request: web.Request) -> web.Response:
    call_reader(request)
    return respond((await _telephony(request).calls.get(path_int(request, "call_id"))).to_dict())


def _ext(request: web.Request) -> tuple[str, str]:
    user = session(request).user
    return user.phone_ext, user.name


@routes.route("POST", "/telephony/agent/login", "坐席签入队列")
async def agent_login(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER)
    ext, name = _ext(request)
    await _actions(request).log_in(ext, name)
    return respond({"ok": True})


@routes.route("POST", "/telephony/agent/logout", "坐席签出队列")
async def agent_logout(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER)
    await _actions(request).log_out(_ext(request)[0])
    return respond({"ok": True})


@routes.route("POST", "/telephony/agent/pause", "坐席小休或恢复（带原因）", body={"type": "object", "properties": {
    "paused": {"type": "boolean"}, "reason": {"type": "string"}}})
async def agent_pause(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER)
    f = Fields(await json_body(request))
    paused, reason = f.boolean("paused", True), f.text("reason")[:20]
    f.done()
    await _actions(request).pause(_ext(request)[0], paused, reason)
    return respond({"ok": True})


@routes.route("POST", "/telephony/call", "点击外呼（回访、漏接回拨），通话关联办件", body={"type": "object", "properties": {
    "number": {"type": "string"}, "case_id": {"type": "integer", "nullable": True}}})
async def click_to_call(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    f = Fields(await json_body(request))
    number, case_id = f.text("number"), f.integer("case_id")
    f.done()
    action_id = await _actions(request).call(_ext(request)[0], number, case_id=case_id)
    return respond({"ok": True, "action_id": action_id}, status=202)


@routes.route("POST", "/telephony/spy", "班长监听、耳语、强插", body={"type": "object", "properties": {
    "channel": {"type": "string"}, "mode": {"type": "string", "enum": [m.value for m in SpyMode]}}})
async def spy(request: web.Request) -> web.Response:
    actor(request, Role.SUPERVISOR)
    f = Fields(await json_body(request))
    channel, raw_mode = f.text("channel"), f.text("mode", "listen")
    f.done()
    try:
        mode = SpyMode(raw_mode)
    except ValueError:
        raise Invalid(fields={"mode": "应为 listen、whisper 或 barge"}) from None
    action_id = await _actions(request).spy(_ext(request)[0], channel, mode)
    return respond({"ok": True, "action_id": action_id}, status=202)


@routes.route("POST", "/telephony/hangup", "挂断通话", body={"type": "object", "properties": {
    "channel": {"type": "string"}}})
async def hang_up(request: web.Request) -> web.Response:
    actor(request, Role.SUPERVISOR, Role.CALL_TAKER)
    f = Fields(await json_body(request))
    channel = f.text("channel")
    f.done()
    if not channel:
        raise Invalid(fields={"channel": "请指定通道"})
    await _actions(request).hang_up(channel)
    return respond({"ok": True})
