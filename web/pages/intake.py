"""新建办件: the call-taker's registration form for a call or a letter, fax, SMS or e-mail."""
from __future__ import annotations

from aiohttp import web

from casework.cases.parse import parse_intake
from casework.reference.places import DISTRICTS
from casework.domain.enums import CaseType, Role, Source, Urgency
from casework.domain.intake import Route
from casework.errors import AppError
from web.pages.forms import form_data
from web.render import redirect, render
from web.request import actor, services

routes = web.RouteTableDef()


async def _form(request: web.Request, *, status: int = 200, form: dict | None = None,
                errors: dict | None = None) -> web.Response:
    svc = services(request)
    departments = [d for d in await svc.reference.departments() if d.kind != "centre"]
    return render(request, "intake.html", status=status, title="新建办件", departments=departments,
                  dept_options=[(d.id, d.name) for d in departments],
                  sources=[(s.value, s.label) for s in Source], types=[(t.value, t.label) for t in CaseType],
                  urgencies=[(u.value, u.label) for u in Urgency], routes=[(r.value, r.label) for r in Route],
                  districts=[(d, d) for d in DISTRICTS], form=form or {"source": "phone", "route": "centre"},
                  errors=errors or {})


@routes.get("/cases/new")
async def new_case(request: web.Request) -> web.Response:
    actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    return await _form(request)


@routes.post("/cases/new")
async def create_case(request: web.Request) -> web.StreamResponse:
    who = actor(request, Role.CALL_TAKER, Role.SUPERVISOR)
    data = await form_data(request)
    if data.get("source", "phone") != "phone":
        data["route"] = Route.REVIEW.value
    try:
        case = await services(request).cases.register(parse_intake(data), who)
    except AppError as err:
        errors = {**err.fields, "_form": err.message}
        return await _form(request, status=err.status, form=data, errors=errors)
    return redirect(f"/cases/{case.id}", f"已登记办件 {case.number}（{case.state.label}）")
