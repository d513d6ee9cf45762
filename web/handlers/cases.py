"""HTTP handlers for cases: parse, call one service function, render."""
from __future__ import annotations

from aiohttp import web

from casework.cases.lists import LISTS
from casework.cases.parse import parse_command, parse_filter, parse_intake
from casework.cases.present import case_detail, public_detail
from casework.domain import commands as c
from casework.domain.enums import Role, Source
from casework.domain.intake import Intake, Route
from web.api import ApiRoutes, Param, schema_of
from web.keys import CLOCK, SETTINGS
from web.throttle import PUBLIC_GUARD, client_key
from web.request import actor, json_body, path_int, respond, services

routes = ApiRoutes("办件")
public = ApiRoutes("市民")

FILTER_PARAMS = tuple(Param(n, {"type": t}, d) for n, t, d in (
    ("q", "string", "标题、内容、地址中的任意文字"), ("number", "string", "办件编号（前缀）"),
    ("phone", "string", "来电号码"), ("from", "string", "受理日期起 YYYY-MM-DD"),
    ("to", "string", "受理日期止 YYYY-MM-DD"), ("state", "string", "状态，可逗号分隔多个"),
    ("case_type", "string", "办件类型"), ("source", "string", "办件来源"), ("department", "integer", "处置部门"),
    ("urgency", "string", "紧急程度"), ("overdue", "string", "超期类别"), ("disposition", "string", "来电结果"),
    ("page", "integer", "页码"), ("per_page", "integer", "每页条数（≤100）"),
    ("sort", "string", "排序：created_at、deadline、number、updated_at，前加 - 为倒序")))


async def _detail(request: web.Request, case_id: int) -> web.Response:
    svc = services(request)
    view = await svc.cases.view(case_id, actor(request))
    settings = request.app[SETTINGS]
    return respond(case_detail(view, await svc.reference.current(), request.app[CLOCK](),
                               settings.casework.due_soon_days))


@routes.route("POST", "/cases", "登记办件（电话受理，或录入其他来源的来件进入待初审）",
              body=schema_of(Intake, required=("title", "content", "case_type", "route")))
async def create_case(request: web.Request) -> web.Response:
    who = actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    case = await services(request).cases.register(parse_intake(await json_body(request)), who)
    response = await _detail(request, case.id)
    response.set_status(201)
    return response


@routes.route("GET", "/cases", "办件查询（含更多条件）", query=FILTER_PARAMS)
async def search_cases(request: web.Request) -> web.Response:
    return respond(await services(request).cases.search(parse_filter(request.query), actor(request)))


@routes.route("GET", "/lists", "当前用户可以打开的办件列表")
async def my_lists(request: web.Request) -> web.Response:
    who = actor(request)
    return respond([{"name": n, "label": s.label} for n, s in LISTS.items() if s.roles & who.roles])


@routes.route("GET", "/lists/{name}", "办件列表：待派发、督办列表五个标签、个人经手、办件签收、待办办件、前台办结件、待初审、回访等",
              query=FILTER_PARAMS)
async def named_list(request: web.Request) -> web.Response:
    return respond(await services(request).cases.named_list(request.match_info["name"],
                                                            parse_filter(request.query), actor(request)))


@routes.route("GET", "/cases/{case_id}", "办件详情：基本信息、各部门办理意见、督办、延期、流程和可用操作")
async def get_case(request: web.Request) -> web.Response:
    return await _detail(request, path_int(request, "case_id"))


def _action_handler(action: c.Action):
    async def perform(request: web.Request) -> web.Response:
        case_id = path_int(request, "case_id")
        command = parse_command(action, await json_body(request))
        await services(request).cases.perform(case_id, actor(request), command)
        return await _detail(request, case_id)
    perform.__name__ = f"case_{action.value}"
    return perform


for _action in c.Action:
    routes.route("POST", f"/cases/{{case_id}}/{_action.value}", _action.label,
                 body=schema_of(c.COMMANDS[_action]))(_action_handler(_action))


@public.route("POST", "/public/cases", "市民网上提交诉求（进入待初审），返回办件编号和查询码", public=True,
              body=schema_of(Intake, exclude=("source", "route", "departments", "lead", "instructions", "answer",
                                              "knowledge_article_id", "concern_department_id", "call_id"),
                             required=("title", "content", "case_type", "caller_phone")))
async def public_submit(request: web.Request) -> web.Response:
    data = {k: v for k, v in (await json_body(request)).items()
            if k in ("title", "content", "case_type", "urgency", "caller_name", "caller_phone", "address",
                     "district")}
    request.app[PUBLIC_GUARD].submit.hit(client_key(request), "提交过于频繁，请稍后再试")
    case = await services(request).cases.register(parse_intake(data, source=Source.WEB, route=Route.REVIEW), None)
    return respond({"number": case.number, "query_code": case.query_code,
                    "message": "提交成功，请牢记办件编号和查询码"}, status=201)


@public.route("GET", "/public/cases/{number}", "市民凭办件编号和查询码查询办理进度", public=True,
              query=(Param("code", {"type": "string"}, "提交时获得的查询码"),))
async def public_lookup(request: web.Request) -> web.Response:
    request.app[PUBLIC_GUARD].lookup.hit(client_key(request), "查询过于频繁，请稍后再试")
    view = await services(request).cases.public_view(request.match_info["number"], request.query.get("code", ""))
    return respond(public_detail(view))
