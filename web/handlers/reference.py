"""Departments, deadline rules and the holiday calendar over HTTP."""
from __future__ import annotations

from aiohttp import web

from casework.cases.parse import Fields
from casework.domain.enums import CaseType, Role, Urgency
from casework.errors import Invalid
from web.api import ApiRoutes, Param
from web.request import actor, json_body, path_int, respond, services

routes = ApiRoutes("基础数据")
DEPARTMENT = {"type": "object", "properties": {
    "name": {"type": "string"}, "kind": {"type": "string", "enum": ["centre", "department", "district"]},
    "district": {"type": "string"}, "sort": {"type": "integer"}, "active": {"type": "boolean"}}}


@routes.route("GET", "/departments", "单位列表", query=(Param("all", {"type": "boolean"}, "含已停用单位"),))
async def list_departments(request: web.Request) -> web.Response:
    actor(request)
    depts = await services(request).reference.departments(include_inactive=request.query.get("all") == "true")
    return respond([d.to_dict() for d in depts])


@routes.route("POST", "/departments", "新增单位（系统管理员）", body=DEPARTMENT)
async def add_department(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    f = Fields(await json_body(request))
    values = dict(name=f.text("name"), kind=f.text("kind", "department") or "department",
                  district=f.text("district"), sort=f.integer("sort") or 0)
    f.done()
    return respond((await services(request).reference.add_department(**values)).to_dict(), status=201)


@routes.route("PUT", "/departments/{department_id}", "修改单位（系统管理员）", body=DEPARTMENT)
async def update_department(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    data = await json_body(request)
    f = Fields(data)
    changes = {k: f.text(k) for k in ("name", "kind", "district") if k in data}
    if "sort" in data:
        changes["sort"] = f.integer("sort") or 0
    if "active" in data:
        changes["active"] = f.boolean("active", True)
    f.done()
    dept = await services(request).reference.update_department(path_int(request, "department_id"), **changes)
    return respond(dept.to_dict())


@routes.route("GET", "/deadline-rules", "办结时限（工作日）")
async def list_rules(request: web.Request) -> web.Response:
    actor(request)
    return respond(await services(request).reference.rules())


@routes.route("PUT", "/deadline-rules", "设置办结时限（系统管理员）", body={"type": "object", "properties": {
    "case_type": {"type": "string"}, "urgency": {"type": "string"}, "days": {"type": "integer"}}})
async def set_rule(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    f = Fields(await json_body(request))
    case_type, urgency = f.choice("case_type", CaseType, required=True), f.choice("urgency", Urgency, required=True)
    days = f.integer("days", required=True)
    f.done()
    await services(request).reference.set_rule(case_type, urgency, days or 0)
    return respond(await services(request).reference.rules())


@routes.route("GET", "/calendar/overrides", "节假日调整（覆盖国家法定节假日安排）")
async def list_overrides(request: web.Request) -> web.Response:
    actor(request)
    return respond(await services(request).reference.overrides())


def _day(request: web.Request):
    f = Fields({"day": request.match_info["day"]})
    day = f.day("day")
    f.done()
    if day is None:
        raise Invalid(fields={"day": "请填写日期"})
    return day


@routes.route("PUT", "/calendar/overrides/{day}", "设置某日为工作日或休息日（系统管理员）",
              body={"type": "object", "properties": {"is_workday": {"type": "boolean"}, "note": {"type": "string"}}})
async def set_override(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    f = Fields(await json_body(request))
    is_workday, note = f.boolean("is_workday"), f.text("note")
    f.done()
    await services(request).reference.set_override(_day(request), is_workday, note)
    return respond(await services(request).reference.overrides())


@routes.route("DELETE", "/calendar/overrides/{day}", "删除某日的调整（系统管理员）")
async def delete_override(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    await services(request).reference.delete_override(_day(request))
    return respond(await services(request).reference.overrides())
