"""The case detail (基本信息, 办理意见, 附件, 录音, 流程) and every action's form."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from casework.cases.parse import parse_command
from casework.cases.present import case_detail
from casework.domain.commands import Action
from casework.domain.enums import Satisfaction
from casework.domain.workflow import may_manage_attachments
from casework.errors import AppError, Invalid, NotFound
from web.keys import CLOCK, SETTINGS
from web.pages.forms import form_data
from web.render import redirect, render
from web.request import actor, path_int, services

routes = web.RouteTableDef()


async def _page(request: web.Request, case_id: int, *, status: int = 200, errors: dict[str, str] | None = None,
                form: dict[str, Any] | None = None, open_action: str = "") -> web.Response:
    who, svc = actor(request), services(request)
    view = await svc.cases.view(case_id, who)
    ref = await svc.reference.current()
    detail = case_detail(view, ref, request.app[CLOCK](), request.app[SETTINGS].casework.due_soon_days)
    staff = []
    if who.department_id is not None:
        staff = [u for u in await svc.accounts.users(who.department_id) if u.active]
    return render(
        request, "case_detail.html", status=status, title=f"办件 {view.case.number}", case=detail,
        actions={a["action"] for a in detail["actions"]}, labels={a.value: a.label for a in Action},
        departments=[d for d in await svc.reference.departments() if d.kind != "centre"], staff=staff,
        attachments=await svc.attachments.list(case_id, who), can_attach=may_manage_attachments(view.case, who),
        satisfactions=[(s.value, s.label) for s in Satisfaction], me=who, errors=errors or {}, form=form or {},
        open_action=open_action)


@routes.get("/cases/{case_id}")
async def show(request: web.Request) -> web.Response:
    return await _page(request, path_int(request, "case_id"))


@routes.post("/cases/{case_id}/do/{action}")
async def perform(request: web.Request) -> web.StreamResponse:
    who, case_id = actor(request), path_int(request, "case_id")
    action = Action.parse(request.match_info["action"])
    if action is None:
        raise NotFound("没有这个操作", code="unknown_action")
    data = await form_data(request)
    try:
        if action is Action.MERGE:
            data["target_id"] = await services(request).cases.id_by_number(data.get("target_number", ""), who)
        await services(request).cases.perform(case_id, who, parse_command(action, data))
    except AppError as err:
        if isinstance(err, NotFound) and err.code == "case_not_found" and action is not Action.MERGE:
            raise
        errors = dict(err.fields) if isinstance(err, Invalid) and err.fields else {}
        errors["_form"] = err.message
        return await _page(request, case_id, status=err.status, errors=errors, form=data, open_action=action.value)
    return redirect(f"/cases/{case_id}", f"已{action.label}")
